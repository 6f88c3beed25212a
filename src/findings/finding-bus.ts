/**
 * FindingBus: the one place findings and inventory-change events pass through
 * on their way to the sinks (JSONL file, stdout, WebSocket stream, HTTP API).
 *
 *   detectors ──publish(finding)──────────┐
 *   inventory ──publishInventory(event)───┼─► seq check ─► ring buffer (resume)
 *                                         └─► subscribers (synchronous, in order)
 *
 * Sequence numbers: one sensor-wide, strictly increasing `seq` space shared by
 * both channels, so `since=SEQ` resumes both. A finding keeps the `seq` its
 * producer gave it when that is above the last one published; a finding with
 * `seq` 0 gets the next number (the usual case); a finding whose
 * `seq` is not above the last (another producer or the inventory channel took
 * it) is published as a shallow copy with the next number (counted
 * `bus.seq_reassigned`). Inventory events always get the next number.
 *
 * Ring buffer: the last `ringCapacity` messages (default 10,000), for resume.
 * Each overwritten message counts `bus.ring_overwritten`; `since()` then
 * reports the explicit gap of sequence numbers it can no longer supply.
 *
 * Subscribers are called synchronously, in publish order, with the message
 * object kept in the ring (treat it as read-only). A subscriber that throws
 * is counted (`bus.subscriber_errors`) and does not stop the others.
 *
 * Continuing a stored run (`apisensor serve --inventory-db FILE`): `restore()`
 * loads the tail of that run into an empty bus without telling subscribers,
 * so `lastSeq` is the run's last seq, the ring holds its newest messages, the
 * seqs before them read as overwritten (resume takes them from the
 * FindingsStore), and the next publish continues after the run.
 */
import { EventCounter } from '../stats/event-counter.js';
import type { Finding } from './finding.js';

/** A finding as carried by the bus and the stream. */
export interface FindingMessage {
  channel: 'findings';
  seq: number;
  finding: Finding;
}

export type InventoryEventKind = 'new_endpoint' | 'new_data_class';

/** Inventory-change event: a first-seen endpoint, or a data class first seen on an endpoint. */
export interface InventoryEvent {
  event: InventoryEventKind;
  /** Packet time of the transaction that revealed it (seconds since the epoch), null when unknown. */
  ts: number | null;
  /** Endpoint identity (`EndpointStats.key`) and its parts. */
  endpoint: { key: string; host: string; method: string; pathTemplate: string };
  /** Only for `new_data_class`: kind (e.g. `email`), category (`pii`/`phi`/`secret`), location (e.g. `response.body`). */
  dataClass?: { kind: string; category: string; location: string };
}

export interface InventoryMessage extends InventoryEvent {
  channel: 'inventory';
  seq: number;
}

export type BusMessage = FindingMessage | InventoryMessage;
export type BusChannel = BusMessage['channel'];

/** Result of a resume request. */
export interface SinceResult {
  /** Messages with seq > since still in the ring, oldest first. */
  messages: BusMessage[];
  /** Sequence numbers (inclusive) that were published but are no longer held, or null. */
  gap: { from: number; to: number } | null;
}

export interface FindingBusOptions {
  /** Messages kept for resume. Default 10,000; at least 1. */
  ringCapacity?: number;
  /** Where `bus.*` events are counted. */
  events?: EventCounter;
}

export type BusListener = (message: BusMessage) => void;

export const DEFAULT_RING_CAPACITY = 10_000;

export class FindingBus {
  readonly #ring: (BusMessage | undefined)[];
  readonly #capacity: number;
  readonly #events: EventCounter;
  readonly #listeners = new Set<BusListener>();
  /** Index of the next slot to write. */
  #head = 0;
  #size = 0;
  #lastSeq = 0;
  /** Highest seq overwritten in the ring (0: none lost). */
  #evictedThrough = 0;
  #published = 0;

