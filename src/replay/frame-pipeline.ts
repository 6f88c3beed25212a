/**
 * FramePipeline: the replay pipeline with the frame loop turned inside out, so
 * any frame source (capture files, a live interface) can push frames into it.
 *
 *   source ──RawFrame──► onFrame: PacketDecoder ──► symmetric flow hash ──► shard batch
 *        (caller's thread, allocation-free per packet)                           │ rounds
 *   ordered TransactionRecords ◄── merge by (completion, connection, depth) ◄── ShardBackend (inline | piscina)
 *
 * Call order: `await start()`; then any number of `onFrame(frame)` (each
 * synchronous), calling `await waitForCapacity()` whenever `saturated` is true
 * (backpressure: at most MAX_ROUNDS_IN_FLIGHT rounds submitted and not merged);
 * optionally `flushRound()` to seal a partial round (live capture does so on a
 * wall-clock tick so transactions appear while traffic is sparse); finally
 * `await finish()` (seals the last round, flushes every open flow in the
 * shards, closes the backend) or `await close()` to abandon the run.
 *
 * Rounds close every PIPELINE_ROUND_PACKETS frames or PIPELINE_ROUND_BYTES
 * payload bytes — a condition of the capture alone, independent of the worker
 * count, so output is identical for any N. replayFiles() drives this class
 * from capture files.
 * Throws (from waitForCapacity / finish) whatever a shard failed with.
 */
import { PacketDecoder } from '../decode/packet-decoder.js';
import { DecodedPacket, DecodeResult } from '../decode/decoded-packet.js';
import type { RawFrame } from '../capture/raw-frame.js';
import { symmetricFlowHash } from '../flow/flow-hash.js';
import { EventCounter } from '../stats/event-counter.js';
import { SegmentBatchWriter } from '../pool/segment-batch.js';
import { InlineShardBackend, type ShardBackend } from '../pool/shard-backend.js';
import { unpackDetails } from '../pool/detail-pack.js';
import { PiscinaShardBackend } from '../pool/worker-pool.js';
import { compareKeyed, type KeyedTransaction, type ShardConfig, type ShardResult } from '../pool/messages.js';
import type { TransactionRecord } from '../http/transaction-record.js';
import type { ReassemblyStats } from '../reassembly/tcp-reassembler.js';
import type { ReplayOptions } from './replay-types.js';
import { resolveReplayConfig, type ReplayConfig } from './replay-config.js';
import type { SummaryInputs } from './summary.js';

/** Frames per round (global, independent of the worker count). */
export const PIPELINE_ROUND_PACKETS = 8192;
/** TCP payload bytes per round (global). */
export const PIPELINE_ROUND_BYTES = 8 << 20;
/** Rounds submitted but not yet merged before `saturated` turns true. */
export const PIPELINE_MAX_ROUNDS_IN_FLIGHT = 4;

/** Options: the replay options; `workers` is required here (0 = inline). */
export type FramePipelineOptions = ReplayOptions & { workers: number };

/** Everything buildSummary needs except files and elapsed time. */
export type FramePipelineTotals = Omit<SummaryInputs, 'files' | 'elapsedMs'>;

export class FramePipeline {
  readonly config: ReplayConfig;
  #options: FramePipelineOptions;
  #backend: ShardBackend;
  #events = new EventCounter();
  #decoder: PacketDecoder;
  #pkt = new DecodedPacket();
  #writers: SegmentBatchWriter[];
  #transactions = 0;
  #packets = 0;
  #bytes = 0;
  #wireBytes = 0;
  #tcpPackets = 0;
  #roundPackets = 0;
  #roundBytes = 0;
  #roundNumber = 0;
  #lastTsSec = 0;
  #lastTsNsec = 0;
  #inFlight = 0;
  #merged: Promise<void> = Promise.resolve();
  #error: unknown = null;
  #waiters: Array<() => void> = [];
  #collected: TransactionRecord[] = [];

  constructor(options: FramePipelineOptions) {
    this.#options = options;
    this.config = resolveReplayConfig(options);
    this.#backend = options.workers === 0 ? new InlineShardBackend() : new PiscinaShardBackend(options.workers);
    this.#decoder = new PacketDecoder(this.#events, this.config.decode);
    this.#writers = Array.from({ length: this.#backend.shards }, () => new SegmentBatchWriter(1 << 20));
  }

  /** Starts the shard engines (workers). */
  async start(): Promise<void> {
    const shardConfig: ShardConfig = {
      reassembly: this.config.reassembly,
      http: this.config.http,
      withDetail: this.#options.withDetail ?? false,
      // inline: detail stays on the records; workers: one transferred buffer per result
      detailTransport: this.#options.workers === 0 ? 'attached' : 'packed',
    };
    await this.#backend.start(shardConfig);
  }

  /** Frames seen so far. */
  get packets(): number {
    return this.#packets;
  }

  /** Transactions emitted so far. */
  get transactions(): number {
    return this.#transactions;
  }

