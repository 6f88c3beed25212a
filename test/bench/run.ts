/**
 * `npm run bench`: apisensor replay throughput against tshark and tcpdump,
 * measured in one run on the same synthetic HTTP API capture.
 *
 *   ensureBenchCapture ──► bench-data/synthetic-api-v<N>-s<seed>-<MB>mb.pcap (cached, ≥ 500 MB)
 *          │
 *          ├─ read once (warm the page cache; every tool then reads from memory)
 *          ├─ apisensor: node dist/src/cli/main.js replay FILE --json --no-inventory --no-detect   (default workers)
 *          ├─ apisensor: … --workers 1,  … --workers 2   (replay alone: the issue-2 figure)
 *          ├─ apisensor: replay FILE --json --db :memory:  (with inventory and detection, the default analysis)
 *          ├─ tshark -r FILE -o tcp.desegment_tcp_streams:TRUE -Y http.request
 *          │         -T fields -e http.request.method -e http.request.uri    (stdout counted, then dropped)
 *          ├─ tcpdump -r FILE -w /dev/null
 *          └─ in-process: replayFiles without / with detail / with detail + EndpointInventory
 *                         (inventory cost per transaction, µs; see inventory-bench.ts)
 *
 * Per run: wall time (spawn to exit, hrtime), Mbit/s and packets/s (capture
 * file bytes and packet count over wall time), transactions/s (apisensor:
 * `transactions` of its JSON summary; tshark: requests printed), and peak RSS
 * (GNU time's %M when /usr/bin/time is GNU time, else polled /proc VmHWM).
 * Ratios are rate ratios: tool wall time / apisensor wall time (default run).
 *
 * Output: a table on stdout and `bench-data/results.json`.
 * Bar (printed PASS/FAIL, does not change the exit code): apisensor (default
 * workers) ≥ 8× tshark's rate and peak RSS ≤ 1 GiB in every apisensor run.
 * Exit code: 1 when apisensor fails or its transaction count differs from
 * tshark's request count by more than 0.1% (sanity); 2 when the CLI is not built.
 *
 * Inventory (issue 3): µs per transaction inside `EndpointInventory.record`
 * and end to end (ratio against the in-process baseline of the same run);
 * printed and saved under `inventory`, no bar.
 *
 * Live capture (issue 6; live-capture-bench.ts): tcpreplay --topspeed of the
 * first --live-packets frames (default 200,000) of the capture into a veth
 * pair in namespaces, captured by tcpdump (baseline), `apisensor capture` in
 * pcap mode and in afpacket mode (2 workers, 32 MiB ring): offered and
 * captured packets/s, kernel drops; saved under `liveCapture`, no bar.
 * Skipped (with the reason) without root / tcpreplay / the addon.
 *
 * Detection (issue 4): µs per transaction in DetectionInputBuilder.build and
 * in the detectors, state sizes against caps (detection-bench.ts); --skip-detection.
 *
 * Findings service load (issue 5; serve-bench.ts): the replay publishing
 * ≥ 10,000 findings/s to a bus alone (baseline, twice) and to the service
 * with 49 reading and 1 stalled stream client (separate processes); saved
 * under `serve`, bar printed: throughput ratio ≥ 0.90 (--skip-serve).
 *
 * Options: --size-mb N (default 500), --seed N (default 1), --skip-inventory,
 * --skip-live, --live-packets N.
 */
import { closeSync, existsSync, openSync, readSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBenchCapture } from './bench-capture.js';
import { runInventoryBench, type InventoryBenchResult } from './inventory-bench.js';
import { benchClientsScript, runServeBench, type ServeBenchResult } from './serve-bench.js';
import { runDetectionBench, type DetectionBenchResult } from './detection-bench.js';
import { measureCommand, type Measurement } from './measure-command.js';
import { liveBenchSkipReason, runLiveCaptureBench, type LiveBenchResult } from './live-capture-bench.js';

/** Repo root: this file runs from dist/test/bench/. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const DATA_DIR = join(ROOT, 'bench-data');
const CLI = join(ROOT, 'dist/src/cli/main.js');
const SPEED_BAR = 8;
const RSS_BAR_KIB = 1024 * 1024;
const SANITY_TOLERANCE = 0.001;

interface RunRow {
  name: string;
  wallMs: number;
  mbitPerS: number;
  packetsPerS: number;
  transactions: number | null;
  transactionsPerS: number | null;
  peakRssMiB: number | null;
  exitCode: number | null;
  command: string;
}

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} needs a positive integer`);
  return v;
}

/** Reads the whole file once so every tool starts with it in the page cache. */
function warmPageCache(path: string): void {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(16 * 1024 * 1024);
  while (readSync(fd, buf, 0, buf.length, null) > 0);
  closeSync(fd);
}

