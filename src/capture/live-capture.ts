/**
 * runLiveCapture: a network interface through the replay pipeline until
 * stopped (AbortSignal, duration, packet count) or the interface fails.
 *
 *   LiveSource ─uv_poll wakeup─► read loop (main thread) ──batch──► FramePipeline.onFrame ─► shards
 *        │                             │ saturated? stop polling, await capacity (kernel ring buffers or drops)
 *        └─ whole batch ─► LivePcapWriter (--write)
 *   wall-clock tick (flushIntervalMs): seal the partial round, sample capture health ─► onHealth
 *
 * `captureMode: 'afpacket'` hands the run to runAfPacketCapture (one fanout
 * socket per worker; see afpacket-capture.ts).
 *
 * On stop: polling stops, what is already in the ring is read (bounded by
 * `stopDrainMs`), the handle is closed (final kernel counters), then the
 * pipeline finishes: every open flow is flushed and its transactions emitted.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { LiveSource, type LiveSourceOptions } from './live-source.js';
import { LivePcapWriter } from './live-pcap-writer.js';
import { CaptureHealthTracker, type CaptureHealth, type CaptureHealthOptions, type CaptureHealthSample } from './live-health.js';
import { LiveCaptureError } from './live-capture-error.js';
import { FramePipeline } from '../replay/frame-pipeline.js';
import { buildSummary } from '../replay/summary.js';
import type { ReplayOptions, ReplaySummary } from '../replay/replay-types.js';
import type { TransactionRecord } from '../http/transaction-record.js';
import type { RawFrame } from './raw-frame.js';
import { runAfPacketCapture, type AfPacketCaptureInfo } from './afpacket-capture.js';

/** What onStart learns of the opened capture (a LiveSource, or the first AF_PACKET socket). */
export interface CaptureStartInfo {
  interfaceName: string;
  linkType: number;
  snaplen: number;
}

/** `pcap`: one libpcap handle read on the main thread (default). `afpacket`: a fanout socket per worker (Linux). */
export type CaptureMode = 'pcap' | 'afpacket';

export interface LiveCaptureOptions extends LiveSourceOptions, Omit<ReplayOptions, 'workers'>, CaptureHealthOptions {
  /** Worker threads; 0 = inline. Required (the CLI defaults it to cores − 1). */
  workers: number;
  /** Stops the capture (flushing everything) when aborted. */
  signal?: AbortSignal;
  /** Stop after this many packets were read. */
  maxPackets?: number;
  /** Stop after this long, ms. */
  durationMs?: number;
  /** Keep a rolling pcap copy here (see LivePcapWriter). */
  write?: string | null;
  /** Rotate the --write file at this size, bytes. Default 1 GiB. */
  writeMaxBytes?: number;
  /** Wall-clock tick, ms: partial rounds are sealed and health sampled this often. Default 250. */
  flushIntervalMs?: number;
  /** At stop, keep reading what the ring holds for at most this long, ms. Default 2000. */
  stopDrainMs?: number;
  /** Called once the interface is open and the workers are ready (packets flow from here on). */
  onStart?: (source: CaptureStartInfo) => void;
  /**
   * Called on every health tick (each `flushIntervalMs` in pcap mode, each
   * completed round in afpacket mode) and once more at the end with
   * `final: true` (after the handle closed, before the last transactions are
   * emitted), on the main thread. Runs on the capture loop: keep it cheap and
   * do not throw. `tsSec` is wall-clock seconds, the time base of live packet
   * timestamps (see CaptureHealthSample).
   */
  onHealth?: (sample: CaptureHealthSample) => void;
  /** Default 'pcap'. */
  captureMode?: CaptureMode;
  /** afpacket mode: PACKET_FANOUT group id (0..65535). Default: process id & 0xffff. */
  fanoutGroup?: number;
}

export type LiveCaptureSummary = ReplaySummary & {
  capture: CaptureHealth & {
    /** Present in afpacket mode ('afpacket'); absent in pcap mode. */
    mode?: CaptureMode;
    /** afpacket mode: the fanout group and per-socket figures. */
    afpacket?: AfPacketCaptureInfo;
  };
};

export interface LiveCaptureResult {
  summary: LiveCaptureSummary;
  /** Filled only with `collect: true`. */
  transactions: TransactionRecord[];
  /** Set when capture stopped because reading failed (everything before was processed). */
  error?: Error;
  /** Files of `--write` (the current one first), with rotations. */
  written?: { path: string; bytes: number; rotations: number };
}