  /** With `collect: true`, every transaction so far (in output order). */
  get collected(): TransactionRecord[] {
    return this.#collected;
  }

  /** True while the caller should `await waitForCapacity()` before the next frame. */
  get saturated(): boolean {
    return this.#inFlight >= PIPELINE_MAX_ROUNDS_IN_FLIGHT || this.#error !== null;
  }

  /** Frames since the last sealed round. */
  get pendingFrames(): number {
    return this.#roundPackets;
  }

  /** Decodes one frame; `frame.data` is not kept after return. Synchronous. */
  onFrame(frame: RawFrame): void {
    const index = this.#packets++;
    this.#bytes += frame.capturedLength;
    this.#wireBytes += frame.originalLength;
    this.#lastTsSec = frame.tsSec;
    this.#lastTsNsec = frame.tsNsec;
    this.#roundPackets++;
    const pkt = this.#pkt;
    if (this.#decoder.decode(frame, pkt) === DecodeResult.TCP) {
      this.#tcpPackets++;
      this.#roundBytes += pkt.payload.length;
      const shards = this.#writers.length;
      const shard = shards === 1 ? 0 : symmetricFlowHash(pkt) % shards;
      this.#writers[shard]!.append(pkt, index, frame.tsSec, frame.tsNsec);
    }
    if (this.#roundPackets >= PIPELINE_ROUND_PACKETS || this.#roundBytes >= PIPELINE_ROUND_BYTES) this.#closeRound();
  }

  /** Seals the current partial round, if any frames are pending. */
  flushRound(): void {
    if (this.#roundPackets > 0) this.#closeRound();
  }

  /** Resolves once fewer than the maximum rounds are in flight; rejects with a shard failure. */
  async waitForCapacity(): Promise<void> {
    while (this.#inFlight >= PIPELINE_MAX_ROUNDS_IN_FLIGHT && this.#error === null) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    if (this.#error !== null) throw this.#error;
  }

  /**
   * Seals the last round, waits for every round, flushes all open flows in
   * every shard (their transactions are emitted), closes the backend, and
   * returns the totals for buildSummary(). Call once.
   */
  async finish(): Promise<FramePipelineTotals> {
    const reassembly: ReassemblyStats[] = [];
    const workerEvents = new EventCounter();
    try {
      this.flushRound();
      await this.#merged;
      if (this.#error !== null) throw this.#error;
      const finals = await Promise.all(
        Array.from({ length: this.#writers.length }, (_, s) =>
          this.#backend.finish(s, this.#packets, this.#lastTsSec, this.#lastTsNsec),
        ),
      );
      const rest: KeyedTransaction[] = [];
      for (const r of finals) {
        if (r.type !== 'finished') continue;
        if (r.detail) unpackDetails(r.transactions, r.detail);
        for (const t of r.transactions) rest.push(t);
        workerEvents.merge(r.events);
        reassembly.push(r.reassembly);
      }
      this.#emit(rest);
    } finally {
      await this.#backend.close();
    }
    this.#events.merge(workerEvents.toJSON());
    return {
      packets: this.#packets,
      bytes: this.#bytes,
      wireBytes: this.#wireBytes,
      tcpPackets: this.#tcpPackets,
      transactions: this.#transactions,
      events: this.#events.toJSON(),
      decoder: this.#decoder.stats(),
      reassembly,
      config: this.config,
    };
  }

  /** Abandons the run: closes the backend without flushing. */
  async close(): Promise<void> {
    await this.#backend.close();
  }

  #emit(list: KeyedTransaction[]): void {
    list.sort(compareKeyed);
    for (const keyed of list) {
      this.#transactions++;
      this.#options.onTransaction?.(keyed.record);
      if (this.#options.collect) this.#collected.push(keyed.record);
    }
  }

  #closeRound(): void {
    const round = this.#roundNumber++;
    const endIndex = this.#packets - 1;
    const submissions: Promise<ShardResult>[] = [];
    for (let s = 0; s < this.#writers.length; s++) {
      submissions.push(this.#backend.submitBatch(s, this.#writers[s]!.take(round, endIndex, this.#lastTsSec, this.#lastTsNsec)));
    }
    this.#roundPackets = 0;
    this.#roundBytes = 0;
    this.#inFlight++;
    const results = Promise.all(submissions);
    this.#merged = this.#merged
      .then(() => results)
      .then((list) => {
        const all: KeyedTransaction[] = [];
        for (const r of list) {
          if (r.type !== 'batch-done') continue;
          if (r.detail) unpackDetails(r.transactions, r.detail);
          for (const t of r.transactions) all.push(t);
        }
        this.#emit(all);
      })
      .catch((err: unknown) => {
        this.#error ??= err;
      })
      .finally(() => {
        this.#inFlight--;
        const ws = this.#waiters;
        this.#waiters = [];
        for (const w of ws) w();
      });
  }
}
