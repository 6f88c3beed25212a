/**
 * `apisensor capture -i IFACE`: live capture through the replay pipeline
 * until SIGINT / SIGTERM (or --duration / --count), then the run summary with
 * capture health. Capture health also reaches, on every health tick, the
 * `/metrics` of `--serve` (apisensor_capture_*) and the detectors (new drops
 * at the tick's wall-clock second, see AnalysisSession.noteCaptureDrops).
 * Returns the exit code: 0 stopped normally, 1 reading failed
 * mid-capture (everything before was processed and reported). Start-up
 * problems throw a coded ApisensorError (one line, see live-capture-error.ts).
 */
import { UsageError } from '../errors.js';
import { parseCommandArgs, openTransactionsWriter, formatJsonSummary } from './cli-args.js';
import { defaultWorkerCount } from '../replay/replay.js';
import { formatSummary } from '../replay/summary.js';
import { DEFAULT_DB_FILE } from '../inventory/inventory-session.js';
import { AnalysisSession } from '../replay/analysis-session.js';
import { SERVE_ARG_OPTIONS, serviceOptionsFromArgs } from './serve-command.js';
import { analysisJson, analysisOptionsFromArgs, ANALYSIS_ARG_OPTIONS, ANALYSIS_USAGE, checkTrustedProxies, formatAnalysis } from './analysis-args.js';
import { transactionToJson } from '../replay/transaction-jsonl.js';
import { runLiveCapture, type LiveCaptureResult, type LiveCaptureSummary } from '../capture/live-capture.js';
import { loadPcapAddon } from '../capture/live-addon.js';
import { checkCaptureInterface, checkCapturePrivileges } from '../capture/live-interface.js';
import { LIVE_DEFAULTS } from '../capture/live-source.js';
import type { CaptureHealth, CaptureHealthSample } from '../capture/live-health.js';

export const CAPTURE_USAGE = `usage: apisensor capture -i IFACE [options]

Capture HTTP traffic live from a network interface (a SPAN / mirror port, or a
tunnel underlay: VXLAN, GENEVE, GRE/ERSPAN are decapsulated). Stops on Ctrl-C /
SIGTERM, flushing open connections, and prints the run summary with capture health.
Needs root or CAP_NET_RAW (+ CAP_NET_ADMIN for promiscuous mode) and the
libpcap addon (apt-get install libpcap-dev; npm run build:native).

options:
  -i, --interface IFACE     interface to capture on ('any' for all)
  -f, --filter BPF          capture filter (pcap-filter syntax), e.g. 'tcp port 80'
  --snaplen N               bytes kept per packet (default ${LIVE_DEFAULTS.snaplen})
  --buffer-mb N             kernel capture buffer, MiB (default ${LIVE_DEFAULTS.bufferBytes >> 20}; afpacket: per worker socket)
  --capture-mode MODE       pcap (default): libpcap, packets read on the main thread and sharded
                            afpacket (Linux): one AF_PACKET socket per worker in a PACKET_FANOUT
                            group (symmetric flow hash); each worker reads and analyses its share
  --fanout-group N          afpacket: fanout group id 0-65535 (default: process id & 0xffff)
  --no-promisc              do not put the interface in promiscuous mode
  --immediate               deliver packets as they arrive (lower latency, more CPU)
  --workers N               worker threads (default: cores - 1, at least 1; 0 = single thread)
  --transactions FILE       write one JSON object per HTTP transaction (JSONL; '-' for stdout)
  --write FILE.pcap         keep a rolling copy of the captured packets (nanosecond pcap;
                            afpacket with N > 1 workers: one file per worker, FILE.w<N>.pcap)
  --write-max-mb N          rotate the --write file to FILE.pcap.1 at this size (default 1024)
  --duration SECONDS        stop after this many seconds
  -c, --count N             stop after N packets
  --json                    print the end-of-run summary as JSON
  --quiet                   print nothing but errors
  -D, --list-interfaces     list capture interfaces and exit
${ANALYSIS_USAGE}
  -h, --help                this help`;

function parse(args: string[]) {
  return parseCommandArgs('capture', args, {
    interface: { type: 'string', short: 'i' },
    filter: { type: 'string', short: 'f' },
    snaplen: { type: 'string' },
    'buffer-mb': { type: 'string' },
    'capture-mode': { type: 'string' },
    'fanout-group': { type: 'string' },
    'no-promisc': { type: 'boolean' },
    immediate: { type: 'boolean' },
    workers: { type: 'string' },
    transactions: { type: 'string' },
    write: { type: 'string' },
    'write-max-mb': { type: 'string' },
    duration: { type: 'string' },
    count: { type: 'string', short: 'c' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    'list-interfaces': { type: 'boolean', short: 'D' },
    help: { type: 'boolean', short: 'h' },
    ...ANALYSIS_ARG_OPTIONS,
    ...SERVE_ARG_OPTIONS,
  }, false);
}

function wholeNumber(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `a whole number from ${min} to ${max}`;
    throw new UsageError(`--${flag} takes ${range}, got '${value}'`);
  }
  return Number(value);
}

function positiveSeconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0)) throw new UsageError(`--${flag} takes a positive number of seconds, got '${value}'`);
  return n;
}

export async function captureCommand(args: string[]): Promise<number> {
  const { values } = parse(args);
  if (values.help) {
    process.stdout.write(CAPTURE_USAGE + '\n');
    return 0;
  }
  if (values['list-interfaces']) {
    for (const d of loadPcapAddon().listInterfaces()) {
      const state = [d.up ? 'up' : 'down', d.running ? 'running' : '', d.loopback ? 'loopback' : ''].filter(Boolean).join(',');
      process.stdout.write(`${d.name}\t${state}\t${d.addresses.join(' ')}${d.description ? `\t${d.description}` : ''}\n`);
    }
    return 0;
  }
  const iface = values.interface;
  if (!iface) throw new UsageError('capture needs an interface: -i IFACE (list them with apisensor capture -D)');
  const snaplen = wholeNumber('snaplen', values.snaplen, 64, 262_144);
  const bufferMb = wholeNumber('buffer-mb', values['buffer-mb'], 1, 2047);
  const workers = wholeNumber('workers', values.workers, 0, 256) ?? defaultWorkerCount();
  const writeMaxMb = wholeNumber('write-max-mb', values['write-max-mb'], 1, 1 << 20) ?? 1024;
  const maxPackets = wholeNumber('count', values.count, 1, Number.MAX_SAFE_INTEGER);
  const duration = positiveSeconds('duration', values.duration);
  const mode = values['capture-mode'] ?? 'pcap';
  if (mode !== 'pcap' && mode !== 'afpacket') throw new UsageError(`--capture-mode takes pcap or afpacket, got '${mode}'`);
  const fanoutGroup = wholeNumber('fanout-group', values['fanout-group'], 0, 0xffff);
  if (fanoutGroup !== undefined && mode !== 'afpacket') throw new UsageError('--fanout-group needs --capture-mode afpacket');

  checkTrustedProxies(values['trusted-proxy']);
  // Preflight, so a sensor that cannot capture fails before it creates a database.
  loadPcapAddon();
  checkCaptureInterface(iface);
  checkCapturePrivileges(iface);
  const analysis = await AnalysisSession.open(
    analysisOptionsFromArgs(values, DEFAULT_DB_FILE, values.serve ? serviceOptionsFromArgs(values) : null),
  );
  try {
    return await captureWith(values, analysis, { iface, snaplen, bufferMb, workers, writeMaxMb, maxPackets, duration, mode, fanoutGroup });
  } finally {
    await analysis.close();
  }
}

interface CaptureSettings {
  iface: string;
  snaplen: number | undefined;
  bufferMb: number | undefined;
  workers: number;
  writeMaxMb: number;
  maxPackets: number | undefined;
  duration: number | undefined;
  mode: 'pcap' | 'afpacket';
  fanoutGroup: number | undefined;
}

