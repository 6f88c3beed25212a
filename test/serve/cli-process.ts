/**
 * Runs the compiled CLI (dist/src/cli/main.js, rebuilt by ensure-built.ts
 * when stale) in a child process and records its output by lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import './ensure-built.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(ROOT, 'dist/src/cli/main.js');

export interface CliProcess {
  child: ChildProcess;
  out: string[];
  err: string[];
  /** Resolves when `pred` holds for the stdout lines so far. */
  waitOut(pred: (lines: string[]) => boolean): Promise<void>;
  /** Resolves with the first match of `re` in a stderr line. */
  waitErr(re: RegExp): Promise<RegExpExecArray>;
  exit: Promise<number | null>;
}

export function spawnCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const out: string[] = [];
  const err: string[] = [];
  const bufs = { out: '', err: '' };
  const listeners = new Set<() => void>();
  const feed = (which: 'out' | 'err', lines: string[]) => (d: Buffer): void => {
    bufs[which] += d.toString('utf8');
    const parts = bufs[which].split('\n');
    bufs[which] = parts.pop()!;
    lines.push(...parts);
    for (const l of [...listeners]) l();
  };
  child.stdout!.on('data', feed('out', out));
  child.stderr!.on('data', feed('err', err));
  const exit = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  const until = <T>(probe: () => T | null): Promise<T> => new Promise((res, rej) => {
    const l = (): void => {
      const v = probe();
      if (v !== null) {
        listeners.delete(l);
        res(v);
      }
    };
    listeners.add(l);
    void exit.then((code) => {
      if (listeners.has(l)) {
        listeners.delete(l);
        rej(new Error(`process exited (${code}) first; stderr:\n${err.join('\n')}`));
      }
    });
    l();
  });
  return {
    child, out, err, exit,
    waitOut: (pred) => until(() => (pred(out) ? true : null)).then(() => undefined),
    waitErr: (re) => until(() => {
      for (const l of err) {
        const m = re.exec(l);
        if (m) return m;
      }
      return null;
    }),
  };
}
