/**
 * Capture health of a live run: packet drops over time, from LiveSource
 * statistics sampled on a wall-clock tick and cut into fixed windows.
 *
 * Kernel drops (`droppedKernel`: the capture ring was full, i.e. apisensor
 * did not keep up) are rated against `received` (packets that passed the
 * filter, dropped ones included). Interface drops count every packet the
 * NIC/driver lost, filtered or not, so they are reported beside the rate, not in it.
 */
import type { LiveCaptureStats } from './live-source.js';

/** One window of the health series. Times are wall-clock ms since the Unix epoch. */
export interface CaptureHealthWindow {
  startMs: number;
  endMs: number;
  received: number;
  delivered: number;
  droppedKernel: number;
  droppedInterface: number;
  /** droppedKernel / received in this window; 0 when nothing was received. */
  dropRate: number;
}

/** Run totals and the window series, as reported in the run summary (`capture`). */
export interface CaptureHealth {
  interface: string;
  filter: string | null;
  linkType: number;
  snaplen: number;
  /** True when timestamps are nanosecond-precise. */
  nanosecond: boolean;
  startMs: number;
  endMs: number;
  received: number;
  delivered: number;
  droppedKernel: number;
  droppedInterface: number;
  /**
   * received − delivered − droppedKernel at close: packets the kernel counted
   * but apisensor did not read: still in the ring at close, or discarded by
   * libpcap in user space (on loopback, the outgoing copy of every packet).
   */
  unread: number;
  /** droppedKernel / received over the run; 0 when nothing was received. */
  dropRate: number;
  /** Highest window dropRate. */
  peakDropRate: number;
  /** Windows with at least one kernel or interface drop. */
  windowsWithDrops: number;
  windowMs: number;
  /** Most recent windows, oldest first (at most maxWindows). */
  windows: CaptureHealthWindow[];
  /** Oldest windows discarded because maxWindows was reached. */
  windowsDiscarded: number;
  /** Packets cut short by a full batch buffer (expected 0). */
  batchTruncated: number;
}

/**
 * One health tick of a live run (CaptureHealthTracker.sample), handed to
 * `onHealth`. Counters are cumulative since the capture opened; `delta` is
 * the change since the previous sample (never negative).
 */
export interface CaptureHealthSample {
  /**
   * Wall-clock time of the sample, seconds since the Unix epoch (ms / 1000).
   * Live packet timestamps are wall clock too, so this is the packet-time
   * base of the run: drops in `delta` happened at or before `tsSec` (after
   * the previous sample).
   */
  tsSec: number;
  received: number;
  delivered: number;
  droppedKernel: number;
  droppedInterface: number;
  delta: { received: number; droppedKernel: number; droppedInterface: number };
  /** droppedKernel / received in the window open at this sample (so far); 0 when nothing was received. */
  windowDropRate: number;
  /** True for the last sample of the run (taken after the capture closed). */
  final: boolean;
}

export interface CaptureHealthOptions {
  /** Window length, ms. Default 10,000. */
  windowMs?: number;
  /** Windows kept (oldest dropped first, counted in windowsDiscarded). Default 8640 (24 h of 10 s). */
  maxWindows?: number;
}

const ZERO: LiveCaptureStats = { received: 0, droppedKernel: 0, droppedInterface: 0, delivered: 0, deliveredBytes: 0, batchTruncated: 0 };

const rate = (dropped: number, received: number): number => (received > 0 ? dropped / received : 0);

export class CaptureHealthTracker {
  readonly windowMs: number;
  readonly maxWindows: number;
  #startMs: number;
  #windowStartMs: number;
  #windowBase: LiveCaptureStats = ZERO;
  #latest: LiveCaptureStats = ZERO;
  /** Stats of the previous sample (base of the next sample's delta). */
  #previous: LiveCaptureStats = ZERO;
  #windows: CaptureHealthWindow[] = [];
  #discarded = 0;
  #withDrops = 0;
  #peak = 0;

  constructor(nowMs: number, options: CaptureHealthOptions = {}) {
    this.windowMs = options.windowMs ?? 10_000;
    this.maxWindows = options.maxWindows ?? 8640;
    this.#startMs = nowMs;
    this.#windowStartMs = nowMs;
  }

  /**
   * Records cumulative stats at `nowMs` (wall clock, ms) and returns the tick
   * (a new object; `final` marks the run's last sample, taken just before
   * `finish`). Closes the window when it is due.
   */
  sample(stats: LiveCaptureStats, nowMs: number, final = false): CaptureHealthSample {
    const p = this.#previous;
    const w = this.#windowBase;
    this.#previous = stats;
    this.#latest = stats;
    const out: CaptureHealthSample = {
      tsSec: nowMs / 1000,
      received: stats.received,
      delivered: stats.delivered,
      droppedKernel: stats.droppedKernel,
      droppedInterface: stats.droppedInterface,
      delta: {
        received: Math.max(0, stats.received - p.received),
        droppedKernel: Math.max(0, stats.droppedKernel - p.droppedKernel),
        droppedInterface: Math.max(0, stats.droppedInterface - p.droppedInterface),
      },
      windowDropRate: rate(stats.droppedKernel - w.droppedKernel, stats.received - w.received),
      final,
    };
    if (nowMs - this.#windowStartMs >= this.windowMs) this.#closeWindow(nowMs);
    return out;
  }

  /** Closes the last (partial) window and returns the run's health. */
  finish(stats: LiveCaptureStats, nowMs: number, meta: Pick<CaptureHealth, 'interface' | 'filter' | 'linkType' | 'snaplen' | 'nanosecond'>): CaptureHealth {
    this.#latest = stats;
    if (nowMs > this.#windowStartMs || this.#windows.length === 0) this.#closeWindow(nowMs);
    return {
      ...meta,
      startMs: this.#startMs,
      endMs: nowMs,
      received: stats.received,
      delivered: stats.delivered,
      droppedKernel: stats.droppedKernel,
      droppedInterface: stats.droppedInterface,
      unread: Math.max(0, stats.received - stats.delivered - stats.droppedKernel),
      dropRate: rate(stats.droppedKernel, stats.received),
      peakDropRate: this.#peak,
      windowsWithDrops: this.#withDrops,
      windowMs: this.windowMs,
      windows: this.#windows.slice(),
      windowsDiscarded: this.#discarded,
      batchTruncated: stats.batchTruncated,
    };
  }

  #closeWindow(nowMs: number): void {
    const a = this.#windowBase;
    const b = this.#latest;
    const w: CaptureHealthWindow = {
      startMs: this.#windowStartMs,
      endMs: nowMs,
      received: b.received - a.received,
      delivered: b.delivered - a.delivered,
      droppedKernel: b.droppedKernel - a.droppedKernel,
      droppedInterface: b.droppedInterface - a.droppedInterface,
      dropRate: rate(b.droppedKernel - a.droppedKernel, b.received - a.received),
    };
    if (w.droppedKernel > 0 || w.droppedInterface > 0) this.#withDrops++;
    this.#peak = Math.max(this.#peak, w.dropRate);
    this.#windows.push(w);
    if (this.#windows.length > this.maxWindows) {
      this.#windows.shift();
      this.#discarded++;
    }
    this.#windowBase = b;
    this.#windowStartMs = nowMs;
  }
}