/**
 * Runs a live capture to its end. Throws LiveCaptureError before any packet
 * is processed (addon missing, no such interface, down, no permission, bad
 * filter) and the fs error of an unwritable `write` path; later failures are
 * returned in `result.error`.
 */
export async function runLiveCapture(options: LiveCaptureOptions): Promise<LiveCaptureResult> {
  if (options.captureMode === 'afpacket') return runAfPacketCapture(options);
  const started = performance.now();
  const source = LiveSource.open(options);
  let writer: LivePcapWriter | null = null;
  try {
    if (options.write) writer = new LivePcapWriter(options.write, source.linkType, source.snaplen, { maxFileBytes: options.writeMaxBytes ?? 1 << 30 });
  } catch (err) {
    source.close();
    throw err;
  }
  const pipeline = new FramePipeline(options);
  try {
    await pipeline.start();
  } catch (err) {
    source.close();
    writer?.close();
    throw err;
  }

  const health = new CaptureHealthTracker(Date.now(), options);
  let stopRequested = false;
  let error: Error | undefined;
  let wake: (() => void) | null = null;
  const wakeUp = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const requestStop = (): void => {
    stopRequested = true;
    wakeUp();
  };
  const onFrame = (frame: RawFrame): void => pipeline.onFrame(frame);
  const onBatch = writer ? (records: Uint8Array): void => writer!.write(records) : undefined;
  const remaining = (): number => (options.maxPackets === undefined ? Infinity : options.maxPackets - pipeline.packets);

  const tick = setInterval(() => {
    if (!pipeline.saturated) pipeline.flushRound();
    let sampled: CaptureHealthSample | null = null;
    try {
      sampled = health.sample(source.stats(), Date.now());
    } catch {
      // stats unavailable (handle closing): next sample
    }
    if (sampled) options.onHealth?.(sampled);
    wakeUp();
  }, options.flushIntervalMs ?? 250);
  const deadline = options.durationMs !== undefined ? setTimeout(requestStop, options.durationMs) : null;
  if (options.signal?.aborted) stopRequested = true;
  options.signal?.addEventListener('abort', requestStop, { once: true });

  let polling = false;
  const startPolling = (): void => {
    if (!polling) source.poll(wakeUp);
    polling = true;
  };
  const stopPolling = (): void => {
    if (polling) source.stopPoll();
    polling = false;
  };

  try {
    options.onStart?.(source);
    startPolling();
    while (!stopRequested && remaining() > 0) {
      if (pipeline.saturated) {
        stopPolling();
        await pipeline.waitForCapacity();
        startPolling();
      }
      const n = source.readBatch(onFrame, onBatch, remaining());
      if (n > 0) await yieldToLoop();
      else await new Promise<void>((resolve) => (wake = resolve));
    }
    stopPolling();
    const drainUntil = performance.now() + (options.stopDrainMs ?? 2000);
    while (remaining() > 0 && performance.now() < drainUntil) {
      if (pipeline.saturated) await pipeline.waitForCapacity();
      if (source.readBatch(onFrame, onBatch, remaining()) === 0) break;
    }
  } catch (err) {
    if (!(err instanceof LiveCaptureError)) {
      clearInterval(tick);
      if (deadline) clearTimeout(deadline);
      source.close();
      writer?.close();
      await pipeline.close();
      throw err;
    }
    error = err;
  } finally {
    clearInterval(tick);
    if (deadline) clearTimeout(deadline);
    options.signal?.removeEventListener('abort', requestStop);
    stopPolling();
  }

  source.close();
  writer?.close();
  const finalStats = source.stats();
  const endMs = Date.now();
  options.onHealth?.(health.sample(finalStats, endMs, true));
  const capture = health.finish(finalStats, endMs, {
    interface: source.interfaceName,
    filter: options.filter ?? null,
    linkType: source.linkType,
    snaplen: source.snaplen,
    nanosecond: source.nanosecond,
  });
  const totals = await pipeline.finish();
  const summary: LiveCaptureSummary = {
    ...buildSummary({ ...totals, files: [], elapsedMs: performance.now() - started }),
    capture,
  };
  const result: LiveCaptureResult = { summary, transactions: pipeline.collected };
  if (error) result.error = error;
  if (writer) result.written = { path: writer.path, bytes: writer.bytesWritten, rotations: writer.rotations };
  return result;
}
