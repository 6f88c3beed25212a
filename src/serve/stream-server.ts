/**
 * StreamServer: the findings stream at `/v1/stream` (protocol in
 * stream-protocol.ts), on top of `ws` in `noServer` mode so every check runs
 * before the handshake is answered. Runs in the stream worker
 * (stream-host.ts), fed frame batches from the main thread.
 *
 *   HTTP upgrade ─► token (401) ─► origin (403) ─► max clients (503)
 *                ─► filter + since from the query (400) ─► ws handshake
 *                ─► StreamSession (hello, resume, live)
 *   batch of frames ─► FrameRing ─► fan-out in slices: framed once per audience
 *   (encoding + filter + cursor), one shared Buffer written to each session
 *
 * Events and metrics go through a StreamReporter (the worker posts them to
 * the main thread's EventCounter and MetricsRegistry):
 * refused upgrades are counted (`stream.rejected_auth_missing`,
 * `stream.rejected_auth_invalid`, `stream.rejected_auth_expired`,
 * `stream.rejected_origin`, `stream.rejected_max_clients`,
 * `stream.rejected_bad_request`) and in the metric
 * `apisensor_stream_rejected_total{reason}`. Server-side disconnects:
 * `stream.slow_consumer` (4008), `stream.heartbeat_timeout` (no pong within
 * one ping interval: terminated), `stream.token_expired` (4001);
 * `stream.bad_messages` for client messages refused.
 *
 * Heartbeat: every `pingIntervalMs` each client is pinged; one that did not
 * answer the previous ping is terminated. Token expiry of connected clients is
 * checked on the same tick.
 * Shutdown (`close`): no new upgrades; every client gets close 1001 with the
 * reason; clients still open after `closeTimeoutMs` are terminated.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { StreamFrame, type FrameRing } from './frame-ring.js';
import { refuseUpgrade, type HttpErrorCode } from './http-errors.js';
import type { RequestGuard } from './request-guard.js';
import { parseFilterQuery, type StreamFilter } from './stream-filter.js';
import {
  CLOSE_GOING_AWAY, CLOSE_TOKEN_EXPIRED, SUBPROTOCOL_MSGPACK, selectSubprotocol, type StreamEncoding,
} from './stream-protocol.js';
import { StreamSession, type StoreReader } from './stream-session.js';
import type { BatchFrame, CountMetric } from './stream-worker-protocol.js';
import { buildWireBatch, type WireBatch } from './wire-batch.js';

/** Where the stream reports what it counts (the worker forwards to the main thread). */
export interface StreamReporter {
  /**
   * One event (`stream.*`), and the labelled metric it also advances. With
   * `then`: called once the count is visible on the main thread, so a client
   * never sees a refusal or disconnect before it is counted.
   */
  count(event: string, metric: CountMetric, reason: string, then?: () => void): void;
  clients(count: number): void;
  sent(count: number): void;
}

export interface StreamServerOptions {
  /** Connected clients at most. Default 100. */
  maxClients?: number;
  /** Bytes waiting to be sent to one client before it is cut off (4008). Default 4 MiB. */
  maxBufferedBytes?: number;
  /** Ping interval, ms. Default 30,000. */
  pingIntervalMs?: number;
  /** Largest client message, bytes (ws closes with 1009 past it). Default 64 KiB. */
  maxClientMessageBytes?: number;
  /**
   * Time a slow client gets, after the 4008 close was queued behind its
   * unsent data, before it is terminated, ms. Default 5,000 (ws itself ends
   * any closing handshake after 30 s).
   */
  slowCloseGraceMs?: number;
  /** Time `close()` waits for clients to finish the close handshake, ms. Default 2,000. */
  closeTimeoutMs?: number;
}

export const STREAM_DEFAULTS: Readonly<Required<StreamServerOptions>> = Object.freeze({
  maxClients: 100,
  maxBufferedBytes: 4 * 1024 * 1024,
  pingIntervalMs: 30_000,
  maxClientMessageBytes: 64 * 1024,
  slowCloseGraceMs: 5_000,
  closeTimeoutMs: 2_000,
});

