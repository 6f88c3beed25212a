/**
 * measureCommand: runs one child process and measures its wall time and peak
 * resident set size.
 *
 * Peak RSS comes from GNU time (`/usr/bin/time -f %M -o FILE`, the kernel's
 * ru_maxrss of the child, KiB) when it is installed; otherwise from polling
 * `/proc/<pid>/status` VmHWM every 20 ms (may miss a peak reached in the last
 * few ms before exit). Wall time is measured here, spawn to exit, with
 * `process.hrtime.bigint()`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';
const RSS_POLL_MS = 20;

export interface MeasureOptions {
  /** Receives stdout chunks (views valid only during the call). Without it stdout goes to /dev/null. */
  onStdout?: (chunk: Buffer) => void;
}

export interface Measurement {
  command: string;
  wallMs: number;
  /** Peak RSS in KiB; null when it could not be measured. */
  peakRssKiB: number | null;
  rssSource: 'gnu-time' | 'proc-poll' | 'none';
  exitCode: number | null;
  /** Last 4 KiB of stderr (diagnostics). */
  stderrTail: string;
}

let gnuTimeAvailable: boolean | undefined;

/** True when /usr/bin/time is GNU time (supports `-f %M`). */
export function hasGnuTime(): boolean {
  if (gnuTimeAvailable === undefined) {
    gnuTimeAvailable = existsSync(GNU_TIME) &&
      spawnSync(GNU_TIME, ['-f', '%M', 'true'], { stdio: ['ignore', 'ignore', 'pipe'] }).status === 0;
  }
  return gnuTimeAvailable;
}

/** Runs `file args…` to completion. Never rejects for a non-zero exit (see `exitCode`). */
export async function measureCommand(file: string, args: string[], options: MeasureOptions = {}): Promise<Measurement> {
  const useTime = hasGnuTime();
  const tmp = useTime ? mkdtempSync(join(tmpdir(), 'apisensor-bench-')) : null;
  const rssFile = tmp === null ? null : join(tmp, 'rss');
  const [cmd, argv] = rssFile === null ? [file, args] : [GNU_TIME, ['-f', '%M', '-o', rssFile, file, ...args]];
  const start = process.hrtime.bigint();
  const child = spawn(cmd, argv, { stdio: ['ignore', options.onStdout === undefined ? 'ignore' : 'pipe', 'pipe'] });
  let stderrTail = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    stderrTail = (stderrTail + s).slice(-4096);
  });
  if (options.onStdout !== undefined) child.stdout!.on('data', options.onStdout);
  let polledKiB: number | null = null;
  const poll = rssFile === null && child.pid !== undefined
    ? setInterval(() => {
      const kib = readVmHwmKiB(child.pid!);
      if (kib !== null && (polledKiB === null || kib > polledKiB)) polledKiB = kib;
    }, RSS_POLL_MS)
    : null;
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (poll !== null) clearInterval(poll);
  let peakRssKiB: number | null = polledKiB;
  if (rssFile !== null) {
    const lines = existsSync(rssFile) ? readFileSync(rssFile, 'utf8').trim().split('\n') : [];
    const last = Number(lines[lines.length - 1]);
    peakRssKiB = Number.isFinite(last) && last > 0 ? last : null;
    rmSync(tmp!, { recursive: true, force: true });
  }
  return {
    command: [file, ...args].join(' '),
    wallMs,
    peakRssKiB,
    rssSource: peakRssKiB === null ? 'none' : rssFile !== null ? 'gnu-time' : 'proc-poll',
    exitCode,
    stderrTail,
  };
}

/** VmHWM (peak RSS, KiB) of a live process, or null when it is gone. */
function readVmHwmKiB(pid: number): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? null : Number(m[1]);
  } catch {
    return null;
  }
}
