/**
 * Findings service under load (issue 5 §Load), in-process on the benchmark
 * capture:
 *
 *   A  replayFiles(file, onTransaction: publish K findings to a FindingBus)   baseline
 *   S  the same, the bus owned by a fresh startService (stream worker), nobody subscribed
 *   B  the same, the bus owned by startService with READERS clients that read
 *      everything and 1 that never reads, in a separate process (stream-bench-clients.ts)
 *
 * The three run `repetitions` times (default 3), interleaved (A1 S1 B1 A2 …),
 * so drift on a shared machine hits them alike; the median of each is used.
 * The client process stays connected throughout (idle during A and S).
 *
 * K (findings per transaction, on average: a running fraction) is chosen
 * from a first timing of A so the replay emits at least `minFindingsPerS`
 * (default 10,000) findings per second with a 40 % margin (the rate must
 * hold in B, which runs slower). Each finding is a complete Finding of ~900
 * bytes of JSON made from the transaction (its uid, uri, client address...).
 *
 * Reported: transactions/s and findings/s of each run, median B / median A
 * as the throughput ratio (bar: ≥ 0.90, i.e. the replay slows by < 10 %),
 * B / S (what the subscribers alone cost), whether every B run held the
 * minimum finding rate, the CPU the client process used, the replay main
 * thread's run-queue wait, and the check that every reader received every
 * finding exactly once, in order (seq 1..N), and that the stalled client was
 * cut off (`stream.slow_consumer` = 1, close 4008 or connection closed by
 * the server).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Finding } from '../../src/findings/finding.js';
import { FindingBus } from '../../src/findings/finding-bus.js';
import type { TransactionRecord } from '../../src/http/transaction-record.js';
import { replayFiles } from '../../src/replay/replay.js';
import { startService } from '../../src/serve/service.js';
import { TokenStore } from '../../src/serve/token-store.js';

const TOKEN = 'bench-token-0123456789abcdef';

export interface ServeBenchRun {
  name: string;
  wallMs: number;
  transactions: number;
  findings: number;
  transactionsPerS: number;
  findingsPerS: number;
  /**
   * The replay's main thread (the pipeline's bottleneck) during the run, from
   * /proc/thread-self/schedstat (Linux; null elsewhere): CPU time, and time
   * spent runnable but waiting for a CPU (run-queue delay), ms.
   */
  mainThread: { cpuMs: number; runQueueWaitMs: number } | null;
}

