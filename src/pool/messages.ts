/**
 * Messages between the main thread and worker shards: discriminated unions
 * with a literal `type` (pg-protocol habit), so a `switch` narrows them.
 */
import type { TransactionRecord } from '../http/transaction-record.js';
import type { HttpOptions } from '../http/http-connection.js';
import type { ReassemblyOptions, ReassemblyStats } from '../reassembly/tcp-reassembler.js';

/** Everything a shard needs to build its engine; plain data (structured-cloneable). */
export interface ShardConfig {
  reassembly: ReassemblyOptions;
  http: HttpOptions;
  /** Ship header lists and body samples with each transaction (inventory, detection). */
  withDetail: boolean;
  /** How detail leaves the engine (see DetailTransport). Default `object`. */
  detailTransport?: DetailTransport;
}

/**
 * `attached`: left on the records as non-enumerable properties (engine on the
 * consumer's thread); `packed`: one ArrayBuffer per result (`ShardResult.detail`,
 * pool/detail-pack.ts), to transfer; `object`: a plain object per transaction
 * in `KeyedTransaction.detail`, structured-cloned.
 */
export type DetailTransport = 'attached' | 'packed' | 'object';

/**
 * What the worker knows of a transaction beyond its TransactionRecord: header
 * lists (capped) and decoded body samples (capped). Plain fields so they
 * survive structured clone; re-attached non-enumerably on the main thread.
 */
export interface TransactionDetail {
  requestHeaders?: [string, string][];
  responseHeaders?: [string, string][];
  requestBodySample?: Uint8Array;
  responseBodySample?: Uint8Array;
}

export type ShardTask =
  | { type: 'init'; shard: number; config: ShardConfig }
  /** `batch` is a sealed SegmentBatchWriter buffer (transferred). */
  | { type: 'batch'; shard: number; batch: ArrayBuffer }
  /** End of capture: flush every connection as of packet index/time given. */
  | { type: 'finish'; shard: number; packetIndex: number; tsSec: number; tsNsec: number };

/** A transaction with its deterministic output-order key. */
export interface KeyedTransaction {
  /** Global packet index at which the transaction completed. */
  completionIndex: number;
  /** Global packet index of the connection's first packet. */
  firstPacketIndex: number;
  record: TransactionRecord;
  detail?: TransactionDetail;
}

/** `detail`: with the `packed` transport, the detail of `transactions` (pool/detail-pack.ts; transferred). */
export type ShardResult =
  | { type: 'ready'; shard: number }
  | { type: 'batch-done'; shard: number; roundNumber: number; transactions: KeyedTransaction[]; detail?: ArrayBuffer }
  | {
      type: 'finished';
      shard: number;
      transactions: KeyedTransaction[];
      events: Record<string, number>;
      reassembly: ReassemblyStats;
      detail?: ArrayBuffer;
    };

/** Deterministic output order: completion index, then connection, then depth. */
export function compareKeyed(a: KeyedTransaction, b: KeyedTransaction): number {
  return (
    a.completionIndex - b.completionIndex ||
    a.firstPacketIndex - b.firstPacketIndex ||
    a.record.transDepth - b.record.transDepth
  );
}