/** The JSON summary printed by `replay --json`: the whole stdout, else its last non-empty line. */
function parseSummary(stdout: string): { packets?: number; bytes?: number; transactions?: number } | null {
  const candidates = [stdout.trim(), stdout.trim().split('\n').pop() ?? ''];
  for (const text of candidates) {
    try {
      const o = JSON.parse(text) as Record<string, unknown>;
      const s = (typeof o.summary === 'object' && o.summary !== null ? o.summary : o) as Record<string, unknown>;
      return { packets: s.packets as number, bytes: s.bytes as number, transactions: s.transactions as number };
    } catch {
      // try the next form
    }
  }
  return null;
}

function row(name: string, m: Measurement, fileBytes: number, packets: number, transactions: number | null): RunRow {
  const s = m.wallMs / 1000;
  return {
    name,
    wallMs: Math.round(m.wallMs),
    mbitPerS: Math.round((fileBytes * 8) / s / 1e6),
    packetsPerS: Math.round(packets / s),
    transactions,
    transactionsPerS: transactions === null ? null : Math.round(transactions / s),
    peakRssMiB: m.peakRssKiB === null ? null : Math.round(m.peakRssKiB / 1024),
    exitCode: m.exitCode,
    command: m.command.replace(process.execPath, 'node').replaceAll(ROOT + '/', ''),
  };
}

async function runApisensor(file: string, extra: string[]): Promise<{ m: Measurement; transactions: number | null }> {
  let out = '';
  const m = await measureCommand(process.execPath, [CLI, 'replay', file, '--json', ...extra], {
    onStdout: (chunk) => {
      out += chunk.toString('utf8');
    },
  });
  const summary = parseSummary(out);
  if (m.exitCode !== 0 || summary === null) {
    console.error(`apisensor ${extra.join(' ')} failed (exit ${m.exitCode}):\n${m.stderrTail}\n${out.slice(0, 2000)}`);
  }
  return { m, transactions: typeof summary?.transactions === 'number' ? summary.transactions : null };
}

async function runTshark(file: string): Promise<{ m: Measurement; requests: number }> {
  // One line per frame; several requests in one frame are joined with ',' in each field.
  let requests = 0;
  let partial = '';
  const countLines = (text: string): void => {
    const lines = text.split('\n');
    partial = lines.pop()!;
    for (const line of lines) if (line.length > 0) requests += line.split('\t')[0]!.split(',').length;
  };
  const m = await measureCommand('tshark', [
    '-r', file, '-o', 'tcp.desegment_tcp_streams:TRUE', '-Y', 'http.request',
    '-T', 'fields', '-e', 'http.request.method', '-e', 'http.request.uri',
  ], { onStdout: (chunk) => countLines(partial + chunk.toString('latin1')) });
  countLines(partial + '\n');
  return { m, requests };
}

