/**
 * runAfPacketCapture: `apisensor capture --capture-mode afpacket` (Linux).
 * N workers each own one AF_PACKET socket of one PACKET_FANOUT_HASH group and
 * run decode → reassembly → HTTP themselves; the main thread only merges.
 *
 *   kernel fanout (symmetric flow hash) ─┬─► socket 0 ring ─► worker 0: AfPacketShard ─┐
 *                                        └─► socket 1 ring ─► worker 1: AfPacketShard ─┤ 'round' replies
 *   main: wall-clock tick ──'round'──► every worker; k-way merge by completion time ◄──┘ ──► onTransaction
 *
 * Output order (see afpacket-merge.ts): rounds in sequence; inside a round,
 * the workers' lists merged by the capture time of each transaction's
 * completing packet, each worker's own order kept. Per connection the order
 * is deterministic and equal to pcap mode's (one connection = one socket, and
 * the same ShardEngine code); between connections of different workers it
 * follows capture time, not a global packet index, which does not exist here.
 *
 * Connection uids are `C<k × workers + shard>` for the shard's k-th packet:
 * unique in the run, but not the pcap mode's numbers.
 */
import { LiveCaptureError } from './live-capture-error.js';
import { loadPcapAddon } from './live-addon.js';
import { checkCaptureInterface, interfaceRxDropped } from './live-interface.js';
import { CaptureHealthTracker } from './live-health.js';
import type { LiveCaptureStats } from './live-source.js';
import { InlineAfPacketChannel, WorkerAfPacketChannel, type AfPacketChannel } from './afpacket-channel.js';
import { mergeByCompletionTime } from './afpacket-merge.js';
import { attachDetail } from '../pool/shard-engine.js';
import { resolveReplayConfig } from '../replay/replay-config.js';
import { buildSummary } from '../replay/summary.js';
import { EventCounter } from '../stats/event-counter.js';
import type { AfPacketShardInit, AfPacketWorkerReply, TimedTransaction } from './afpacket-messages.js';
import type { AfPacketSourceStats } from './afpacket-source.js';
import type { LiveCaptureOptions, LiveCaptureResult, LiveCaptureSummary } from './live-capture.js';
import type { TransactionRecord } from '../http/transaction-record.js';
import type { ReassemblyStats } from '../reassembly/tcp-reassembler.js';

type RoundReply = Extract<AfPacketWorkerReply, { type: 'round' }>;
type FinishedReply = Extract<AfPacketWorkerReply, { type: 'finished' }>;

/** Per-socket figures in the run summary (`capture.afpacket.workers`). */
export interface AfPacketWorkerHealth {
  shard: number;
  received: number;
  droppedKernel: number;
  freezeQueueCount: number;
  delivered: number;
  packets: number;
  tcpPackets: number;
  tunneledPackets: number;
  transactions: number;
}

/** `capture.afpacket` of the run summary. */
export interface AfPacketCaptureInfo {
  fanoutGroup: number;
  /**
   * 'cbpf+defrag' (PACKET_FANOUT_CBPF running fanout-program.ts: inner
   * 5-tuple through mirror tunnels) or 'hash+defrag' (PACKET_FANOUT_HASH:
   * outer headers), both with PACKET_FANOUT_FLAG_DEFRAG.
   */
  fanoutMode: string;
  /** Why the program was refused and the group fell back to 'hash+defrag' (first worker's reason), else null. */
  fanoutFallback: string | null;
  /** Ring of each socket, bytes. */
  ringBytesPerWorker: number;
  workers: AfPacketWorkerHealth[];
}

/** Default fanout group id: derived from the process id (groups are per network namespace). */
export function defaultFanoutGroup(): number {
  return process.pid & 0xffff;
}

const ZERO_STATS: AfPacketSourceStats = { received: 0, droppedKernel: 0, freezeQueueCount: 0, delivered: 0, skippedOutgoing: 0, batchTruncated: 0, blocksRead: 0, deliveredBytes: 0 };

/**
 * Runs an AF_PACKET fanout capture to its end (same contract as
 * runLiveCapture). Throws LiveCaptureError before any packet is processed:
 * ERR_CAPTURE_AFPACKET_UNSUPPORTED ('any', not Linux), and the open errors of
 * the sockets (first shard's error); later failures are returned in `result.error`.
 */
