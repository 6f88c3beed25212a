/**
 * The per-shard pipeline that runs inside a worker (or inline on the main
 * thread with `--workers 0`):
 *
 *   segment batch ──► TcpReassembler ──► HttpConnection (per connection) ──► KeyedTransaction[]
 *
 * One engine owns a disjoint set of connections (flow affinity), so it needs
 * no locking. Time is packet time only: idle expiry runs at round ends with
 * the round-end packet time carried in the batch header, identical for every
 * worker count, which makes the output independent of N.
 *
 * Detail (header lists, body samples; `withDetail`) leaves the engine as
 * `config.detailTransport` says: `attached` keeps it on the records
 * (non-enumerable, same thread), `packed` adds one ArrayBuffer to each result
 * for transfer (detail-pack.ts), `object` moves it into `KeyedTransaction.detail`
 * (plain, structured-cloneable; re-attach with attachDetail).
 */
import { EventCounter } from '../stats/event-counter.js';
import { TcpReassembler } from '../reassembly/tcp-reassembler.js';
import { createHttpHandlerFactory } from '../http/http-connection.js';
import type { TransactionRecord } from '../http/transaction-record.js';
import type { PacketContext } from '../reassembly/connection-handler.js';
import { SegmentBatchReader, readBatchHeader } from './segment-batch.js';
import { packDetails } from './detail-pack.js';
import type { DetailTransport, KeyedTransaction, ShardConfig, ShardResult, TransactionDetail } from './messages.js';

export class ShardEngine {
  readonly shard: number;
  #events = new EventCounter();
  #reassembler: TcpReassembler;
  #pending: KeyedTransaction[] = [];
  #ctx: PacketContext = { tsSec: 0, tsNsec: 0, packetIndex: 0, peerAckOffset: -1 };
  readonly #transport: 'none' | DetailTransport;

  constructor(shard: number, config: ShardConfig) {
    this.shard = shard;
    const withDetail = config.withDetail;
    this.#transport = withDetail ? (config.detailTransport ?? 'object') : 'none';
    const asObject = this.#transport === 'object';
    const sink = (record: TransactionRecord, completionIndex: number): void => {
      const keyed: KeyedTransaction = { completionIndex, firstPacketIndex: Number(record.uid.slice(1)), record };
      if (asObject) keyed.detail = takeDetail(record);
      this.#pending.push(keyed);
    };
    // Without detail the HTTP layer builds no header lists and attaches no samples.
    const factory = createHttpHandlerFactory({ ...config.http, keepDetail: withDetail }, this.#events, sink);
    this.#reassembler = new TcpReassembler(factory, this.#events, config.reassembly);
  }

  /** Processes one sealed batch; the buffer may be released afterwards. */
  processBatch(batch: ArrayBuffer): ShardResult {
    const header = readBatchHeader(batch);
    const reader = new SegmentBatchReader(batch);
    const ctx = this.#ctx;
    const reassembler = this.#reassembler;
    while (reader.next()) {
      ctx.tsSec = reader.tsSec;
      ctx.tsNsec = reader.tsNsec;
      ctx.packetIndex = reader.packetIndex;
      reassembler.process(reader.packet, ctx);
    }
    ctx.tsSec = header.roundEndTsSec;
    ctx.tsNsec = header.roundEndTsNsec;
    ctx.packetIndex = header.roundEndPacketIndex;
    reassembler.expireIdle(ctx);
    const transactions = this.#takePending();
    const result: ShardResult = { type: 'batch-done', shard: this.shard, roundNumber: header.roundNumber, transactions };
    if (this.#transport === 'packed') result.detail = packDetails(transactions);
    return result;
  }

  /** End of capture: flush all connections and report counters. */
  finish(packetIndex: number, tsSec: number, tsNsec: number): ShardResult {
    const ctx = this.#ctx;
    ctx.tsSec = tsSec;
    ctx.tsNsec = tsNsec;
    ctx.packetIndex = packetIndex;
    this.#reassembler.flushAll(ctx);
    const transactions = this.#takePending();
    const result: ShardResult = {
      type: 'finished',
      shard: this.shard,
      transactions,
      events: this.#events.toJSON(),
      reassembly: this.#reassembler.stats(),
    };
    if (this.#transport === 'packed') result.detail = packDetails(transactions);
    return result;
  }

  #takePending(): KeyedTransaction[] {
    const out = this.#pending;
    this.#pending = [];
    return out;
  }
}

const DETAIL_KEYS = ['requestHeaders', 'responseHeaders', 'requestBodySample', 'responseBodySample'] as const;

/** Moves the non-enumerable detail properties into a plain, cloneable object. */
function takeDetail(record: TransactionRecord): TransactionDetail {
  const r = record as unknown as Record<string, unknown>;
  const detail: Record<string, unknown> = {};
  for (const key of DETAIL_KEYS) {
    if (r[key] !== undefined) detail[key] = r[key];
    delete r[key];
  }
  return detail as TransactionDetail;
}

/** Re-attaches detail to a record as non-enumerable properties (main thread). */
export function attachDetail(record: TransactionRecord, detail: TransactionDetail | undefined): void {
  if (!detail) return;
  for (const key of DETAIL_KEYS) {
    const value = detail[key];
    if (value !== undefined) Object.defineProperty(record, key, { value, enumerable: false, writable: true, configurable: true });
  }
}
