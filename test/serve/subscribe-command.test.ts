import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FindingBus } from '../../src/findings/finding-bus.js';
import { startService, type Service } from '../../src/serve/service.js';
import { TokenStore } from '../../src/serve/token-store.js';
import { TOKEN, makeFinding, range } from './serve-helpers.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const entry = join(root, 'dist/src/cli/subscribe-command.js');

/** The compiled command is what users run; rebuild when dist is missing or older than the sources. */
beforeAll(() => {
  const newest = (dir: string): number => Math.max(...readdirSync(dir).map((f) => statSync(join(dir, f)).mtimeMs));
  const srcTime = Math.max(newest(join(root, 'src/serve')), newest(join(root, 'src/findings')), statSync(join(root, 'src/cli/subscribe-command.ts')).mtimeMs);
  if (!existsSync(entry) || statSync(entry).mtimeMs < srcTime) {
    spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'ignore' });
  }
  expect(existsSync(entry)).toBe(true);
});

interface Proc {
  child: ChildProcess;
  out: string[];
  err: string[];
  waitOut(pred: (lines: string[]) => boolean): Promise<void>;
  waitErr(re: RegExp): Promise<void>;
  exit: Promise<number | null>;
}

/** Run `subscribeCommand(args)` in a child process the way main.ts does (exit code, one-line errors). */
function runSubscribe(args: string[]): Proc {
  const script = `import(${JSON.stringify(entry)}).then((m) => m.subscribeCommand(process.argv.slice(1))).then(
    (c) => { process.exitCode = c; },
    (e) => { process.stderr.write('apisensor: ' + e.message + '\\n'); process.exitCode = e.exitCode ?? 1; })`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, '--', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  const err: string[] = [];
  let outBuf = '';
  const listeners: (() => void)[] = [];
  const notify = (): void => listeners.forEach((l) => l());
  child.stdout!.on('data', (d: Buffer) => {
    outBuf += d.toString();
    const parts = outBuf.split('\n');
    outBuf = parts.pop()!;
    out.push(...parts);
    notify();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err.push(...d.toString().split('\n').filter((l) => l !== ''));
    notify();
  });
  const until = (pred: () => boolean): Promise<void> => new Promise((res) => {
    const l = (): void => {
      if (pred()) {
        listeners.splice(listeners.indexOf(l), 1);
        res();
      }
    };
    listeners.push(l);
    l();
  });
  return {
    child, out, err,
    waitOut: (pred) => until(() => pred(out)),
    waitErr: (re) => until(() => err.some((l) => re.test(l))),
    exit: new Promise((res) => child.on('exit', (code) => res(code))),
  };
}

const services: Service[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
});

describe('apisensor subscribe', () => {
  it('prints findings as JSONL, reconnects after the service restarts and resumes without loss or duplicate', async () => {
    const bus = new FindingBus();
    const tokens = new TokenStore([{ token: TOKEN }]);
    const first = await startService({ listen: '127.0.0.1:0', tokens, bus });
    services.push(first);
    const p = runSubscribe([`ws://127.0.0.1:${first.port}`, '--token', TOKEN, '--min-severity', 'medium']);
    await p.waitErr(/connected to/);
    // Every 5th finding is low severity and filtered out by the subscriber's filter.
    const sev = (i: number): 'low' | 'high' => (i % 5 === 0 ? 'low' : 'high');
    for (let i = 1; i <= 50; i++) bus.publish(makeFinding(i, { severity: sev(i) }));
    await p.waitOut((l) => l.length >= 40);
    await first.close();
    services.length = 0;
    await p.waitErr(/disconnected \(closed 1001 \(server shutting down\)\); reconnecting in \d+ ms from seq 49/);
    for (let i = 51; i <= 100; i++) bus.publish(makeFinding(i, { severity: sev(i) }));
    const second = await startService({ listen: `127.0.0.1:${first.port}`, tokens, bus });
    services.push(second);
    for (let i = 101; i <= 110; i++) bus.publish(makeFinding(i, { severity: sev(i) }));
    await p.waitOut((l) => l.length >= 88);
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
    const printed = p.out.map((l) => JSON.parse(l) as { seq: number });
    expect(printed.map((f) => f.seq)).toEqual(range(1, 110).filter((i) => i % 5 !== 0));
    expect(printed[0]).toEqual(makeFinding(1, { severity: 'high' }));
  });

  it('exits 3 when the server refuses the token', async () => {
    const svc = await startService({ listen: '127.0.0.1:0', tokens: new TokenStore([{ token: TOKEN }]) });
    services.push(svc);
    const p = runSubscribe([svc.url, '--token', 'wrong-token-0123456789abcdef']);
    expect(await p.exit).toBe(3);
    expect(p.err).toContain('apisensor: server refused the subscription: HTTP 401 ERR_AUTH_INVALID');
  });

  it('exits 2 on a bad filter flag', async () => {
    const p = runSubscribe(['ws://127.0.0.1:9', '--min-severity', 'urgent']);
    expect(await p.exit).toBe(2);
    expect(p.err[0]).toMatch(/^apisensor: minSeverity: expected one of info, low, medium, high, critical$/);
  });
});
