/**
 * StreamSession: one connected stream client: its filter, its encoding, and
 * its cursor into the bus's sequence space.
 *
 *   connect(since?) ─► hello ─► catching up: pump from the ring in chunks of
 *   ~`chunkBytes`, the next chunk when the last write completed (never more
 *   than one chunk waiting in memory); a `gap` message when the ring no longer
 *   holds what follows the cursor ─► live: each published message is offered
 *   by the server's fan-out and sent at once.
 *
 * No loss, no duplicate: the cursor is the last seq handled (sent, or not
 * matching the filter); a live session advances it on every offer; a
 * catching-up session ignores offers (the ring has them) and becomes live in
 * the same synchronous step in which it reaches `bus.lastSeq`.
 *
 * Backpressure: a live session whose `bufferedAmount` (bytes accepted by
 * `send` but not yet written to the kernel) exceeds `maxBufferedBytes` is
 * closed with 4008 (slow consumer) and terminated `slowCloseGraceMs` later;
 * the producer never waits on it.
 */
import type { WebSocket } from 'ws';
import type { BusMessage, FindingBus } from '../findings/finding-bus.js';
import { compileFilter, validateFilter, type CompiledFilter, type StreamFilter } from './stream-filter.js';
import {
  CLOSE_SLOW_CONSUMER, decodeMessage, encodeMessage, type ControlMessage, type StreamEncoding,
} from './stream-protocol.js';

export interface StreamSessionOptions {
  maxBufferedBytes: number;
  slowCloseGraceMs: number;
  /** Bytes sent per catch-up step. Default 256 KiB. */
  chunkBytes?: number;
  /** Called once when the session is cut off for being slow. */
  onSlow: () => void;
  /** Called for each bad client message (counted by the server). */
  onBadMessage: () => void;
}

/** Encoded form of a message, computed at most once per encoding per message by the fan-out. */
export type EncodedMessage = (encoding: StreamEncoding) => Buffer;

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
  readonly #bus: FindingBus;
  readonly #opts: StreamSessionOptions;
  readonly #chunkBytes: number;
  #filter: CompiledFilter;
  #cursor = 0;
  #live = false;
  #pumping = false;
  #closing = false;
  #corked = false;

  constructor(ws: WebSocket, bus: FindingBus, init: {
    encoding: StreamEncoding; principal: string; expiresAtMs: number | null; filter: StreamFilter;
  }, options: StreamSessionOptions) {
    this.ws = ws;
    this.#bus = bus;
    this.encoding = init.encoding;
    this.principal = init.principal;
    this.expiresAtMs = init.expiresAtMs;
    this.#filter = compileFilter(init.filter);
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
      channel: 'control', type: 'hello', version: 1, encoding: this.encoding, lastSeq: this.#bus.lastSeq,
      oldestSeq: this.#bus.oldestSeq, ringCapacity: this.#bus.ringCapacity, filter: this.#filter.spec,
    });
    this.#resumeFrom(since);
  }

  /** Fan-out entry: a message just published. Returns true when it was sent. */
  offer(msg: BusMessage, encoded: EncodedMessage): boolean {
    if (!this.#live || this.#closing) return false;
    this.#cursor = msg.seq;
    if (!this.#filter.matches(msg)) return false;
    if (this.ws.bufferedAmount > this.#opts.maxBufferedBytes) {
      this.#cutSlow();
      return false;
    }
    this.#cork();
    this.ws.send(encoded(this.encoding), { binary: this.encoding === 'msgpack' });
    return true;
  }

  /**
   * Cork the TCP socket until the end of the current synchronous burst
   * (process.nextTick), so a producer publishing many findings in one turn
   * costs one writev per client instead of one write per message. ws exposes
   * no public accessor for its socket; `_socket` is stable across ws 8.x.
   */
  #cork(): void {
    if (this.#corked) return;
    const sock = (this.ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    if (!sock) return;
    this.#corked = true;
    sock.cork();
    process.nextTick(() => {
      this.#corked = false;
      sock.uncork();
    });
  }

  #resumeFrom(since: number | null): void {
    if (since === null) {
      this.#cursor = this.#bus.lastSeq;
      this.#live = true;
      return;
    }
    this.#cursor = since;
    this.#live = false;
    if (!this.#pumping) this.#pump();
  }

  /** Send ring messages after the cursor, one chunk at a time; go live when caught up. */
  #pump(): void {
    this.#pumping = true;
    for (;;) {
      if (this.#closing || this.ws.readyState !== this.ws.OPEN) {
        this.#pumping = false;
        return;
      }
      const { messages, gap } = this.#bus.since(this.#cursor, 1024);
      if (gap) {
        this.#sendControl({ channel: 'control', type: 'gap', from: gap.from, to: gap.to });
        this.#cursor = gap.to;
      }
      if (messages.length === 0) {
        this.#live = true;
        this.#pumping = false;
        return;
      }
      let bytes = 0;
      for (const m of messages) {
        this.#cursor = m.seq;
        if (!this.#filter.matches(m)) continue;
        const frame = toFrame(m, this.encoding);
        bytes += frame.length;
        if (bytes >= this.#chunkBytes) {
          // Continue once this write has reached the socket.
          this.ws.send(frame, { binary: this.encoding === 'msgpack' }, () => this.#pump());
          return;
        }
        this.ws.send(frame, { binary: this.encoding === 'msgpack' });
      }
    }
  }

  #cutSlow(): void {
    this.#closing = true;
    this.#opts.onSlow();
    this.ws.close(CLOSE_SLOW_CONSUMER, `slow consumer: more than ${this.#opts.maxBufferedBytes} bytes waiting`);
    setTimeout(() => this.ws.terminate(), this.#opts.slowCloseGraceMs).unref();
  }

  /** Mark closing (server shutdown, expiry) so no more messages are queued. */
  markClosing(): void {
    this.#closing = true;
  }

  #sendControl(msg: ControlMessage): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(toFrame(msg, this.encoding), { binary: this.encoding === 'msgpack' });
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
    } catch (err) {
      this.#error((err as { code?: string }).code ?? 'ERR_BAD_FILTER', (err as Error).message);
      return;
    }
    this.#sendControl({ channel: 'control', type: 'subscribed', filter: this.#filter.spec, lastSeq: this.#bus.lastSeq });
    if (r.since !== undefined) this.#resumeFrom(r.since as number);
  }
}
