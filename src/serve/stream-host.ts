/**
 * StreamHost: the stream worker's side of the service (entry point
 * workers/stream-worker.ts). It owns the listening socket, so every socket
 * write to stream clients happens on this thread and never costs the
 * capture / replay thread:
 *
 *   port ◄─► main thread (protocol: stream-worker-protocol.ts)
 *   node:http(s) server ─┬─ upgrade /v1/stream ─► StreamServer (auth, sessions, FrameRing)
 *                        ├─ upgrade elsewhere ─► 404
 *                        └─ request ─► {type:'http'} to the main thread, which runs HttpApi
 *                                      and answers {type:'httpResponse'}
 *   {type:'batch'} ─► StreamServer.publish (ring + fan-out, one writev per client per batch)
 *
 * Sessions resuming before the ring ask the main thread's FindingsStore
 * (`fetchStore` / `storeRows`), one page of `STORE_PAGE` messages at a time.
 * A request the main thread has not answered when the host closes is
 * destroyed.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { MessagePort } from 'node:worker_threads';
import { FrameRing, StreamFrame } from './frame-ring.js';
import { refuseUpgrade } from './http-errors.js';
import { RequestGuard } from './request-guard.js';
import { StreamServer, type StreamReporter } from './stream-server.js';
import type { StoreReader } from './stream-session.js';
import {
  forEachFrame, type BatchFrame, type FrameBatch, type MainToWorker, type StreamWorkerInit, type WorkerToMain,
} from './stream-worker-protocol.js';
import { TokenStore } from './token-store.js';

/** Messages per store page. */
export const STORE_PAGE = 1024;

function framesOf(batch: FrameBatch | null): BatchFrame[] {
  const out: BatchFrame[] = [];
  if (batch) forEachFrame(batch, (f) => out.push(f));
  return out;
}

export class StreamHost {
  readonly #port: MessagePort;
  readonly #server: Server;
  readonly #stream: StreamServer;
  readonly #http = new Map<number, ServerResponse>();
  readonly #acks = new Map<number, () => void>();
  readonly #fetches = new Map<number, { resolve: (r: Awaited<ReturnType<StoreReader>>) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #closing = false;

  constructor(port: MessagePort, init: StreamWorkerInit) {
    this.#port = port;
    const ring = new FrameRing(init.ringCapacity, init.evictedThrough);
    const guard = new RequestGuard(init.tokens === null ? null : TokenStore.fromDigests(init.tokens), init.allowedOrigins);
    const report: StreamReporter = {
      count: (event, metric, reason, then) => {
        let ack = 0;
        if (then) {
          ack = this.#nextId++;
          this.#acks.set(ack, then);
        }
        this.#post({ type: 'count', event, metric, reason, ack });
      },
      clients: (count) => this.#post({ type: 'clients', count }),
      sent: (count) => this.#post({ type: 'sent', count }),
    };
    const store: StoreReader | null = init.store ? (after, upTo) => this.#fetchStore(after, upTo) : null;
    this.#stream = new StreamServer(ring, guard, report, store, init.stream);
    this.#stream.publish(framesOf(init.seed));

    const onRequest = (req: IncomingMessage, res: ServerResponse): void => this.#forward(req, res);
    if (init.tls) {
      try {
        this.#server = createHttpsServer({ cert: Buffer.from(init.tls.cert), key: Buffer.from(init.tls.key) }, onRequest);
      } catch (err) {
        this.#server = createHttpServer();
        this.#post({ type: 'startError', code: 'ERR_TLS', message: `invalid TLS certificate or key: ${(err as Error).message}` });
        return;
      }
    } else {
      this.#server = createHttpServer(onRequest);
    }
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path === '/v1/stream') this.#stream.handleUpgrade(req, socket, head);
      else {
        socket.on('error', () => socket.destroy());
        refuseUpgrade(socket, 'ERR_NOT_FOUND', `no WebSocket endpoint ${path}`);
      }
    });
    this.#server.on('clientError', (_err, socket) => {
      report.count('http.client_errors', null, '');
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    port.on('message', (m: MainToWorker) => this.#onMessage(m));
    const onError = (err: Error): void => {
      this.#post({ type: 'startError', code: 'ERR_LISTEN', message: `cannot listen on ${init.host}:${init.port}: ${err.message}` });
    };
    this.#server.once('error', onError);
    this.#server.listen(init.port, init.host, () => {
      this.#server.off('error', onError);
      const addr = this.#server.address();
      this.#post({ type: 'listening', port: typeof addr === 'object' && addr !== null ? addr.port : init.port });
    });
  }

  #post(m: WorkerToMain): void {
    this.#port.postMessage(m);
  }

  #forward(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    if (this.#closing) {
      res.writeHead(503, { Connection: 'close' }).end();
      return;
    }
    const id = this.#nextId++;
    this.#http.set(id, res);
    res.on('close', () => this.#http.delete(id));
    this.#post({ type: 'http', id, method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers });
  }

  #fetchStore(after: number, upTo: number): ReturnType<StoreReader> {
    return new Promise((resolve, reject) => {
      if (this.#closing) {
        reject(new Error('closing'));
        return;
      }
      const id = this.#nextId++;
      this.#fetches.set(id, { resolve, reject });
      this.#post({ type: 'fetchStore', id, after, upTo, limit: STORE_PAGE });
    });
  }

  #onMessage(m: MainToWorker): void {
    switch (m.type) {
      case 'batch':
        this.#stream.publish(framesOf(m.batch));
        return;
      case 'httpResponse': {
        const res = this.#http.get(m.id);
        this.#http.delete(m.id);
        if (!res || res.headersSent) return;
        if (m.status === 0) res.destroy();
        else res.writeHead(m.status, m.headers).end(m.body);
        return;
      }
      case 'storeRows': {
        const f = this.#fetches.get(m.id);
        this.#fetches.delete(m.id);
        f?.resolve({ frames: framesOf(m.batch).map((b) => new StreamFrame(b)), gap: m.gap });
        return;
      }
      case 'ack': {
        const then = this.#acks.get(m.id);
        this.#acks.delete(m.id);
        then?.();
        return;
      }
      case 'close':
        void this.#close(m.reason);
        return;
    }
  }

  async #close(reason: string): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    for (const f of this.#fetches.values()) f.reject(new Error('closing'));
    this.#fetches.clear();
    for (const then of this.#acks.values()) then();
    this.#acks.clear();
    await this.#stream.close(reason);
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
      for (const res of this.#http.values()) res.destroy();
    });
    this.#post({ type: 'closed' });
  }
}
