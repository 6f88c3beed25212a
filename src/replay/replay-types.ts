import type { TransactionRecord } from '../http/transaction-record.js';

/** Options of a replay run; every cap has a finite default (see README, "Caps"). */
export interface ReplayOptions {
  /** Worker threads; 0 runs the whole pipeline on the calling thread. Default: cores - 1, at least 1. */
  workers?: number;
  /** Called once per transaction, in the deterministic output order. */
  onTransaction?: (record: TransactionRecord) => void;
  /** Keep every transaction in `ReplayResult.transactions` (tests, small captures). Default false. */
  collect?: boolean;
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
  bytes: number;
  /** Packets that were TCP and reached reassembly. */
  tcpPackets: number;
  flows: number;
  transactions: number;
  /** Decode, reassembly and HTTP events by name (sorted). */
  events: Record<string, number>;
  gaps: number;
  gapBytes: number;
  flowsEvicted: number;
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