export async function runAfPacketCapture(options: LiveCaptureOptions): Promise<LiveCaptureResult> {
  const started = performance.now();
  const iface = options.interface;
  if (iface === 'any') {
    throw new LiveCaptureError('ERR_CAPTURE_AFPACKET_UNSUPPORTED', "--capture-mode afpacket captures one interface, not 'any' (use --capture-mode pcap)", 2, iface);
  }
  loadPcapAddon();
  checkCaptureInterface(iface);
  const config = resolveReplayConfig(options);
  const shards = Math.max(1, options.workers);
  const fanoutGroup = options.fanoutGroup ?? defaultFanoutGroup();
  const shardConfig = { reassembly: config.reassembly, http: config.http, withDetail: options.withDetail ?? false };
  let failure: unknown = null;
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const onFailure = (err: unknown): void => {
    failure ??= err;
    stop();
  };
  const channels: AfPacketChannel[] = [];
  for (let shard = 0; shard < shards; shard++) {
    const init: AfPacketShardInit = {
      shard,
      shards,
      source: {
        interface: iface,
        filter: options.filter ?? null,
        snaplen: options.snaplen,
        promiscuous: options.promiscuous,
        bufferBytes: options.bufferBytes,
        timeoutMs: options.timeoutMs,
        fanoutGroup,
        batchBytes: options.batchBytes,
        batchPackets: options.batchPackets,
      },
      shardConfig,
      decode: { ...config.decode },
      write: options.write ? workerFileName(options.write, shard, shards) : null,
      writeMaxBytes: options.writeMaxBytes ?? 1 << 30,
      stopDrainMs: options.stopDrainMs ?? 2000,
    };
    channels.push(options.workers === 0 ? new InlineAfPacketChannel(init, onFailure) : new WorkerAfPacketChannel(init, onFailure));
  }
  const readies = await Promise.allSettled(channels.map((c) => c.ready));
  const openError = readies.find((r) => r.status === 'rejected');
  if (openError) {
    await Promise.all(channels.map((c) => c.terminate()));
    throw (openError as PromiseRejectedResult).reason;
  }
  const readyReplies = readies.map((r) => (r as PromiseFulfilledResult<Extract<AfPacketWorkerReply, { type: 'ready' }>>).value);
  const first = readyReplies[0]!;
  const fanoutFallbacks = readyReplies.filter((r) => r.fanoutFallback !== null);

  const rxDroppedStart = interfaceRxDropped(iface);
  const health = new CaptureHealthTracker(Date.now(), options);
  const latest: AfPacketSourceStats[] = channels.map(() => ({ ...ZERO_STATS }));
  const collected: TransactionRecord[] = [];
  let emitted = 0;
  let packetsSoFar = 0;
  const emit = (lists: TimedTransaction[][]): void => {
    for (const keyed of mergeByCompletionTime(lists)) {
      emitted++;
      attachDetail(keyed.record, keyed.detail);
      options.onTransaction?.(keyed.record);
      if (options.collect) collected.push(keyed.record);
    }
  };
  const totals = (): LiveCaptureStats => {
    const t: LiveCaptureStats = { received: 0, droppedKernel: 0, droppedInterface: Math.max(0, interfaceRxDropped(iface) - rxDroppedStart), delivered: 0, deliveredBytes: 0, batchTruncated: 0 };
    for (const s of latest) {
      t.received += s.received;
      t.droppedKernel += s.droppedKernel;
      t.delivered += s.delivered;
      t.deliveredBytes += s.deliveredBytes;
      t.batchTruncated += s.batchTruncated;
    }
    return t;
  };

  let roundNumber = 0;
  const runRound = async (): Promise<void> => {
    const round = roundNumber++;
    const replies = (await Promise.all(channels.map((c) => c.request({ type: 'round', round })))) as RoundReply[];
    packetsSoFar = 0;
    for (const r of replies) {
      latest[r.shard] = r.stats;
      packetsSoFar += r.counters.packets;
    }
    // Health first: drops of this round are known before its transactions.
    options.onHealth?.(health.sample(totals(), Date.now()));
    emit(replies.map((r) => r.transactions));
    if (options.maxPackets !== undefined && packetsSoFar >= options.maxPackets) stop();
  };
  let inRound: Promise<void> | null = null;
  const tick = setInterval(() => {
    if (inRound) return;
    inRound = runRound()
      .catch(onFailure)
      .finally(() => (inRound = null));
  }, options.flushIntervalMs ?? 250);
  const deadline = options.durationMs !== undefined ? setTimeout(stop, options.durationMs) : null;
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener('abort', stop, { once: true });

  options.onStart?.({ interfaceName: iface, linkType: first.linkType, snaplen: first.snaplen });
  await stopped;
  clearInterval(tick);
  if (deadline) clearTimeout(deadline);
  options.signal?.removeEventListener('abort', stop);
  await inRound;

  const finals: FinishedReply[] = [];
  const settled = await Promise.allSettled(channels.map((c) => c.request({ type: 'finish' })));
  for (const s of settled) {
    if (s.status === 'fulfilled') finals.push(s.value as FinishedReply);
    else failure ??= s.reason;
  }
  await Promise.all(channels.map((c) => c.terminate()));
  for (const f of finals) latest[f.shard] = f.stats;
  // Final health before the last transactions, as in pcap mode.
  const finalStats = totals();
  const endMs = Date.now();
  options.onHealth?.(health.sample(finalStats, endMs, true));
  emit(finals.map((f) => f.transactions));

  const events = new EventCounter();
  const reassembly: ReassemblyStats[] = [];
  const decoder: Record<string, number> = {};
  const workers: AfPacketWorkerHealth[] = [];
  let packets = 0;
  let bytes = 0;
  let wireBytes = 0;
  let tcpPackets = 0;
  let tunneled = 0;
  for (const f of finals) {
    events.merge(f.events);
    reassembly.push(f.reassembly);
    for (const [k, v] of Object.entries(f.decoder)) decoder[k] = k.endsWith('Peak') || k === 'fragmentsHeld' ? Math.max(decoder[k] ?? 0, v) : (decoder[k] ?? 0) + v;
    const c = f.counters;
    packets += c.packets;
    bytes += c.bytes;
    wireBytes += c.wireBytes;
    tcpPackets += c.tcpPackets;
    tunneled += c.tunneledPackets;
    workers.push({
      shard: f.shard,
      received: f.stats.received,
      droppedKernel: f.stats.droppedKernel,
      freezeQueueCount: f.stats.freezeQueueCount,
      delivered: f.stats.delivered,
      packets: c.packets,
      tcpPackets: c.tcpPackets,
      tunneledPackets: c.tunneledPackets,
      transactions: c.transactions,
    });
  }
  if (tunneled > 0) events.add('capture.afpacket_tunneled_packets', tunneled);
  if (fanoutFallbacks.length > 0) events.add('capture.afpacket_fanout_program_refused', fanoutFallbacks.length);
  const capture = health.finish(finalStats, endMs, {
    interface: iface,
    filter: options.filter ?? null,
    linkType: first.linkType,
    snaplen: first.snaplen,
    nanosecond: true,
  });
  const summary: LiveCaptureSummary = {
    ...buildSummary({ packets, bytes, wireBytes, tcpPackets, transactions: emitted, events: events.toJSON(), decoder, reassembly, config, files: [], elapsedMs: performance.now() - started }),
    capture: {
      ...capture,
      mode: 'afpacket',
      afpacket: { fanoutGroup, fanoutMode: readyReplies.every((r) => r.fanoutMode === 'cbpf') ? 'cbpf+defrag' : 'hash+defrag', fanoutFallback: fanoutFallbacks[0]?.fanoutFallback ?? null, ringBytesPerWorker: first.ringBytes, workers: workers.sort((a, b) => a.shard - b.shard) },
    },
  };
  const result: LiveCaptureResult = { summary, transactions: collected };
  if (failure !== null) {
    if (!(failure instanceof LiveCaptureError)) {
      const e = failure as Error;
      result.error = new LiveCaptureError('ERR_CAPTURE_WORKER', e.message ?? String(failure), 1, iface);
    } else result.error = failure;
  }
  return result;
}

/**
 * `--write FILE` in afpacket mode: one file per socket, `name.w<shard>.ext`
 * (`cap.pcap` → `cap.w0.pcap`, `cap.w1.pcap`); with one worker, FILE itself.
 */
export function workerFileName(file: string, shard: number, shards: number): string {
  if (shards === 1) return file;
  const dot = file.lastIndexOf('.');
  const slash = file.lastIndexOf('/');
  return dot > slash + 1 ? `${file.slice(0, dot)}.w${shard}${file.slice(dot)}` : `${file}.w${shard}`;
}
