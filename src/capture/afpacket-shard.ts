/**
 * AfPacketShard: the frame loop of one AF_PACKET capture worker. The worker
 * reads its own fanout socket and runs the whole per-flow pipeline itself;
 * no packet passes through the main thread.
 *
 *   fanout socket ring ──readBatch──► RawFrame ──► PacketDecoder ──► SegmentBatchWriter
 *        (uv_poll wakeup on this thread)                                  │ one batch per read
 *   TimedTransaction[] (pending until the next round) ◄── ShardEngine (reassembly → HTTP)
 *
 * Packet indices: the worker's k-th packet (0-based) gets index k × shards +
 * shard, so indices — and the connection uids built from them (`C<index>`) —
 * are unique across workers, increase with this socket's packet order, and are
 * the same on every run for the same per-socket packet sequence.
 *
 * Time is packet time: idle expiry runs at the end of each batch with that
 * batch's last timestamp (the ShardEngine contract); a socket that receives
 * nothing does not advance its clock, so its idle flows wait for finish().
 *
 * Call order: constructor (opens the socket; throws LiveCaptureError), start(),
 * any number of takeRound(), then `await finish()` once. Usable on a worker
 * thread (normal case) or on the main thread (`--workers 0`).
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { AfPacketSource } from './afpacket-source.js';
import { LivePcapWriter } from './live-pcap-writer.js';
import { LIVE_DEFAULTS } from './live-source.js';
import { PacketDecoder } from '../decode/packet-decoder.js';
import { DecodedPacket, DecodeResult } from '../decode/decoded-packet.js';
import { EventCounter } from '../stats/event-counter.js';
import { SegmentBatchWriter } from '../pool/segment-batch.js';
import { ShardEngine } from '../pool/shard-engine.js';
import type { RawFrame } from './raw-frame.js';
import type { AfPacketShardCounters, AfPacketShardInit, AfPacketWorkerReply, TimedTransaction } from './afpacket-messages.js';

type RoundReply = Extract<AfPacketWorkerReply, { type: 'round' }>;
type FinishedReply = Extract<AfPacketWorkerReply, { type: 'finished' }>;

export class AfPacketShard {
  readonly shard: number;
  readonly shards: number;
  readonly source: AfPacketSource;
  #init: AfPacketShardInit;
  #writer: LivePcapWriter | null = null;
  #events = new EventCounter();
  #decoder: PacketDecoder;
  #pkt = new DecodedPacket();
  #segments = new SegmentBatchWriter(1 << 20);
  #engine: ShardEngine;
  /** Packets read by this worker (local count). */
  #local = 0;
  #batchStartLocal = 0;
  #batchNumber = 0;
  /** Timestamps of the current read batch's packets, by local index − #batchStartLocal. */
  #tsSec: Uint32Array;
  #tsNsec: Uint32Array;
  #lastTsSec = 0;
  #lastTsNsec = 0;
  #counters: AfPacketShardCounters = { packets: 0, bytes: 0, wireBytes: 0, tcpPackets: 0, tunneledPackets: 0, transactions: 0 };
  #pending: TimedTransaction[] = [];
  #stopping = false;
  #wake: (() => void) | null = null;
  #loop: Promise<void> = Promise.resolve();
  #onFrame = (frame: RawFrame): void => this.#frame(frame);
  #onBatch: ((records: Uint8Array) => void) | undefined;

  /** Opens this worker's socket (and `--write` file). Throws LiveCaptureError or the fs error. */
  constructor(init: AfPacketShardInit) {
    this.#init = init;
    this.shard = init.shard;
    this.shards = init.shards;
    const d = init.decode;
    this.source = AfPacketSource.open({
      ...init.source,
      // The fanout program opens the tunnels the decoder opens, on the same ports.
      tunnelPorts: init.source.tunnelPorts ?? { vxlanPorts: d.vxlanPorts, genevePorts: d.genevePorts, greUdpPorts: d.greUdpPorts },
    });
    try {
      if (init.write) this.#writer = new LivePcapWriter(init.write, this.source.linkType, this.source.snaplen, { maxFileBytes: init.writeMaxBytes });
    } catch (err) {
      this.source.close();
      throw err;
    }
    this.#onBatch = this.#writer ? (records) => this.#writer!.write(records) : undefined;
    const batchPackets = init.source.batchPackets ?? LIVE_DEFAULTS.batchPackets;
    this.#tsSec = new Uint32Array(batchPackets);
    this.#tsNsec = new Uint32Array(batchPackets);
    this.#decoder = new PacketDecoder(this.#events, init.decode);
    this.#engine = new ShardEngine(init.shard, init.shardConfig);
  }

  /** Starts the read loop; `onError` hears a read failure (the loop has then stopped). */
  start(onError: (err: unknown) => void): void {
    this.#loop = this.#run().catch((err: unknown) => {
      this.#stopping = true;
      onError(err);
    });
  }

  /** Transactions completed since the last round, with this socket's counters. */
  takeRound(round: number): RoundReply {
    const transactions = this.#pending;
    this.#pending = [];
    return { type: 'round', shard: this.shard, round, transactions, stats: this.source.stats(), counters: { ...this.#counters } };
  }

  /**
   * Stops the loop, reads what the ring still holds (at most stopDrainMs),
   * closes the socket, flushes every connection and returns the rest.
   */
  async finish(): Promise<FinishedReply> {
    this.#stopping = true;
    this.#wake?.();
    await this.#loop;
    this.source.stopPoll();
    const drainUntil = performance.now() + this.#init.stopDrainMs;
    try {
      while (performance.now() < drainUntil && this.#readOnce() > 0);
    } catch {
      // the interface failed while draining: what was read is processed below
    }
    this.source.close();
    this.#writer?.close();
    const finished = this.#engine.finish(this.#local * this.shards + this.shard, this.#lastTsSec, this.#lastTsNsec);
    if (finished.type === 'finished') {
      for (const t of finished.transactions) this.#pending.push(this.#timed(t.completionIndex, t));
      this.#counters.transactions += finished.transactions.length;
    }
    const transactions = this.#pending;
    this.#pending = [];
    this.#events.merge(finished.type === 'finished' ? finished.events : {});
    return {
      type: 'finished',
      shard: this.shard,
      transactions,
      stats: this.source.stats(),
      counters: { ...this.#counters },
      events: this.#events.toJSON(),
      reassembly: finished.type === 'finished' ? finished.reassembly : ({} as FinishedReply['reassembly']),
      decoder: this.#decoder.stats(),
    };
  }

  async #run(): Promise<void> {
    this.source.poll(() => {
      const w = this.#wake;
      this.#wake = null;
      w?.();
    });
    while (!this.#stopping) {
      if (this.#readOnce() > 0) await yieldToLoop();
      else await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** One readBatch, then the batch's TCP segments through the engine. Returns the packets read. */
  #readOnce(): number {
    const n = this.source.readBatch(this.#onFrame, this.#onBatch);
    if (n > 0) this.#processBatch();
    return n;
  }

  #frame(frame: RawFrame): void {
    const local = this.#local++;
    const index = local * this.shards + this.shard;
    const c = this.#counters;
    c.packets++;
    c.bytes += frame.capturedLength;
    c.wireBytes += frame.originalLength;
    this.#tsSec[local - this.#batchStartLocal] = frame.tsSec;
    this.#tsNsec[local - this.#batchStartLocal] = frame.tsNsec;
    this.#lastTsSec = frame.tsSec;
    this.#lastTsNsec = frame.tsNsec;
    const pkt = this.#pkt;
    if (this.#decoder.decode(frame, pkt) === DecodeResult.TCP) {
      c.tcpPackets++;
      if (pkt.tunnelKind !== 0) c.tunneledPackets++;
      this.#segments.append(pkt, index, frame.tsSec, frame.tsNsec);
    }
  }

  #processBatch(): void {
    if (this.#segments.count > 0) {
      const endIndex = (this.#local - 1) * this.shards + this.shard;
      const result = this.#engine.processBatch(this.#segments.take(this.#batchNumber++, endIndex, this.#lastTsSec, this.#lastTsNsec));
      if (result.type === 'batch-done') {
        for (const t of result.transactions) this.#pending.push(this.#timed(t.completionIndex, t));
        this.#counters.transactions += result.transactions.length;
      }
    }
    this.#batchStartLocal = this.#local;
  }

  /** Adds the completing packet's capture time (the batch's last time for expiry/finish completions). */
  #timed(completionIndex: number, t: TimedTransaction | Omit<TimedTransaction, 'completionTsSec' | 'completionTsNsec'>): TimedTransaction {
    const local = (completionIndex - this.shard) / this.shards;
    const i = local - this.#batchStartLocal;
    const inBatch = Number.isInteger(local) && i >= 0 && local < this.#local;
    const timed = t as TimedTransaction;
    timed.completionTsSec = inBatch ? this.#tsSec[i]! : this.#lastTsSec;
    timed.completionTsNsec = inBatch ? this.#tsNsec[i]! : this.#lastTsNsec;
    return timed;
  }
}
