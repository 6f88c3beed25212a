/**
 * StreamServer: the findings stream at `/v1/stream` (protocol in
 * stream-protocol.ts), on top of `ws` in `noServer` mode so every check runs
 * before the handshake is answered.
 *
 *   HTTP upgrade ─► token (401) ─► origin (403) ─► max clients (503)
 *                ─► filter + since from the query (400) ─► ws handshake
 *                ─► StreamSession (hello, resume, live)
 *   bus.publish ─► fan-out: encode once per encoding ─► session.offer() each
 *
 * Refused upgrades are counted on `events` (`stream.rejected_auth_missing`,
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
import type { BusMessage, FindingBus } from '../findings/finding-bus.js';
import type { EventCounter } from '../stats/event-counter.js';
import { refuseUpgrade, type HttpErrorCode } from './http-errors.js';
import type { MetricsRegistry } from './metrics-registry.js';
import type { RequestGuard } from './request-guard.js';
import { parseFilterQuery, type StreamFilter } from './stream-filter.js';
import {
  CLOSE_GOING_AWAY, CLOSE_TOKEN_EXPIRED, SUBPROTOCOL_MSGPACK, selectSubprotocol, type StreamEncoding,
} from './stream-protocol.js';
import { StreamSession, toFrame } from './stream-session.js';

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

export class StreamServer {
  readonly #bus: FindingBus;
  readonly #guard: RequestGuard;
  readonly #metrics: MetricsRegistry;
  readonly #events: EventCounter;
  readonly #opts: Readonly<Required<StreamServerOptions>>;
  readonly #wss: WebSocketServer;
  readonly #sessions = new Set<StreamSession>();
  readonly #unsubscribe: () => void;
  readonly #heartbeat: NodeJS.Timeout;
  #pending = 0;
  #closing = false;

  constructor(bus: FindingBus, guard: RequestGuard, metrics: MetricsRegistry, events: EventCounter, options: StreamServerOptions = {}) {
    this.#bus = bus;
    this.#guard = guard;
    this.#metrics = metrics;
    this.#events = events;
    this.#opts = Object.freeze({ ...STREAM_DEFAULTS, ...stripUndefined(options) });
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: this.#opts.maxClientMessageBytes,
      handleProtocols: (protocols: Set<string>) => selectSubprotocol(protocols).protocol,
    });
    this.#unsubscribe = bus.subscribe((m) => this.#fanOut(m));
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
    this.#unsubscribe();
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
    const session = new StreamSession(ws, this.#bus, { encoding, principal, expiresAtMs, filter }, {
      maxBufferedBytes: this.#opts.maxBufferedBytes,
      slowCloseGraceMs: this.#opts.slowCloseGraceMs,
      onSlow: () => this.#disconnected('slow_consumer'),
      onBadMessage: () => this.#events.add('stream.bad_messages'),
    });
    this.#sessions.add(session);
    this.#metrics.streamClients.set(this.#sessions.size);
    this.#events.add('stream.connections');
    ws.on('pong', () => {
      session.alive = true;
    });
    ws.on('error', () => {
      this.#events.add('stream.socket_errors');
    });
    ws.on('close', () => {
      this.#sessions.delete(session);
      this.#metrics.streamClients.set(this.#sessions.size);
    });
    session.start(since);
  }

  #fanOut(msg: BusMessage): void {
    if (this.#sessions.size === 0) return;
    let json: Buffer | undefined;
    let msgpack: Buffer | undefined;
    const encoded = (e: StreamEncoding): Buffer => (e === 'json' ? (json ??= toFrame(msg, 'json')) : (msgpack ??= toFrame(msg, 'msgpack')));
    let sent = 0;
    for (const s of this.#sessions) if (s.offer(msg, encoded)) sent++;
    if (sent > 0) this.#metrics.streamMessagesSent.inc(sent);
  }

  #tick(): void {
    const now = Date.now();
    for (const s of this.#sessions) {
      if (s.closing) continue;
      if (s.expiresAtMs !== null && now >= s.expiresAtMs) {
        s.markClosing();
        this.#disconnected('token_expired');
        s.ws.close(CLOSE_TOKEN_EXPIRED, 'token expired');
      } else if (!s.alive) {
        this.#disconnected('heartbeat_timeout');
        s.ws.terminate();
      } else {
        s.alive = false;
        s.ws.ping();
      }
    }
  }

  #disconnected(reason: string): void {
    this.#events.add(`stream.${reason}`);
    this.#metrics.streamDisconnects.inc({ reason });
  }

  #refuse(socket: Duplex, code: HttpErrorCode, reason: string, message: string): void {
    this.#events.add(`stream.rejected_${reason}`);
    this.#metrics.streamRejected.inc({ reason });
    refuseUpgrade(socket, code, message);
  }
}

export function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
