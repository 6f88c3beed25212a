/**
 * StreamSession: one connected stream client (inside the stream worker): its
 * filter, its encoding, and its cursor into the sensor's sequence space.
 *
 *   connect(since?) ─► hello ─► catching up: older than the ring ─► pages from
 *   the FindingsStore (via the main thread), or a `gap` message without one;
 *   then from the ring in chunks of ~`chunkBytes`, the next chunk when the
 *   last write completed (never more than one chunk waiting in memory)
 *   ─► live: each slice the server fans out is written at once, pre-framed
 *   and shared with every session of the same audience (wire-batch.ts).
 *
 * No loss, no duplicate: the cursor is the last seq handled (sent, or not
 * matching the filter); a live session advances it on every slice delivered
 * and skips frames at or below it; a catching-up session ignores slices (the ring has
 * them) and becomes live in the same synchronous step in which it reaches
 * the ring's lastSeq.
 *
 * Backpressure: a live session whose `bufferedAmount` (bytes accepted by
 * `send` but not yet written to the kernel) exceeds `maxBufferedBytes` at
 * the start of a fan-out slice (`checkBacklog`) is closed with 4008 (slow
 * consumer) and terminated `slowCloseGraceMs` later; the producer never
 * waits on it. A session holds at most the cap plus one slice.
 */
import type { WebSocket } from 'ws';
import type { FrameRing, StreamFrame } from './frame-ring.js';
import { compileFilter, validateFilter, type CompiledFilter, type StreamFilter } from './stream-filter.js';
import type { WireBatch } from './wire-batch.js';
import {
  CLOSE_SLOW_CONSUMER, decodeMessage, encodeMessage, type ControlMessage, type StreamEncoding,
} from './stream-protocol.js';

/**
 * Reads messages older than the ring: frames with `after` < seq ≤ `upTo`
 * (oldest first, a bounded page) and the part of that range known lost.
 */
export type StoreReader = (after: number, upTo: number) => Promise<{ frames: StreamFrame[]; gap: { from: number; to: number } | null }>;

export interface StreamSessionOptions {
  maxBufferedBytes: number;
  slowCloseGraceMs: number;
  /** Bytes sent per catch-up step. Default 256 KiB. */
  chunkBytes?: number;
  /** Called once when the session is cut off for being slow; the close follows when `then` is called. */
  onSlow: (then: () => void) => void;
  /** Called for each bad client message (counted by the server). */
  onBadMessage: () => void;
  /** Resume source beyond the ring; null: a gap message instead. */
  store: StoreReader | null;
}

export function toFrame(msg: unknown, encoding: StreamEncoding): Buffer {
  const e = encodeMessage(msg, encoding);
  return typeof e === 'string' ? Buffer.from(e, 'utf8') : e;
}

export class StreamSession {
  readonly ws: WebSocket;
  readonly encoding: StreamEncoding;
  /** Token name of the client (`anonymous` without auth). */
  readonly principal: string;
  readonly expiresAtMs: number | null;
  /** Heartbeat: a pong arrived since the last ping. */
  alive = true;
  readonly #ring: FrameRing;
  readonly #opts: StreamSessionOptions;
  readonly #chunkBytes: number;
  readonly #binary: boolean;
  #filter: CompiledFilter;
  #cursor = 0;
  #filterKey: string;
  #live = false;
  #pumping = false;
  #closing = false;

