import type { TransactionRecord } from '../http/transaction-record.js';
import type { DecoderOptions } from '../decode/packet-decoder.js';
import type { ReassemblyOptions } from '../reassembly/tcp-reassembler.js';
import type { HttpOptions } from '../http/http-connection.js';

/** Options of a replay run; every cap has a finite default (see README, "Caps"). */
export interface ReplayOptions {
  /** Worker threads; 0 runs the whole pipeline on the calling thread. Default: cores - 1, at least 1. */
  workers?: number;
  /** Called once per transaction, in the deterministic output order. */
  onTransaction?: (record: TransactionRecord) => void;
  /** Keep every transaction in `ReplayResult.transactions` (tests, small captures). Default false. */
  collect?: boolean;
  /**
   * Attach header lists and decoded body samples to each record passed to
   * `onTransaction` (non-enumerable `requestHeaders`, `responseHeaders`,
   * `requestBodySample`, `responseBodySample`), for inventory and detection.
   * Costs a copy across threads; default false.
   */
  withDetail?: boolean;
  /** Decoder caps and tunnel ports (IP fragment table...). */
  decode?: DecoderOptions;
  /** TCP reassembly caps and timeouts, per worker shard. */
  reassembly?: ReassemblyOptions;
  /** HTTP parsing caps (header bytes, body sample bytes, pending requests). */
  http?: HttpOptions;
}

/** Counter with its cap, as reported in the summary. */
export interface CappedCounter {
  value: number;
  cap: number;
  capHits: number;
}

export interface ReplaySummary {
  files: string[];
  packets: number;
  /** Captured bytes (sum of frame captured lengths). */
  bytes: number;
  /** Bytes on the wire (sum of frame original lengths). */
  wireBytes: number;
  /** Packets that were TCP and reached reassembly. */
  tcpPackets: number;
  flows: number;
  transactions: number;
  /** Decode, reassembly and HTTP events by name (sorted). */
  events: Record<string, number>;
  gaps: number;
  gapBytes: number;
  flowsEvicted: number;
  /** Connections picked up without their handshake. */
  midstreamFlows: number;
  /** Every capped table / buffer: current peak value, cap, and how often the cap was hit. */
  caps: Record<string, CappedCounter>;
  /** Whole-run time measured on the wall clock (not part of deterministic output). */
  elapsedMs: number;
}

export interface ReplayResult {
  summary: ReplaySummary;
  /** Filled only with `collect: true`. */
  transactions: TransactionRecord[];
  /** Set when a capture file was damaged: processing stopped there. */
  error?: Error;
}
