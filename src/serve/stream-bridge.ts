/**
 * StreamBridge: the main thread's end of the stream worker
 * (workers/stream-worker.ts → stream-host.ts).
 *
 *   bus message ─► push(msg, json) ─► FrameBatchWriter ─► end of turn (setImmediate):
 *                                     store.flush(), then one {type:'batch'} (buffers transferred)
 *   worker {http}       ─► HttpApi.handle (BufferedResponse) ─► {httpResponse}
 *   worker {fetchStore} ─► FindingsStore.readAfter ─► {storeRows}
 *   worker {count | clients | sent} ─► EventCounter + MetricsRegistry
 *
 * The main thread's cost per message is one JSON.stringify (done by the
 * caller, shared with the store) and a copy into the batch buffer; every
 * socket write happens in the worker. The store is flushed before the batch
 * is posted, so whatever the worker's ring has dropped is already stored.
 *
 * Errors from `start`: ApisensorError `ERR_LISTEN`, `ERR_TLS` (exit 2),
 * `ERR_WORKER_MISSING` (dist/workers/stream-worker.js not built).
 */
import { existsSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ApisensorError } from '../errors.js';
import type { BusMessage } from '../findings/finding-bus.js';
import type { FindingsStore } from '../findings/findings-store.js';
import type { EventCounter } from '../stats/event-counter.js';
import { BufferedResponse } from './buffered-response.js';
import type { HttpApi } from './http-api.js';
import type { MetricsRegistry } from './metrics-registry.js';
import {
  FrameBatchWriter, messageMeta, metaFromFields, transferList, type MainToWorker, type StreamWorkerInit, type WorkerToMain,
} from './stream-worker-protocol.js';

/** Locates the compiled worker entry (dist/workers/stream-worker.js) from this module. */
export function streamWorkerPath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'dist', 'workers', 'stream-worker.js');
    if (existsSync(candidate)) return candidate;
    if (path.basename(dir) === 'dist' && existsSync(path.join(dir, 'workers', 'stream-worker.js'))) {
      return path.join(dir, 'workers', 'stream-worker.js');
    }
    dir = path.dirname(dir);
  }
  throw new ApisensorError('ERR_WORKER_MISSING', 'worker entry dist/workers/stream-worker.js not found: run `npm run build`');
}

export interface StreamBridgeParts {
  api: HttpApi;
  metrics: MetricsRegistry;
  events: EventCounter;
  store: FindingsStore | null;
}

export class StreamBridge {
  readonly #worker: Worker;
  readonly #parts: StreamBridgeParts;
  readonly #writer = new FrameBatchWriter();
  #scheduled = false;
  #clients = 0;
  #closed: Promise<void> | null = null;
  #onClosed: (() => void) | null = null;
  readonly port: number;

  private constructor(worker: Worker, parts: StreamBridgeParts, port: number) {
    this.#worker = worker;
    this.#parts = parts;
    this.port = port;
    worker.on('message', (m: WorkerToMain) => this.#onMessage(m));
  }

  /** Start the worker and wait until it listens. */
  static start(init: StreamWorkerInit, parts: StreamBridgeParts): Promise<StreamBridge> {
    // `--input-type` (a parent run with `node -e`) is refused for a file entry point.
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
    const worker = new Worker(streamWorkerPath(), { workerData: init, transferList: transferList(init.seed), execArgv });
    return new Promise((resolve, reject) => {
      const fail = (err: ApisensorError): void => {
        worker.off('message', onFirst);
        void worker.terminate();
        reject(err);
      };
      const onFirst = (m: WorkerToMain): void => {
        if (m.type === 'listening') {
          worker.off('message', onFirst);
          worker.off('error', onError);
          resolve(new StreamBridge(worker, parts, m.port));
        } else if (m.type === 'startError') {
          fail(new ApisensorError(m.code, m.message, 2));
        }
      };
      const onError = (err: Error): void => fail(new ApisensorError('ERR_LISTEN', `stream worker failed to start: ${err.message}`, 2, { cause: err }));
      worker.on('message', onFirst);
      worker.once('error', onError);
    });
  }

  /** Stream clients connected (as last reported by the worker). */
  get clientCount(): number {
    return this.#clients;
  }

  /** Queue one bus message with its wire JSON; sent to the worker at the end of this turn. */
  push(msg: BusMessage, json: string): void {
    this.#writer.push(msg.seq, messageMeta(msg), json);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Store and send what is queued now (also called at the end of each turn). */
  flush(): void {
    this.#scheduled = false;
    this.#parts.store?.flush();
    const batch = this.#writer.take();
    if (batch && this.#closed === null) this.#post({ type: 'batch', batch }, transferList(batch));
  }

  /** Flush, close every client with 1001 and `reason`, stop listening, end the worker. */
  close(reason: string): Promise<void> {
    this.#closed ??= (async () => {
      this.flush();
      await new Promise<void>((resolve) => {
        this.#onClosed = resolve;
        this.#worker.once('exit', () => resolve());
        this.#post({ type: 'close', reason });
      });
      await this.#worker.terminate();
    })();
    return this.#closed;
  }

  #post(m: MainToWorker, transfer: ArrayBuffer[] = []): void {
    this.#worker.postMessage(m, transfer);
  }

  #onMessage(m: WorkerToMain): void {
    const { metrics, events } = this.#parts;
    switch (m.type) {
      case 'count':
        events.add(m.event);
        if (m.metric === 'rejected') metrics.streamRejected.inc({ reason: m.reason });
        else if (m.metric === 'disconnects') metrics.streamDisconnects.inc({ reason: m.reason });
        if (m.ack > 0 && this.#closed === null) this.#post({ type: 'ack', id: m.ack });
        return;
      case 'clients':
        this.#clients = m.count;
        metrics.streamClients.set(m.count);
        return;
      case 'sent':
        metrics.streamMessagesSent.inc(m.count);
        return;
      case 'http':
        void this.#http(m.id, m.method, m.url, m.headers);
        return;
      case 'fetchStore':
        this.#fetchStore(m.id, m.after, m.upTo, m.limit);
        return;
      case 'closed':
        this.#onClosed?.();
        return;
      default:
        return;
    }
  }

  async #http(id: number, method: string, url: string, headers: IncomingHttpHeaders): Promise<void> {
    const res = new BufferedResponse();
    await this.#parts.api.handle({ method, url, headers }, res);
    if (this.#closed !== null) return;
    this.#post({ type: 'httpResponse', id, status: res.destroyed ? 0 : res.statusCode, headers: res.headers, body: res.body });
  }

  #fetchStore(id: number, after: number, upTo: number, limit: number): void {
    const store = this.#parts.store;
    let gap: { from: number; to: number } | null = null;
    const writer = new FrameBatchWriter();
    if (store === null) {
      gap = { from: after + 1, to: upTo };
    } else {
      try {
        store.flush();
        const lost = Math.min(store.lostThrough, upTo);
        if (after < lost) gap = { from: after + 1, to: lost };
        const from = Math.max(after, lost);
        if (from < upTo) {
          for (const r of store.readAfter(from, upTo, limit)) writer.push(r.seq, metaFromFields(r.channel, r.type, r.severity), r.body);
        }
      } catch {
        this.#parts.events.add('findings_store.read_errors');
        gap = { from: after + 1, to: upTo };
      }
    }
    const batch = writer.take();
    this.#post({ type: 'storeRows', id, batch, gap }, transferList(batch));
  }
}