  constructor(ws: WebSocket, ring: FrameRing, init: {
    encoding: StreamEncoding; principal: string; expiresAtMs: number | null; filter: StreamFilter;
  }, options: StreamSessionOptions) {
    this.ws = ws;
    this.#ring = ring;
    this.encoding = init.encoding;
    this.#binary = init.encoding === 'msgpack';
    this.principal = init.principal;
    this.expiresAtMs = init.expiresAtMs;
    this.#filter = compileFilter(init.filter);
    this.#filterKey = JSON.stringify(this.#filter.spec);
    this.#opts = options;
    this.#chunkBytes = options.chunkBytes ?? 256 * 1024;
    ws.on('message', (data, isBinary) => this.#onMessage(data as Buffer, isBinary));
  }

  get cursor(): number {
    return this.#cursor;
  }

  get closing(): boolean {
    return this.#closing;
  }

  /** Send hello, then either resume after `since` or go live from now. */
  start(since: number | null): void {
    this.#sendControl({
      channel: 'control', type: 'hello', version: 1, encoding: this.encoding, lastSeq: this.#ring.lastSeq,
      oldestSeq: this.#ring.oldestSeq, ringCapacity: this.#ring.capacity, filter: this.#filter.spec,
    });
    this.#resumeFrom(since);
  }

  /**
   * Fan-out, before each slice of frames: a live session with more than
   * `maxBufferedBytes` still unsent from earlier slices is cut off (4008).
   * Returns false when it was.
   */
  checkBacklog(): boolean {
    if (!this.#live || this.#closing) return true;
    if (this.ws.bufferedAmount <= this.#opts.maxBufferedBytes) return true;
    this.#cutSlow();
    return false;
  }

  /** True while the session follows the fan-out (caught up, not closing). */
  get live(): boolean {
    return this.#live && !this.#closing;
  }

  get filter(): CompiledFilter {
    return this.#filter;
  }

  /**
   * Sessions with equal keys receive identical bytes from a fan-out slice:
   * same encoding, same cursor, same filter.
   */
  get audienceKey(): string {
    return `${this.encoding}|${this.#cursor}|${this.#filterKey}`;
  }

  /**
   * Fan-out entry for one slice: `batch` holds, already framed, the slice's
   * frames above this session's cursor that its filter matches (built once
   * per audience, shared by its sessions; see wire-batch.ts); `lastSeq` is
   * the slice's last seq, which becomes the cursor whether or not anything
   * matched. The bytes go to the socket in one write (ws frames nothing
   * itself on a connection without permessage-deflate, so writes of ours
   * and of `ws.send` keep their order). Returns the messages written.
   */
  deliver(batch: WireBatch, lastSeq: number): number {
    if (!this.#live || this.#closing || lastSeq <= this.#cursor) return 0;
    this.#cursor = lastSeq;
    if (batch.messages === 0 || this.ws.readyState !== this.ws.OPEN) return 0;
    // ws exposes no public accessor for its socket; `_socket` is stable across ws 8.x.
    const sock = (this.ws as unknown as { _socket?: { write(b: Buffer): boolean } })._socket;
    if (!sock) return 0;
    sock.write(batch.bytes);
    return batch.messages;
  }

  #resumeFrom(since: number | null): void {
    if (since === null) {
      this.#cursor = this.#ring.lastSeq;
      this.#live = true;
      return;
    }
    this.#cursor = since;
    this.#live = false;
    if (!this.#pumping) this.#pump();
  }

  #sendFrame(f: StreamFrame, done?: () => void): number {
    const bytes = f.bytes(this.encoding);
    if (done) this.ws.send(bytes, { binary: this.#binary }, () => done());
    else this.ws.send(bytes, { binary: this.#binary });
    return bytes.length;
  }

  /** Send what follows the cursor, one chunk at a time; go live when caught up. */
  #pump(): void {
    this.#pumping = true;
    for (;;) {
      if (this.#closing || this.ws.readyState !== this.ws.OPEN) {
        this.#pumping = false;
        return;
      }
      if (this.#opts.store !== null && this.#cursor < this.#ring.evictedThrough) {
        this.#pumpStore(this.#opts.store, this.#ring.evictedThrough);
        return;
      }
      const { frames, gap } = this.#ring.since(this.#cursor, 1024);
      if (gap) {
        this.#sendControl({ channel: 'control', type: 'gap', from: gap.from, to: gap.to });
        this.#cursor = gap.to;
      }
      if (frames.length === 0) {
        this.#live = true;
        this.#pumping = false;
        return;
      }
      let bytes = 0;
      for (const f of frames) {
        this.#cursor = f.seq;
        if (!f.matches(this.#filter)) continue;
        if (bytes + f.bytes(this.encoding).length >= this.#chunkBytes) {
          // Continue once this write has reached the socket.
          this.#sendFrame(f, () => this.#pump());
          return;
        }
        bytes += this.#sendFrame(f);
      }
    }
  }

  /** One page from the store (asynchronous), then back to `#pump`. */
  #pumpStore(store: StoreReader, upTo: number): void {
    const after = this.#cursor;
    store(after, upTo).then(({ frames, gap }) => {
      if (this.#closing || this.ws.readyState !== this.ws.OPEN) {
        this.#pumping = false;
        return;
      }
      // A subscribe message moved the cursor meanwhile: start over from it.
      if (this.#cursor !== after) {
        this.#pump();
        return;
      }
      if (gap) {
        this.#sendControl({ channel: 'control', type: 'gap', from: gap.from, to: gap.to });
        this.#cursor = Math.max(this.#cursor, gap.to);
      }
      const send: StreamFrame[] = [];
      for (const f of frames) {
        if (f.seq <= this.#cursor) continue;
        this.#cursor = f.seq;
        if (f.matches(this.#filter)) send.push(f);
      }
      // Nothing stored in the range (nor known lost): skip it rather than ask again.
      if (frames.length === 0 && !gap) this.#cursor = upTo;
      if (send.length === 0) {
        this.#pump();
        return;
      }
      for (let i = 0; i < send.length - 1; i++) this.#sendFrame(send[i]!);
      this.#sendFrame(send[send.length - 1]!, () => this.#pump());
    }, () => {
      // Only on shutdown (the main thread answers store errors with a gap).
      this.#pumping = false;
    });
  }

  #cutSlow(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#opts.onSlow(() => {
      this.ws.close(CLOSE_SLOW_CONSUMER, `slow consumer: more than ${this.#opts.maxBufferedBytes} bytes waiting`);
      setTimeout(() => this.ws.terminate(), this.#opts.slowCloseGraceMs).unref();
    });
  }

  /** Mark closing (server shutdown, expiry) so no more messages are queued. */
  markClosing(): void {
    this.#closing = true;
  }

  #sendControl(msg: ControlMessage): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(toFrame(msg, this.encoding), { binary: this.#binary });
  }

  #error(code: string, message: string): void {
    this.#opts.onBadMessage();
    this.#sendControl({ channel: 'control', type: 'error', code, message });
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (this.#closing) return;
    let msg: unknown;
    try {
      msg = decodeMessage(data, isBinary ? 'msgpack' : 'json');
    } catch {
      this.#error('ERR_BAD_MESSAGE', `not a ${isBinary ? 'MessagePack' : 'JSON'} message`);
      return;
    }
    const r = msg as Record<string, unknown> | null;
    if (typeof r !== 'object' || r === null || r.type !== 'subscribe') {
      this.#error('ERR_BAD_MESSAGE', 'expected {"type":"subscribe", "filter"?: {...}, "since"?: seq}');
      return;
    }
    if (r.since !== undefined && (!Number.isSafeInteger(r.since) || (r.since as number) < 0)) {
      this.#error('ERR_BAD_MESSAGE', 'since: expected an integer ≥ 0');
      return;
    }
    try {
      this.#filter = compileFilter(validateFilter(r.filter));
      this.#filterKey = JSON.stringify(this.#filter.spec);
    } catch (err) {
      this.#error((err as { code?: string }).code ?? 'ERR_BAD_FILTER', (err as Error).message);
      return;
    }
    this.#sendControl({ channel: 'control', type: 'subscribed', filter: this.#filter.spec, lastSeq: this.#ring.lastSeq });
    if (r.since !== undefined) this.#resumeFrom(r.since as number);
  }
}
