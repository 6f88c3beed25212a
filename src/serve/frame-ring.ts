/**
 * FrameRing: the stream worker's resume ring: the last `capacity` bus
 * messages as encoded frames (StreamFrame), in seq order. It mirrors the
 * main thread's FindingBus ring (same capacity, same messages, received in
 * batches), so resume is served without asking the main thread; only
 * `since` older than the ring goes to the FindingsStore (stream-session.ts).
 *
 * StreamFrame: one message, its wire JSON (a view into a transferred batch
 * buffer, kept alive by the frame) and the fields filters use; the
 * MessagePack frame and the parsed message are made on first use and cached
 * (a JSON-only audience never pays for them).
 */
import type { Severity } from '../findings/finding.js';
import type { BusChannel, BusMessage } from '../findings/finding-bus.js';
import type { CompiledFilter } from './stream-filter.js';
import { encodeMessage, type StreamEncoding } from './stream-protocol.js';
import type { BatchFrame } from './stream-worker-protocol.js';

export class StreamFrame {
  readonly seq: number;
  readonly channel: BusChannel;
  readonly severity: Severity | null;
  readonly type: string | null;
  readonly json: Buffer;
  #msgpack: Buffer | null = null;
  #message: BusMessage | null = null;

  constructor(f: BatchFrame) {
    this.seq = f.seq;
    this.channel = f.channel;
    this.severity = f.severity;
    this.type = f.type;
    this.json = f.json;
  }

  /** The parsed message (cached). */
  message(): BusMessage {
    this.#message ??= JSON.parse(this.json.toString('utf8')) as BusMessage;
    return this.#message;
  }

  /** Frame payload in `encoding` (cached). */
  bytes(encoding: StreamEncoding): Buffer {
    if (encoding === 'json') return this.json;
    this.#msgpack ??= encodeMessage(this.message(), 'msgpack') as Buffer;
    return this.#msgpack;
  }

  matches(filter: CompiledFilter): boolean {
    if (!filter.matchesHead(this.channel, this.severity, this.type)) return false;
    return !filter.needsMessage || filter.matches(this.message());
  }
}

export class FrameRing {
  readonly capacity: number;
  readonly #ring: (StreamFrame | undefined)[];
  #head = 0;
  #size = 0;
  #lastSeq = 0;
  #evictedThrough: number;

  /** `evictedThrough`: highest seq already lost before this ring started (0: none). */
  constructor(capacity: number, evictedThrough = 0) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.#ring = new Array<StreamFrame | undefined>(capacity);
    this.#evictedThrough = evictedThrough;
    this.#lastSeq = evictedThrough;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  get oldestSeq(): number | null {
    if (this.#size === 0) return null;
    return this.#ring[(this.#head - this.#size + this.capacity) % this.capacity]!.seq;
  }

  /** Highest seq no longer held (0: none lost). */
  get evictedThrough(): number {
    return this.#evictedThrough;
  }

  /** Append a frame; its seq must be above lastSeq (others are ignored, returns false). */
  push(frame: StreamFrame): boolean {
    if (!(frame.seq > this.#lastSeq)) return false;
    const old = this.#ring[this.#head];
    if (this.#size === this.capacity && old !== undefined) this.#evictedThrough = old.seq;
    else this.#size++;
    this.#ring[this.#head] = frame;
    this.#head = (this.#head + 1) % this.capacity;
    this.#lastSeq = frame.seq;
    return true;
  }

  /**
   * Frames with seq > `since`, oldest first, at most `limit`, and the gap of
   * seqs above `since` that the ring no longer holds (null: none).
   */
  since(since: number, limit: number): { frames: StreamFrame[]; gap: { from: number; to: number } | null } {
    const frames: StreamFrame[] = [];
    const gap = since < this.#evictedThrough ? { from: since + 1, to: this.#evictedThrough } : null;
    if (since >= this.#lastSeq || this.#size === 0) return { frames, gap };
    const tail = (this.#head - this.#size + this.capacity) % this.capacity;
    let lo = 0;
    let hi = this.#size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#ring[(tail + mid) % this.capacity]!.seq <= since) lo = mid + 1;
      else hi = mid;
    }
    const end = Math.min(this.#size, lo + limit);
    for (let i = lo; i < end; i++) frames.push(this.#ring[(tail + i) % this.capacity]!);
    return { frames, gap };
  }
}