function fmt(n: number | null, digits = 0): string {
  return n === null ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function main(): Promise<number> {
  const sizeMb = argValue('--size-mb', 500);
  const seed = argValue('--seed', 1);
  console.log(`apisensor bench: ${os.cpus().length} cpu(s), node ${process.version}`);
  const capture = ensureBenchCapture(DATA_DIR, sizeMb, seed);
  const { truth } = capture;
  const fileRel = relative(ROOT, capture.path);
  console.log(capture.generatedMs === null
    ? `capture: ${fileRel} (cached)`
    : `capture: ${fileRel} generated in ${fmt(capture.generatedMs / 1000, 1)} s`);
  console.log(`  ${fmt(truth.fileBytes)} bytes, ${fmt(truth.packets)} packets, ${fmt(truth.connections)} connections, ` +
    `${fmt(truth.requests)} requests / ${fmt(truth.responses)} responses written`);
  if (!existsSync(CLI)) {
    console.error(`apisensor CLI not built: ${relative(ROOT, CLI)} is missing (npm run build)`);
    return 2;
  }
  warmPageCache(capture.path);

  const rows: RunRow[] = [];
  const apisensorRuns: { name: string; args: string[] }[] = [
    { name: 'apisensor (default workers)', args: ['--no-inventory', '--no-detect'] },
    { name: 'apisensor --workers 1', args: ['--workers', '1', '--no-inventory', '--no-detect'] },
    { name: 'apisensor --workers 2', args: ['--workers', '2', '--no-inventory', '--no-detect'] },
    { name: 'apisensor + inventory + detection', args: ['--db', ':memory:'] },
  ];
  let apisensorFailed = false;
  for (const run of apisensorRuns) {
    console.log(`running ${run.name} …`);
    const { m, transactions } = await runApisensor(capture.path, run.args);
    if (m.exitCode !== 0 || transactions === null) apisensorFailed = true;
    rows.push(row(run.name, m, truth.fileBytes, truth.packets, transactions));
  }
  console.log('running tshark (slow) …');
  const tshark = await runTshark(capture.path);
  rows.push(row('tshark (desegment, http.request fields)', tshark.m, truth.fileBytes, truth.packets, tshark.requests));
  console.log('running tcpdump …');
  const tcpdump = await measureCommand('tcpdump', ['-r', capture.path, '-w', '/dev/null']);
  rows.push(row('tcpdump -w /dev/null', tcpdump, truth.fileBytes, truth.packets, null));

  const header = ['run', 'wall s', 'Mbit/s', 'packets/s', 'transactions', 'tx/s', 'peak RSS MiB'];
  const table = rows.map((r) => [r.name, fmt(r.wallMs / 1000, 2), fmt(r.mbitPerS), fmt(r.packetsPerS),
    fmt(r.transactions), fmt(r.transactionsPerS), fmt(r.peakRssMiB)]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log('\n' + line(header));
  for (const t of table) console.log(line(t));

  const base = rows[0]!;
  const tsharkRow = rows[apisensorRuns.length]!;
  const tcpdumpRow = rows[apisensorRuns.length + 1]!;
  const ratios = rows.slice(0, apisensorRuns.length).map((r) => ({
    name: r.name,
    vsTshark: tsharkRow.wallMs / r.wallMs,
    vsTcpdump: tcpdumpRow.wallMs / r.wallMs,
  }));
  console.log('');
  for (const r of ratios) {
    console.log(`${r.name}: ${fmt(r.vsTshark, 2)}× tshark's rate, ${fmt(r.vsTcpdump, 3)}× tcpdump's rate`);
  }

  const sanity = rows.slice(0, 3).map((r) => ({
    name: r.name,
    transactions: r.transactions,
    tsharkRequests: tshark.requests,
    relativeDifference: r.transactions === null ? null : Math.abs(r.transactions - tshark.requests) / Math.max(1, tshark.requests),
  }));
  const sanityOk = !apisensorFailed && tshark.m.exitCode === 0 &&
    sanity.every((s) => s.relativeDifference !== null && s.relativeDifference <= SANITY_TOLERANCE);
  console.log(`\nsanity: tshark requests ${fmt(tshark.requests)} (generator wrote ${fmt(truth.requests)}); ` +
    sanity.map((s) => `${s.name}: ${fmt(s.transactions)}`).join(', ') + ` → ${sanityOk ? 'OK' : 'FAILED (> 0.1% apart)'}`);

  let inventory: InventoryBenchResult | null = null;
  if (!process.argv.includes('--skip-inventory')) {
    console.log('\nrunning inventory cost (in-process: baseline, + detail, + detail + inventory) …');
    inventory = await runInventoryBench(capture.path);
    const iv = inventory;
    console.log(`inventory: ${fmt(iv.transactions)} transactions → ${fmt(iv.endpoints)} endpoints; ` +
      `EndpointInventory.record ${fmt(iv.recordUsPerTransaction, 1)} µs/transaction (${fmt(iv.recordMs)} ms total, main thread)`);
    console.log(`  wall: baseline ${fmt(iv.baselineMs / 1000, 2)} s, + detail ${fmt(iv.detailMs / 1000, 2)} s ` +
      `(${fmt(iv.detailUsPerTransaction, 1)} µs/tx), + detail + inventory ${fmt(iv.inventoryMs / 1000, 2)} s ` +
      `(${fmt(iv.endToEndUsPerTransaction, 1)} µs/tx, ${fmt(iv.ratio, 2)}× baseline)`);
  }

  let detection: DetectionBenchResult | null = null;
  if (!process.argv.includes('--skip-detection')) {
    console.log('\nrunning detector cost (in-process: replay with detail → DetectionInputBuilder → DetectionEngine) …');
    detection = await runDetectionBench(capture.path);
    const d = detection;
    console.log(`detection: ${fmt(d.transactions)} transactions; build ${fmt(d.buildUsPerTransaction, 1)} µs/tx, ` +
      `detectors ${fmt(d.observeUsPerTransaction, 1)} µs/tx (main thread); ${fmt(d.episodes)} episodes, ${fmt(d.findingsEmitted)} emissions`);
    for (const det of d.detectors) {
      console.log(`  ${det.name}: state ${fmt(det.stateSize)} / ${fmt(det.stateCap)}, cap hits ${fmt(det.capHits)}`);
    }
  }

  let liveCapture: LiveBenchResult | { skipped: string } | null = null;
  if (!process.argv.includes('--skip-live')) {
    const why = liveBenchSkipReason(ROOT);
    if (why !== null) {
      console.log(`\nlive capture: skipped (${why})`);
      liveCapture = { skipped: why };
    } else {
      console.log('\nrunning live capture (tcpreplay --topspeed into a veth pair) …');
      const lc = await runLiveCaptureBench(capture.path, DATA_DIR, CLI, { packets: argValue('--live-packets', 200_000) });
      liveCapture = lc;
      console.log(`live capture: ${fmt(lc.packets)} packets (${fmt(lc.bytes / 1e6, 1)} MB) from ${relative(ROOT, lc.slice)}, ring ${lc.bufferMb} MiB, ${lc.workers} workers`);
      for (const r of lc.runs) {
        console.log(`  ${r.name}: offered ${fmt(r.offeredPerS)} pkt/s; read ${fmt(r.read)} of ${fmt(r.received)} received ` +
          `(interface rx ${fmt(r.interfaceRx)}), dropped ${fmt(r.droppedKernel)} (${fmt(r.dropRate * 100, 2)}%); ` +
          `captured ${fmt(r.capturedPerS)} pkt/s` + (r.vsTcpdump === null ? '' : ` (${fmt(r.vsTcpdump, 2)}× tcpdump)`) +
          (r.transactions === null ? '' : `; ${fmt(r.transactions)} transactions`));
      }
    }
  }

  // Findings service under load (issue 5; serve-bench.ts): bar = replay throughput ratio ≥ 0.90, printed, exit code unchanged.
  let serve: ServeBenchResult | null = null;
  if (!process.argv.includes('--skip-serve')) {
    console.log('\nrunning findings service load (49 readers + 1 stalled client) …');
    serve = await runServeBench(capture.path, benchClientsScript(dirname(fileURLToPath(import.meta.url))));
    for (const r of serve.runs) console.log(`  ${r.name}: ${fmt(r.transactionsPerS)} tx/s, ${fmt(r.findingsPerS)} findings/s (${serve.findingsPerTransaction} per tx)`);
    console.log(`  throughput ratio (medians) ${fmt(serve.ratio, 2)} (bar ≥ 0.90 with every reader complete: ${serve.pass ? 'PASS' : 'FAIL'}; ${fmt(serve.ratioVsService, 2)} against the service with no subscribers); readers complete ${serve.readersComplete}/${serve.readers}` +
      `${serve.readersInOrder ? ', in order' : ', OUT OF ORDER'}; slow consumers cut ${serve.slowConsumerCut}`);
    const { a, b } = serve.median;
    if (!serve.minRateHeld) console.log('  WARNING: a B run emitted fewer than 10,000 findings/s');
    if (a.mainThread && b.mainThread) {
      console.log(`  CPU: the subscriber process used ${fmt(serve.clientCpuMs)} ms over the B runs, on this machine's ${os.cpus().length} cores; the replay's main thread ` +
        `waited ${fmt(b.mainThread.runQueueWaitMs)} ms for a CPU in the median B against ${fmt(a.mainThread.runQueueWaitMs)} ms in the median A`);
    }
  }

  const speedRatio = ratios[0]!.vsTshark;
  const maxRssMiB = Math.max(...rows.slice(0, 3).map((r) => r.peakRssMiB ?? Infinity));
  const speedPass = speedRatio >= SPEED_BAR;
  const rssPass = maxRssMiB * 1024 <= RSS_BAR_KIB;
  console.log(`bar: speed ${fmt(speedRatio, 2)}× tshark (≥ ${SPEED_BAR}×) ${speedPass ? 'PASS' : 'FAIL'}; ` +
    `peak RSS ${fmt(maxRssMiB)} MiB (≤ 1024 MiB) ${rssPass ? 'PASS' : 'FAIL'}; ` +
    `overall ${speedPass && rssPass ? 'PASS' : 'FAIL'}`);

  const results = {
    generatedAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, totalMemMiB: Math.round(os.totalmem() / 2 ** 20), node: process.version },
    capture: { file: fileRel, generatedMs: capture.generatedMs, ...truth, transactions: undefined },
    runs: rows,
    ratios,
    sanity: { ok: sanityOk, tolerance: SANITY_TOLERANCE, runs: sanity, generatorRequests: truth.requests },
    bar: { speedRatio, speedBar: SPEED_BAR, speedPass, maxPeakRssMiB: maxRssMiB, rssBarMiB: RSS_BAR_KIB / 1024, rssPass, pass: speedPass && rssPass },
    inventory,
    detection,
    liveCapture,
    notes: { basis: `Rates use the capture file size (${truth.fileBytes} B) and packet count; ratios are tool wall / apisensor wall.`, baseline: base.name },
  };
  writeFileSync(join(DATA_DIR, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(`results: ${relative(ROOT, join(DATA_DIR, 'results.json'))}`);
  return sanityOk ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
