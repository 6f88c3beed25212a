/**
 * Replay of capture files through the whole pipeline.
 *
 *   CaptureFile ──RawFrame──► PacketDecoder ──DecodedPacket──► symmetric flow hash ──► shard batch
 *        (main thread, allocation-free per packet)                                        │ rounds
 *   ordered TransactionRecords ◄── merge by (completion, connection, depth) ◄── ShardBackend (inline | piscina)
 *
 * Rounds: every ROUND_PACKETS frames or ROUND_BYTES payload bytes (a global
 * condition, independent of the worker count) each shard's batch is sealed and
 * submitted, and the round's results are merged in round order. Idle expiry in
 * the shards runs at round ends on packet time, so output is byte-identical
 * for any `--workers`.
 */
import os from 'node:os';
import { CaptureFile } from '../capture/capture-file.js';
import type { RawFrame } from '../capture/raw-frame.js';
import { PacketDecoder } from '../decode/packet-decoder.js';
import { DecodedPacket, DecodeResult } from '../decode/decoded-packet.js';
import { symmetricFlowHash } from '../flow/flow-hash.js';
import { EventCounter } from '../stats/event-counter.js';
import { SegmentBatchWriter } from '../pool/segment-batch.js';
import { InlineShardBackend, type ShardBackend } from '../pool/shard-backend.js';
import { attachDetail } from '../pool/shard-engine.js';
import { PiscinaShardBackend } from '../pool/worker-pool.js';
import { compareKeyed, type KeyedTransaction, type ShardConfig, type ShardResult } from '../pool/messages.js';
import type { TransactionRecord } from '../http/transaction-record.js';
import type { ReassemblyStats } from '../reassembly/tcp-reassembler.js';
import { CaptureFileError } from '../errors.js';
import type { ReplayOptions, ReplayResult } from './replay-types.js';
import { buildSummary } from './summary.js';
import { resolveReplayConfig } from './replay-config.js';

/** Frames per round (global). */
export const ROUND_PACKETS = 8192;
/** TCP payload bytes per round (global). */
export const ROUND_BYTES = 8 << 20;
/** Rounds submitted but not yet merged; the reader pauses beyond this (backpressure). */
export const MAX_ROUNDS_IN_FLIGHT = 4;

/** Default worker count: cores − 1, at least 1. */
export function defaultWorkerCount(): number {
  return Math.max(1, (os.availableParallelism?.() ?? os.cpus().length) - 1);
}

/**
 * Replays `paths` in order as one continuous capture.
 * Resolves with the summary (and transactions with `collect`). A damaged
 * capture file stops the replay after everything before the damage has been
 * processed and flushed; the error is returned in `result.error`. Throws
 * CaptureFileError only for files that cannot be opened or are not captures
 * (before any processing of that file).
 */
export async function replayFiles(paths: string[], options: ReplayOptions = {}): Promise<ReplayResult> {
  const started = performance.now();
  const workers = options.workers ?? defaultWorkerCount();
  const config = resolveReplayConfig(options);
  const backend: ShardBackend = workers === 0 ? new InlineShardBackend() : new PiscinaShardBackend(workers);
  const shardConfig: ShardConfig = { reassembly: config.reassembly, http: config.http, withDetail: options.withDetail ?? false };

  const events = new EventCounter();
  const decoder = new PacketDecoder(events, config.decode);
  const pkt = new DecodedPacket();
  const shards = backend.shards;
  const writers = Array.from({ length: shards }, () => new SegmentBatchWriter(1 << 20));
  const transactions: TransactionRecord[] = [];
  let transactionCount = 0;

  const emit = (list: KeyedTransaction[]): void => {
    list.sort(compareKeyed);
    for (const keyed of list) {
      transactionCount++;
      attachDetail(keyed.record, keyed.detail);
      options.onTransaction?.(keyed.record);
      if (options.collect) transactions.push(keyed.record);
    }
  };

  let packets = 0;
  let bytes = 0;
  let wireBytes = 0;
  let tcpPackets = 0;
  let roundPackets = 0;
  let roundBytes = 0;
  let roundNumber = 0;
  let lastTsSec = 0;
  let lastTsNsec = 0;
  let inFlight = 0;
  let merged: Promise<void> = Promise.resolve();
  let pipelineError: unknown = null;
  let waiters: Array<() => void> = [];

  const closeRound = (): void => {
    const round = roundNumber++;
    const endIndex = packets - 1;
    const submissions: Promise<ShardResult>[] = [];
    for (let s = 0; s < shards; s++) {
      submissions.push(backend.submitBatch(s, writers[s]!.take(round, endIndex, lastTsSec, lastTsNsec)));
    }
    roundPackets = 0;
    roundBytes = 0;
    inFlight++;
    const results = Promise.all(submissions);
    merged = merged
      .then(() => results)
      .then((list) => {
        const all: KeyedTransaction[] = [];
        for (const r of list) if (r.type === 'batch-done') for (const t of r.transactions) all.push(t);
        emit(all);
      })
      .catch((err: unknown) => {
        pipelineError ??= err;
      })
      .finally(() => {
        inFlight--;
        const ws = waiters;
        waiters = [];
        for (const w of ws) w();
      });
  };

  const onFrame = (frame: RawFrame): void => {
    const index = packets++;
    bytes += frame.capturedLength;
    wireBytes += frame.originalLength;
    lastTsSec = frame.tsSec;
    lastTsNsec = frame.tsNsec;
    roundPackets++;
    if (decoder.decode(frame, pkt) === DecodeResult.TCP) {
      tcpPackets++;
      roundBytes += pkt.payload.length;
      const shard = shards === 1 ? 0 : symmetricFlowHash(pkt) % shards;
      writers[shard]!.append(pkt, index, frame.tsSec, frame.tsNsec);
    }
    if (roundPackets >= ROUND_PACKETS || roundBytes >= ROUND_BYTES) closeRound();
  };

  const beforeChunk = async (): Promise<void> => {
    while (inFlight >= MAX_ROUNDS_IN_FLIGHT && pipelineError === null) {
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
    if (pipelineError !== null) throw pipelineError;
  };

  let error: Error | undefined;
  let reassembly: ReassemblyStats[] = [];
  const workerEvents = new EventCounter();
  await backend.start(shardConfig);
  try {
    for (const file of paths) {
      const capture = await CaptureFile.open(file);
      try {
        await capture.read(onFrame, { beforeChunk });
      } catch (err) {
        if (err instanceof CaptureFileError) {
          error = err;
          break;
        }
        throw err;
      } finally {
        await capture.close();
      }
    }
    if (roundPackets > 0) closeRound();
    await merged;
    if (pipelineError !== null) throw pipelineError;
    const finals = await Promise.all(
      Array.from({ length: shards }, (_, s) => backend.finish(s, packets, lastTsSec, lastTsNsec)),
    );
    const rest: KeyedTransaction[] = [];
    for (const r of finals) {
      if (r.type !== 'finished') continue;
      for (const t of r.transactions) rest.push(t);
      workerEvents.merge(r.events);
      reassembly.push(r.reassembly);
    }
    emit(rest);
  } finally {
    await backend.close();
  }

  events.merge(workerEvents.toJSON());
  const summary = buildSummary({
    files: paths,
    packets,
    bytes,
    wireBytes,
    tcpPackets,
    transactions: transactionCount,
    events: events.toJSON(),
    decoder: decoder.stats(),
    reassembly,
    config,
    elapsedMs: performance.now() - started,
  });
  const result: ReplayResult = { summary, transactions };
  if (error) result.error = error;
  return result;
}

