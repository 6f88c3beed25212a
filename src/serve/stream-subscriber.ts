/**
 * StreamSubscriber: the collector side of `/v1/stream` (used by
 * `apisensor subscribe`). Connects with a bearer token, a filter and an
 * encoding; hands every finding / inventory message to `onMessage` once, in
 * seq order; on a drop reconnects with exponential backoff (initial
 * `initialBackoffMs`, ×2 per failure up to `maxBackoffMs`, ±20 % jitter,
 * reset after a hello) and resumes with `since=<last seq handed over>`.
 *
 *   connect ─► hello (sensor lastSeq < ours: the sensor restarted; start again from its numbering)
 *          ─► gap? (onGap) ─► messages (seq ≤ last handed over are dropped as duplicates)
 *   close 4001 / HTTP 401, 403, 400 on upgrade: fatal (no retry) ─► run() rejects
 *   close 1001 / 4008 / network error / HTTP 5xx: retry
 *
 * Errors: ApisensorError `ERR_SUBSCRIBE_REFUSED` (exit 3: the server refused
 * us for good: auth, origin, bad filter), `ERR_SUBSCRIBE_GAVE_UP` (exit 1:
 * `maxRetries` consecutive failures).
 */
import WebSocket from 'ws';
import { ApisensorError } from '../errors.js';
import type { BusMessage } from '../findings/finding-bus.js';
import type { StreamFilter } from './stream-filter.js';
import {
  CLOSE_TOKEN_EXPIRED, SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK, decodeMessage, type ControlMessage, type StreamEncoding,
} from './stream-protocol.js';

export interface StreamSubscriberOptions {
  /** `ws://host:port` or `wss://…` (a path other than `/v1/stream` is replaced), or `http(s)://`. */
  url: string;
  token?: string;
  filter?: StreamFilter;
  encoding?: StreamEncoding;
  /** Resume after this seq at the first connect (default: live from now). */
  since?: number | null;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Consecutive failed attempts before giving up. Default: never give up. */
  maxRetries?: number;
  /** TLS: extra CA (PEM) for a self-signed server; `insecure` skips verification. */
  ca?: Buffer;
  insecure?: boolean;
  /** A finding or inventory message, in seq order, each once. Return false to ask for backpressure (call `resume()` later). */
  onMessage: (msg: BusMessage) => boolean | void;
  onGap?: (from: number, to: number) => void;
  /** Human-readable connection status lines (stderr). */
  onStatus?: (text: string) => void;
}

/** Stream URL for a user-given base URL, with filter and since in the query. */
export function streamUrl(base: string, filter: StreamFilter, since: number | null): string {
  const u = new URL(base);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new ApisensorError('ERR_USAGE', `URL: expected ws://, wss://, http:// or https://, got ${base}`, 2);
  u.pathname = '/v1/stream';
  u.search = '';
  const q = u.searchParams;
  if (filter.minSeverity) q.set('minSeverity', filter.minSeverity);
  for (const t of filter.types ?? []) q.append('type', t);
  for (const h of filter.hosts ?? []) q.append('host', h);
  for (const e of filter.endpoints ?? []) q.append('endpoint', e);
  if (filter.channels) q.set('channel', filter.channels.join(','));
  if (since !== null) q.set('since', String(since));
  return u.toString();
}

export class StreamSubscriber {
  readonly #o: StreamSubscriberOptions;
  #lastSeq: number | null;
  #ws: WebSocket | null = null;
  #stopped = false;
  #failures = 0;
  #backoff: number;
  #timer: NodeJS.Timeout | null = null;
  #finish: { resolve: () => void; reject: (e: Error) => void } | null = null;

  constructor(options: StreamSubscriberOptions) {
    this.#o = options;
    this.#lastSeq = options.since ?? null;
    this.#backoff = options.initialBackoffMs ?? 500;
  }

  /** Seq of the last message handed to onMessage (or the starting `since`). */
  get lastSeq(): number | null {
    return this.#lastSeq;
  }