/** Cumulative [on-CPU ns, run-queue wait ns] of the calling thread, or null off Linux. */
function threadSchedstat(): [number, number] | null {
  try {
    const [cpu, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isFinite(cpu) && Number.isFinite(wait) ? [cpu!, wait!] : null;
  } catch {
    return null;
  }
}

export interface ServeBenchResult {
  findingsPerTransaction: number;
  readers: number;
  /** Client processes the readers ran in. */
  processes: number;
  stalled: number;
  runs: ServeBenchRun[];
  /** The median run of each kind (by transactions/s). */
  median: { a: ServeBenchRun; s: ServeBenchRun; b: ServeBenchRun };
  /** Median B's transactions/s over median A's. */
  ratio: number;
  /** Every B run emitted at least the minimum findings/s. */
  minRateHeld: boolean;
  /** Median B over median S (the service running, nobody subscribed): what the subscribers alone cost. */
  ratioVsService: number;
  /** CPU time the subscriber processes used (user + system, ms, over all B runs), on the same machine as the replay. */
  clientCpuMs: number;
  /** ratio ≥ 0.90, the finding rate held, every reader complete and in order, the stalled client cut. */
  pass: boolean;
  readersComplete: number;
  readersInOrder: boolean;
  slowConsumerCut: number;
  stalledClose: { closeCode: number | null; closedByServer: boolean }[];
  streamEvents: Record<string, number>;
}

let seqCounter = 0;
function findingFor(tx: TransactionRecord, k: number): Finding {
  return {
    schemaVersion: 1,
    id: `${tx.uid}-${tx.transDepth}-${k}`,
    seq: 0,
    revision: 1,
    type: 'rate_limit_exceeded',
    severity: 'medium',
    confidence: 0.8,
    owaspApi: 'API4:2023',
    title: `Rate limit exceeded on ${tx.method ?? 'GET'} ${tx.host ?? tx.serverIp}`,
    description: `ip ${tx.clientIp} made more requests than the rule allows in the window (benchmark finding #${++seqCounter}).`,
    endpoint: { host: tx.host ?? tx.serverIp, method: tx.method ?? 'GET', pathTemplate: (tx.uri ?? '/').split('?')[0]! },
    principal: { kind: 'ip', id: tx.clientIp, clientIp: tx.clientIp },
    window: { start: tx.requestTs ?? 0, end: tx.responseTs ?? tx.requestTs ?? 0 },
    counts: { requests: 120, limit: 100, windowSeconds: 60 },
    evidence: {
      transactions: [{ uid: tx.uid, transDepth: tx.transDepth, ts: tx.requestTs ?? 0, method: tx.method, uri: tx.uri, status: tx.status }],
      notes: ['rule: 100 requests per 60 s per ip'],
    },
    captureHealth: { gaps: 0, gapBytes: 0, drops: 0, midstreamFlows: 0, complete: true },
  };
}

/** Replays `file`, publishing `perTx` findings per transaction on average (a running fraction: 1.3 → 1, 1, 2, …). */
async function replayPublishing(file: string, bus: FindingBus, perTx: number, name: string): Promise<ServeBenchRun> {
  let transactions = 0;
  let findings = 0;
  let owed = 0;
  const sched0 = threadSchedstat();
  const t0 = performance.now();
  await replayFiles([file], {
    onTransaction: (tx) => {
      transactions++;
      owed += perTx;
      for (let k = 0; owed >= 1; k++, owed--) {
        bus.publish(findingFor(tx, k));
        findings++;
      }
    },
  });
  const wallMs = performance.now() - t0;
  const sched1 = threadSchedstat();
  return {
    name, wallMs: Math.round(wallMs), transactions, findings,
    transactionsPerS: Math.round(transactions / (wallMs / 1000)),
    findingsPerS: Math.round(findings / (wallMs / 1000)),
    mainThread: sched0 && sched1
      ? { cpuMs: Math.round((sched1[0] - sched0[0]) / 1e6), runQueueWaitMs: Math.round((sched1[1] - sched0[1]) / 1e6) }
      : null,
  };
}

/** The run with the median transactions/s (the lower middle one for an even count). */
function medianRun(runs: ServeBenchRun[]): ServeBenchRun {
  const sorted = [...runs].sort((x, y) => x.transactionsPerS - y.transactionsPerS);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

export async function runServeBench(file: string, clientsScript: string, options: {
  readers?: number; processes?: number; minFindingsPerS?: number; repetitions?: number;
} = {}): Promise<ServeBenchResult> {
  const readers = options.readers ?? 49;
  const processes = Math.max(1, Math.min(readers, options.processes ?? 1));
  const minRate = options.minFindingsPerS ?? 10_000;
  const repetitions = Math.max(1, options.repetitions ?? 3);
  const log = (t: string): void => void process.stderr.write(`  serve bench: ${t}\n`);
  // Calibrate K on a baseline run with one finding per transaction: K·tx/s ≥ 1.4 × the minimum rate.
  const probe = await replayPublishing(file, new FindingBus(), 1, 'calibration');
  const perTx = Math.max(0.1, Math.ceil((minRate * 1.4 * 100) / probe.transactionsPerS) / 100);

  const svc = await startService({
    listen: '127.0.0.1:0', tokens: new TokenStore([{ token: TOKEN }]), ready: true,
    stream: { maxClients: readers + 10 },
  });
  // Readers spread over `processes` client processes (the stalled client in the first).
  const procs = Array.from({ length: processes }, (_, i) => {
    const n = Math.floor(readers / processes) + (i < readers % processes ? 1 : 0);
    const child = spawn(process.execPath, [clientsScript, svc.url, TOKEN, String(n), i === 0 ? '1' : '0'], { stdio: ['pipe', 'pipe', 'inherit'] });
    // Listen for the exit now: a client process may end before we wait for it.
    return { child, exited: once(child, 'exit'), lines: createInterface({ input: child.stdout! })[Symbol.asyncIterator]() };
  });
  for (const p of procs) {
    const first = await p.lines.next();
    if (first.value !== 'ready') throw new Error(`bench clients: expected 'ready', got ${String(first.value)}`);
  }
  log(`${readers} readers in ${processes} process(es) + 1 stalled connected; ${repetitions} × (A, S, B)`);
  // Interleaved repetitions, so drift on a shared machine hits the three alike.
  const runs: ServeBenchRun[] = [];
  const as: ServeBenchRun[] = [];
  const ss: ServeBenchRun[] = [];
  const bs: ServeBenchRun[] = [];
  for (let rep = 1; rep <= repetitions; rep++) {
    const a = await replayPublishing(file, new FindingBus(), perTx, `A${rep}: bus only (baseline)`);
    const idle = await startService({ listen: '127.0.0.1:0', tokens: new TokenStore([{ token: TOKEN }]), ready: true });
    const sr = await replayPublishing(file, idle.bus, perTx, `S${rep}: service, no subscribers`);
    await idle.close('benchmark run finished');
    const b = await replayPublishing(file, svc.bus, perTx, `B${rep}: service, ${readers} readers + 1 stalled`);
    runs.push(a, sr, b);
    as.push(a);
    ss.push(sr);
    bs.push(b);
  }
  log(`replays done (${svc.bus.lastSeq} findings published to the readers); waiting for the readers`);
  const report: {
    readers: { count: number; first: number; last: number; inOrder: boolean }[];
    stalled: { closeCode: number | null; closedByServer: boolean }[];
    cpuMs: number;
  } = { readers: [], stalled: [], cpuMs: 0 };
  for (const p of procs) p.child.stdin!.write(`expect ${svc.bus.lastSeq}\n`);
  for (const p of procs) {
    const r = JSON.parse((await p.lines.next()).value as string) as typeof report;
    report.readers.push(...r.readers);
    report.cpuMs += r.cpuMs;
    report.stalled.push(...r.stalled);
    await p.exited;
  }
  const total = svc.bus.lastSeq;
  const streamEvents = Object.fromEntries(Object.entries(svc.events.toJSON()).filter(([k]) => k.startsWith('stream.')));
  log('readers reported; closing the service');
  await svc.close('benchmark finished');

  const complete = report.readers.filter((r) => r.count === total && r.first === 1 && r.last === total).length;
  const median = { a: medianRun(as), s: medianRun(ss), b: medianRun(bs) };
  const ratio = median.b.transactionsPerS / median.a.transactionsPerS;
  return {
    findingsPerTransaction: perTx,
    readers,
    processes,
    stalled: 1,
    runs,
    median,
    ratio,
    ratioVsService: median.b.transactionsPerS / median.s.transactionsPerS,
    clientCpuMs: report.cpuMs,
    minRateHeld: bs.every((b) => b.findingsPerS >= minRate),
    pass: ratio >= 0.9 && bs.every((b) => b.findingsPerS >= minRate) && complete === readers && report.readers.every((r) => r.inOrder)
      && (streamEvents['stream.slow_consumer'] ?? 0) >= 1,
    readersComplete: complete,
    readersInOrder: report.readers.every((r) => r.inOrder),
    slowConsumerCut: streamEvents['stream.slow_consumer'] ?? 0,
    stalledClose: report.stalled,
    streamEvents,
  };
}

/** The compiled client script next to this file (dist/test/bench/). */
export function benchClientsScript(dir: string): string {
  return join(dir, 'stream-bench-clients.js');
}