async function captureWith(values: ReturnType<typeof parse>['values'], analysis: AnalysisSession, c: CaptureSettings): Promise<number> {
  const { iface, snaplen, bufferMb, workers, writeMaxMb, maxPackets, duration, mode, fanoutGroup } = c;
  const writer = values.transactions ? openTransactionsWriter(values.transactions) : null;
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (name: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      process.stderr.write(`apisensor: second ${name}, exiting without flushing\n`);
      process.exit(130);
    }
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Printed once the signal handlers are in place: a client that reacts to this line can stop us cleanly.
  if (analysis.service && !values.quiet) process.stderr.write(`apisensor: serving findings on ${analysis.service.url}\n`);

  let result: LiveCaptureResult;
  let tick: NodeJS.Timeout | null = null;
  let transactionsSoFar = 0;
  try {
    result = await runLiveCapture({
      interface: iface,
      filter: values.filter ?? null,
      snaplen,
      bufferBytes: bufferMb === undefined ? undefined : bufferMb << 20,
      promiscuous: !values['no-promisc'],
      immediate: values.immediate ?? false,
      workers,
      write: values.write ?? null,
      writeMaxBytes: writeMaxMb * (1 << 20),
      maxPackets,
      durationMs: duration === undefined ? undefined : duration * 1000,
      signal: controller.signal,
      captureMode: mode,
      fanoutGroup,
      withDetail: analysis.needsDetail,
      onTransaction: (record) => {
        writer?.write(transactionToJson(record));
        analysis.record(record);
        transactionsSoFar++;
      },
      onHealth: (sample) => noteHealth(analysis, sample, transactionsSoFar),
      onStart: (source) => {
        if (writer) tick = setInterval(() => writer.flush(), 1000);
        if (!values.quiet) {
          const filter = values.filter ? `, filter '${values.filter}'` : '';
          const how = mode === 'afpacket' ? `, AF_PACKET fanout across ${Math.max(1, workers)} worker socket(s)` : '';
          process.stderr.write(`apisensor: capturing on ${source.interfaceName} (link type ${source.linkType}, snaplen ${source.snaplen}${filter}${how}); Ctrl-C to stop\n`);
        }
      },
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code && values.write && !(err instanceof UsageError) && (err as NodeJS.ErrnoException).syscall) {
      throw new UsageError(`cannot write capture file ${values.write} (${(err as NodeJS.ErrnoException).code})`, 'ERR_OUTPUT_OPEN');
    }
    throw err;
  } finally {
    if (tick) clearInterval(tick);
    writer?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const analyzed = analysis.finish();
  {
    const { packets, gaps, flows, transactions, capture } = result.summary;
    analysis.noteTotals({ packets, gaps, flows, transactions, drops: capture.droppedKernel + capture.droppedInterface });
  }
  if (!values.quiet) {
    if (values.json) {
      process.stdout.write(formatJsonSummary({ ...result.summary, analysis: analysisJson(analyzed) }, values.transactions === '-'));
    } else {
      const text = formatAnalysis(analyzed);
      if (text) process.stdout.write(text + '\n\n');
      process.stdout.write(formatLiveSummary(result.summary) + '\n');
    }
  }
  if (result.error) {
    process.stderr.write(`apisensor: ${result.error.message}${'code' in result.error ? ` [${String(result.error.code)}]` : ''}\n`);
    return 1;
  }
  return 0;
}

/**
 * One capture health tick into the analysis: live metrics (with --serve: capture
 * health, packets read and transactions so far) and
 * the tick's new kernel + interface drops for the findings of that second.
 */
export function noteHealth(analysis: AnalysisSession, sample: CaptureHealthSample, transactions?: number): void {
  analysis.service?.metrics.setCaptureHealth(sample);
  // Packets read and transactions so far; flows and gaps come with the end-of-run totals.
  analysis.noteTotals({ packets: sample.delivered, ...(transactions !== undefined ? { transactions } : {}) });
  analysis.noteCaptureDrops(sample.tsSec, sample.delta.droppedKernel + sample.delta.droppedInterface);
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const pct = (r: number): string => `${(r * 100).toFixed(r > 0 && r < 0.001 ? 4 : 2)}%`;

/** Terminal summary: capture health, then the replay summary's body. */
export function formatLiveSummary(s: LiveCaptureSummary): string {
  const body = formatSummary(s).split('\n').slice(1);
  const lines = formatCaptureHealth(s.capture);
  const af = s.capture.afpacket;
  if (af) {
    lines.push(`  afpacket       fanout group ${af.fanoutGroup} (${af.fanoutMode}), ring ${fmt(af.ringBytesPerWorker >> 20)} MiB per socket`);
    for (const w of af.workers) {
      lines.push(`    worker ${w.shard}       ${fmt(w.received)} received, ${fmt(w.delivered)} read, ${fmt(w.droppedKernel)} dropped, ${fmt(w.transactions)} transactions`);
    }
    const tunneled = af.workers.reduce((n, w) => n + w.tunneledPackets, 0);
    if (tunneled > 0 && !af.fanoutMode.startsWith('cbpf')) {
      lines.push(`  warning        ${fmt(tunneled)} tunnelled packets: the kernel refused the fanout program (${af.fanoutFallback ?? 'unknown reason'}), so the kernel hashes outer headers and a flow's two directions may reach different workers; use --capture-mode pcap for tunnel underlays`);
    }
  }
  return [...lines, ...body].join('\n');
}

export function formatCaptureHealth(h: CaptureHealth): string[] {
  const seconds = ((h.endMs - h.startMs) / 1000).toFixed(1);
  const lines = [`captured on ${h.interface}${h.filter ? ` (filter '${h.filter}')` : ''} for ${seconds} s`];
  lines.push(
    `  capture        ${fmt(h.received)} received, ${fmt(h.delivered)} read, ${fmt(h.droppedKernel)} dropped by kernel (${pct(h.dropRate)}), ${fmt(h.droppedInterface)} dropped by interface`,
  );
  if (h.windowsWithDrops > 0) {
    lines.push(`  drops          in ${fmt(h.windowsWithDrops)} of ${fmt(h.windows.length + h.windowsDiscarded)} windows of ${h.windowMs / 1000} s; peak ${pct(h.peakDropRate)}`);
  }
  if (h.unread > 0) {
    // On loopback libpcap sees every packet twice and discards the outgoing copy itself: not a loss.
    const why = h.interface === 'lo' || h.interface.startsWith('lo:')
      ? 'counted by the kernel but not read: on loopback, the outgoing copy of each packet that libpcap discards (not a loss)'
      : 'counted by the kernel but not read: still in the ring at close';
    lines.push(`  unread         ${fmt(h.unread)} packets ${why}`);
  }
  if (h.batchTruncated > 0) lines.push(`  truncated      ${fmt(h.batchTruncated)} packets cut by a full batch buffer`);
  return lines;
}