/** Bytes of frames fanned out per event-loop turn. */
export const FANOUT_SLICE_BYTES = 256 * 1024;

export class StreamServer {
  readonly #ring: FrameRing;
  readonly #guard: RequestGuard;
  readonly #report: StreamReporter;
  readonly #store: StoreReader | null;
  readonly #opts: Readonly<Required<StreamServerOptions>>;
  readonly #wss: WebSocketServer;
  readonly #sessions = new Set<StreamSession>();
  readonly #heartbeat: NodeJS.Timeout;
  readonly #queue: (readonly BatchFrame[])[] = [];
  #queueIndex = 0;
  #draining = false;
  #pending = 0;
  #closing = false;

  constructor(ring: FrameRing, guard: RequestGuard, report: StreamReporter, store: StoreReader | null, options: StreamServerOptions = {}) {
    this.#ring = ring;
    this.#guard = guard;
    this.#report = report;
    this.#store = store;
    this.#opts = Object.freeze({ ...STREAM_DEFAULTS, ...stripUndefined(options) });
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: this.#opts.maxClientMessageBytes,
      handleProtocols: (protocols: Set<string>) => selectSubprotocol(protocols).protocol,
    });
    this.#heartbeat = setInterval(() => this.#tick(), this.#opts.pingIntervalMs);
    this.#heartbeat.unref();
  }

  get clientCount(): number {
    return this.#sessions.size;
  }

  /** Handle an HTTP upgrade for `/v1/stream` (the caller checked the path). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (this.#closing) {
      this.#refuse(socket, 'ERR_SHUTTING_DOWN', 'shutting_down', 'server shutting down');
      return;
    }
    const auth = this.#guard.authenticate(req);
    if (!auth.ok) {
      this.#refuse(socket, auth.code, auth.reason, auth.message);
      return;
    }
    const origin = this.#guard.checkOrigin(req);
    if (origin && !origin.ok) {
      this.#refuse(socket, origin.code, origin.reason, origin.message);
      return;
    }
    if (this.#sessions.size + this.#pending >= this.#opts.maxClients) {
      this.#refuse(socket, 'ERR_TOO_MANY_CLIENTS', 'max_clients', `at most ${this.#opts.maxClients} stream clients`);
      return;
    }
    const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
    let filter: StreamFilter;
    try {
      filter = parseFilterQuery(query);
    } catch (err) {
      this.#refuse(socket, 'ERR_BAD_FILTER', 'bad_request', (err as Error).message);
      return;
    }
    let since: number | null = null;
    const sinceText = query.get('since');
    if (sinceText !== null) {
      since = /^\d{1,15}$/.test(sinceText) ? Number(sinceText) : NaN;
      if (!Number.isSafeInteger(since)) {
        this.#refuse(socket, 'ERR_BAD_PARAM', 'bad_request', 'since: expected an integer ≥ 0');
        return;
      }
    }
    this.#pending++;
    this.#wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      this.#pending--;
      const encoding: StreamEncoding = ws.protocol === SUBPROTOCOL_MSGPACK ? 'msgpack' : 'json';
      this.#accept(ws, encoding, auth.principal, auth.expiresAtMs, filter, since);
    });
  }

  /** Close every client with 1001 and `reason`; resolves when all are gone. */
  async close(reason = 'server shutting down'): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearInterval(this.#heartbeat);
    const all = [...this.#sessions];
    await Promise.all(all.map((s) => new Promise<void>((resolve) => {
      if (s.ws.readyState === s.ws.CLOSED) {
        resolve();
        return;
      }
      s.ws.once('close', () => resolve());
      s.markClosing();
      s.ws.close(CLOSE_GOING_AWAY, reason);
      setTimeout(() => {
        s.ws.terminate();
        resolve();
      }, this.#opts.closeTimeoutMs).unref();
    })));
    this.#wss.close();
  }

  #accept(ws: WebSocket, encoding: StreamEncoding, principal: string, expiresAtMs: number | null, filter: StreamFilter, since: number | null): void {
    const session = new StreamSession(ws, this.#ring, { encoding, principal, expiresAtMs, filter }, {
      maxBufferedBytes: this.#opts.maxBufferedBytes,
      slowCloseGraceMs: this.#opts.slowCloseGraceMs,
      onSlow: (then) => this.#disconnected('slow_consumer', then),
      onBadMessage: () => this.#report.count('stream.bad_messages', null, ''),
      store: this.#store,
    });
    this.#sessions.add(session);
    this.#report.clients(this.#sessions.size);
    this.#report.count('stream.connections', null, '');
    ws.on('pong', () => {
      session.alive = true;
    });
    ws.on('error', () => {
      this.#report.count('stream.socket_errors', null, '');
    });
    ws.on('close', () => {
      this.#sessions.delete(session);
      this.#report.clients(this.#sessions.size);
    });
    session.start(since);
  }

  /**
   * Queue a batch of frames (in seq order) for the ring and the fan-out.
   * The fan-out runs in slices of about `FANOUT_SLICE_BYTES`, one per
   * event-loop turn, so each client's socket is flushed (one writev) between
   * slices and its backlog is judged against `maxBufferedBytes` before each
   * slice, not in the middle of a large batch. Frames at or below the ring's
   * lastSeq are ignored.
   */
  publish(frames: readonly BatchFrame[]): void {
    if (frames.length === 0) return;
    this.#queue.push(frames);
    if (!this.#draining) this.#drain();
  }

  #drain(): void {
    this.#draining = true;
    for (const s of this.#sessions) s.checkBacklog();
    let bytes = 0;
    const slice: StreamFrame[] = [];
    while (this.#queue.length > 0 && bytes < FANOUT_SLICE_BYTES) {
      const batch = this.#queue[0]!;
      const f = batch[this.#queueIndex++]!;
      if (this.#queueIndex >= batch.length) {
        this.#queue.shift();
        this.#queueIndex = 0;
      }
      const frame = new StreamFrame(f);
      if (!this.#ring.push(frame)) continue;
      bytes += f.json.length;
      slice.push(frame);
    }
    const sent = slice.length > 0 ? this.#fanOut(slice) : 0;
    if (sent > 0) this.#report.sent(sent);
    if (this.#queue.length > 0 && !this.#closing) setImmediate(() => this.#drain());
    else this.#draining = false;
  }

  /**
   * Sends one slice to every live session: sessions are grouped into
   * audiences (same encoding, filter and cursor), the slice is framed once
   * per audience (wire-batch.ts) and the same Buffer written to each of its
   * sessions. Returns the messages written, summed over sessions.
   */
  #fanOut(slice: readonly StreamFrame[]): number {
    const lastSeq = slice[slice.length - 1]!.seq;
    const audiences = new Map<string, WireBatch>();
    let sent = 0;
    for (const s of this.#sessions) {
      if (!s.live) continue;
      const key = s.audienceKey;
      let batch = audiences.get(key);
      if (batch === undefined) {
        batch = buildWireBatch(slice, s.cursor, s.filter, s.encoding);
        audiences.set(key, batch);
      }
      sent += s.deliver(batch, lastSeq);
    }
    return sent;
  }

  #tick(): void {
    const now = Date.now();
    for (const s of this.#sessions) {
      if (s.closing) continue;
      if (s.expiresAtMs !== null && now >= s.expiresAtMs) {
        s.markClosing();
        this.#disconnected('token_expired', () => s.ws.close(CLOSE_TOKEN_EXPIRED, 'token expired'));
      } else if (!s.alive) {
        s.markClosing();
        this.#disconnected('heartbeat_timeout', () => s.ws.terminate());
      } else {
        s.alive = false;
        s.ws.ping();
      }
    }
  }

  #disconnected(reason: string, then: () => void): void {
    this.#report.count(`stream.${reason}`, 'disconnects', reason, then);
  }

  #refuse(socket: Duplex, code: HttpErrorCode, reason: string, message: string): void {
    this.#report.count(`stream.rejected_${reason}`, 'rejected', reason, () => refuseUpgrade(socket, code, message));
  }
}

export function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
