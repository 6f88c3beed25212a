import { UsageError } from '../errors.js';
import type { EventCounter } from '../stats/event-counter.js';

/** Reassembly caps and timeouts. Every field has a finite default; validated once, then frozen. */
export interface ReassemblyOptions {
  /** Open + closed-tombstone connections per reassembler; beyond it the least-recently-active is evicted. Default 262144. */
  maxConnections?: number;
  /** Out-of-order bytes buffered per direction; beyond it the first hole becomes a gap. Default 1 MiB. */
  maxBufferedBytesPerDirection?: number;
  /** Out-of-order bytes buffered across all connections of this reassembler. Default 256 MiB. */
  maxBufferedBytesTotal?: number;
  /** Out-of-order segments buffered per direction. Default 4096. */
  maxBufferedSegmentsPerDirection?: number;
  /** Close a connection after this many seconds of packet time without a packet (Zeek's tcp_inactivity_timeout). Default 300. */
  idleTimeoutSec?: number;
  /** Keep a FIN/RST-closed connection this many seconds to absorb late retransmissions. Default 5. */
  closedTimeoutSec?: number;
}

export const REASSEMBLY_DEFAULTS: Readonly<Required<ReassemblyOptions>> = Object.freeze({
  maxConnections: 262_144,
  maxBufferedBytesPerDirection: 1024 * 1024,
  maxBufferedBytesTotal: 256 * 1024 * 1024,
  maxBufferedSegmentsPerDirection: 4096,
  idleTimeoutSec: 300,
  closedTimeoutSec: 5,
});

/** Names used in `capHits` (one per cap option). */
export type ReassemblyCap =
  | 'maxConnections'
  | 'maxBufferedBytesPerDirection'
  | 'maxBufferedBytesTotal'
  | 'maxBufferedSegmentsPerDirection';

/**
 * Fill defaults and validate.
 * @throws UsageError (code ERR_USAGE) when a value is not a positive finite number
 *   (integers for counts and byte sizes; `closedTimeoutSec` may be 0).
 */
export function resolveReassemblyOptions(options: ReassemblyOptions = {}): Readonly<Required<ReassemblyOptions>> {
  const out = { ...REASSEMBLY_DEFAULTS };
  for (const key of Object.keys(REASSEMBLY_DEFAULTS) as (keyof ReassemblyOptions)[]) {
    const v = options[key];
    if (v === undefined) continue;
    const isTime = key === 'idleTimeoutSec' || key === 'closedTimeoutSec';
    const min = key === 'closedTimeoutSec' ? 0 : isTime ? Number.MIN_VALUE : 1;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (!isTime && !Number.isInteger(v))) {
      throw new UsageError(`reassembly option ${key} must be a ${isTime ? 'non-negative number of seconds' : 'positive integer'}, got ${String(v)}`);
    }
    out[key] = v;
  }
  return Object.freeze(out);
}

/**
 * State shared by every stream of one reassembler: the frozen options, the
 * event counter, the total-buffer memory cap and the gap/retransmission
 * counters (Suricata's stream memcap habit: caps are named, counted checks).
 */
export class ReassemblyBudget {
  readonly options: Readonly<Required<ReassemblyOptions>>;
  readonly events: EventCounter;
  /** Out-of-order bytes currently buffered across all streams. */
  bufferedBytes = 0;
  bufferedBytesPeak = 0;
  /** Most out-of-order bytes / segments one direction held at once. */
  directionBytesPeak = 0;
  directionSegmentsPeak = 0;
  gaps = 0;
  gapBytes = 0;
  /** Segments wholly or partly made of bytes already delivered or buffered. */
  retransmittedSegments = 0;
  /** Overlaps whose bytes differed from the first copy (event `tcp.overlap_inconsistent`). */
  inconsistentOverlaps = 0;
  keepAliveProbes = 0;
  zeroWindowProbes = 0;
  readonly capHits: Record<ReassemblyCap, number> = {
    maxConnections: 0,
    maxBufferedBytesPerDirection: 0,
    maxBufferedBytesTotal: 0,
    maxBufferedSegmentsPerDirection: 0,
  };

  constructor(options: Readonly<Required<ReassemblyOptions>>, events: EventCounter) {
    this.options = options;
    this.events = events;
  }

  /** True when buffering `n` more bytes stays within `maxBufferedBytesTotal`. */
  totalFits(n: number): boolean {
    return this.bufferedBytes + n <= this.options.maxBufferedBytesTotal;
  }

  reserve(n: number): void {
    this.bufferedBytes += n;
    if (this.bufferedBytes > this.bufferedBytesPeak) this.bufferedBytesPeak = this.bufferedBytes;
  }

  release(n: number): void {
    this.bufferedBytes -= n;
  }

  /** Record one direction's buffer size after it grew. */
  noteDirection(bytes: number, segments: number): void {
    if (bytes > this.directionBytesPeak) this.directionBytesPeak = bytes;
    if (segments > this.directionSegmentsPeak) this.directionSegmentsPeak = segments;
  }

  /** Count one hit of cap `name`. */
  capHit(name: ReassemblyCap): void {
    this.capHits[name]++;
  }
}