  constructor(options: FindingBusOptions = {}) {
    const cap = options.ringCapacity ?? DEFAULT_RING_CAPACITY;
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`ringCapacity must be a positive integer, got ${cap}`);
    this.#capacity = cap;
    this.#ring = new Array<BusMessage | undefined>(cap);
    this.#events = options.events ?? new EventCounter();
  }

  get events(): EventCounter {
    return this.#events;
  }

  /** Seq of the last message published (0 before the first). */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Smallest seq still in the ring, or null when empty. */
  get oldestSeq(): number | null {
    if (this.#size === 0) return null;
    const tail = (this.#head - this.#size + this.#capacity) % this.#capacity;
    return this.#ring[tail]!.seq;
  }

  get ringCapacity(): number {
    return this.#capacity;
  }

  /** Messages published since the bus was made (both channels). */
  get published(): number {
    return this.#published;
  }

  /**
   * Publish a finding. Returns the message as stored (its `finding.seq` equals
   * the message `seq`; the finding is a shallow copy only when the bus had to
   * renumber it).
   */
  publish(finding: Finding): FindingMessage {
    let f = finding;
    if (!(f.seq > this.#lastSeq) || !Number.isSafeInteger(f.seq)) {
      if (f.seq !== 0) this.#events.add('bus.seq_reassigned');
      f = { ...f, seq: this.#lastSeq + 1 };
    }
    const msg: FindingMessage = { channel: 'findings', seq: f.seq, finding: f };
    this.#push(msg);
    return msg;
  }

  /** Publish an inventory-change event with the next seq. */
  publishInventory(event: InventoryEvent): InventoryMessage {
    const msg: InventoryMessage = { channel: 'inventory', seq: this.#lastSeq + 1, ...event };
    this.#push(msg);
    return msg;
  }

  /**
   * Messages with seq > `since`, oldest first, and the gap of sequence numbers
   * that are above `since` but were overwritten. `since` ≥ lastSeq → nothing.
   * At most `limit` messages (default: all held); call again from the last
   * seq returned for the rest.
   */
  since(since: number, limit = Infinity): SinceResult {
    const messages: BusMessage[] = [];
    const gap = since < this.#evictedThrough ? { from: since + 1, to: this.#evictedThrough } : null;
    if (since >= this.#lastSeq || this.#size === 0) return { messages, gap };
    // Binary search the ring (seq strictly increasing from tail to head).
    const tail = (this.#head - this.#size + this.#capacity) % this.#capacity;
    let lo = 0;
    let hi = this.#size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#ring[(tail + mid) % this.#capacity]!.seq <= since) lo = mid + 1;
      else hi = mid;
    }
    const end = Math.min(this.#size, lo + limit);
    for (let i = lo; i < end; i++) messages.push(this.#ring[(tail + i) % this.#capacity]!);
    return { messages, gap };
  }

  /**
   * Load stored messages (seq strictly increasing, oldest first) into an
   * empty bus, silently: no subscriber is called, nothing counts as published
   * or overwritten. The ring keeps the newest `ringCapacity` of them; every
   * seq below the oldest kept reads as overwritten (a gap from `since()`).
   * Throws RangeError when the bus has published or restored before, or when
   * the seqs do not increase.
   */
  restore(messages: readonly BusMessage[]): void {
    if (this.#lastSeq !== 0 || this.#size !== 0) throw new RangeError('FindingBus.restore: the bus is not empty');
    if (messages.length === 0) return;
    const kept = messages.slice(Math.max(0, messages.length - this.#capacity));
    let last = 0;
    for (const m of kept) {
      if (!Number.isSafeInteger(m.seq) || !(m.seq > last)) throw new RangeError(`FindingBus.restore: seq ${m.seq} does not increase`);
      last = m.seq;
      this.#ring[this.#head] = m;
      this.#head = (this.#head + 1) % this.#capacity;
      this.#size++;
    }
    this.#evictedThrough = kept[0]!.seq - 1;
    this.#lastSeq = last;
  }

  /** Add a listener for every message published from now on. Returns the function that removes it. */
  subscribe(listener: BusListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  get subscriberCount(): number {
    return this.#listeners.size;
  }

  #push(msg: BusMessage): void {
    const old = this.#ring[this.#head];
    if (this.#size === this.#capacity && old !== undefined) {
      this.#evictedThrough = old.seq;
      this.#events.add('bus.ring_overwritten');
    } else {
      this.#size++;
    }
    this.#ring[this.#head] = msg;
    this.#head = (this.#head + 1) % this.#capacity;
    this.#lastSeq = msg.seq;
    this.#published++;
    for (const l of this.#listeners) {
      try {
        l(msg);
      } catch {
        this.#events.add('bus.subscriber_errors');
      }
    }
  }
}