  /** Connect and keep connected until `stop()` (resolves) or a fatal refusal (rejects). */
  run(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#finish = { resolve, reject };
      this.#connect();
    });
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#ws && this.#ws.readyState === WebSocket.OPEN) this.#ws.close(1000, 'subscriber stopping');
    else this.#ws?.terminate();
    this.#finish?.resolve();
  }

  /** Resume reading after onMessage returned false. */
  resume(): void {
    this.#ws?.resume();
  }

  #status(text: string): void {
    this.#o.onStatus?.(text);
  }

  #fatal(err: ApisensorError): void {
    this.#stopped = true;
    this.#ws?.terminate();
    this.#finish?.reject(err);
  }

  #connect(): void {
    if (this.#stopped) return;
    const encoding = this.#o.encoding ?? 'json';
    const url = streamUrl(this.#o.url, this.#o.filter ?? {}, this.#lastSeq);
    const headers: Record<string, string> = {};
    if (this.#o.token) headers.Authorization = `Bearer ${this.#o.token}`;
    const opts: WebSocket.ClientOptions = { headers, maxPayload: 64 * 1024 * 1024, handshakeTimeout: 10_000 };
    if (this.#o.ca) opts.ca = this.#o.ca;
    if (this.#o.insecure) opts.rejectUnauthorized = false;
    const ws = new WebSocket(url, [encoding === 'msgpack' ? SUBPROTOCOL_MSGPACK : SUBPROTOCOL_JSON], opts);
    this.#ws = ws;
    let closedInfo = '';
    let handled = false;
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (body.length < 4096) body += c;
      });
      res.on('end', () => {
        let code = '';
        try {
          code = (JSON.parse(body) as { error?: { code?: string } }).error?.code ?? '';
        } catch {
          code = '';
        }
        const status = res.statusCode ?? 0;
        const what = `HTTP ${status}${code ? ` ${code}` : ''}`;
        handled = true;
        if (status === 401 || status === 403 || status === 400 || status === 404) {
          this.#fatal(new ApisensorError('ERR_SUBSCRIBE_REFUSED', `server refused the subscription: ${what}`, 3));
        } else {
          ws.terminate();
          this.#retry(what);
        }
      });
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => this.#onFrame(ws, data, isBinary ? 'msgpack' : 'json'));
    ws.on('error', (err) => {
      closedInfo = err.message;
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (this.#ws !== ws || this.#stopped) return;
      if (code === CLOSE_TOKEN_EXPIRED) {
        this.#fatal(new ApisensorError('ERR_SUBSCRIBE_REFUSED', 'the server closed the stream: token expired', 3));
        return;
      }
      if (handled) return; // an HTTP refusal, handled by unexpected-response
      this.#retry(`closed ${code}${reason.length ? ` (${reason.toString()})` : ''}${closedInfo ? `: ${closedInfo}` : ''}`);
    });
  }

  #retry(why: string): void {
    if (this.#stopped) return;
    this.#failures++;
    const max = this.#o.maxRetries ?? Infinity;
    if (this.#failures > max) {
      this.#fatal(new ApisensorError('ERR_SUBSCRIBE_GAVE_UP', `gave up after ${max} attempts: ${why}`, 1));
      return;
    }
    const delay = Math.round(this.#backoff * (0.8 + Math.random() * 0.4));
    this.#status(`disconnected (${why}); reconnecting in ${delay} ms from seq ${this.#lastSeq ?? 'now'}`);
    this.#backoff = Math.min(this.#backoff * 2, this.#o.maxBackoffMs ?? 30_000);
    this.#timer = setTimeout(() => this.#connect(), delay);
  }

  #onFrame(ws: WebSocket, data: Buffer, encoding: StreamEncoding): void {
    let msg: BusMessage | ControlMessage;
    try {
      msg = decodeMessage(data, encoding) as BusMessage | ControlMessage;
    } catch {
      this.#status('ignored a frame that could not be decoded');
      return;
    }
    if (msg.channel === 'control') {
      if (msg.type === 'hello') {
        this.#failures = 0;
        this.#backoff = this.#o.initialBackoffMs ?? 500;
        if (this.#lastSeq !== null && msg.lastSeq < this.#lastSeq) {
          this.#status(`sensor restarted (its last seq ${msg.lastSeq} < ours ${this.#lastSeq}): following its new numbering`);
          this.#lastSeq = msg.lastSeq;
        }
        this.#status(`connected to ${this.#o.url} (${msg.encoding}, sensor seq ${msg.lastSeq})`);
      } else if (msg.type === 'gap') {
        this.#o.onGap?.(msg.from, msg.to);
      } else if (msg.type === 'error') {
        this.#status(`server: ${msg.code}: ${msg.message}`);
      }
      return;
    }
    if (this.#lastSeq !== null && msg.seq <= this.#lastSeq) return;
    this.#lastSeq = msg.seq;
    if (this.#o.onMessage(msg) === false) ws.pause();
  }
}
