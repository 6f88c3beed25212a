/**
 * How the main thread talks to one AF_PACKET capture shard: a worker thread
 * (workers/afpacket-worker.ts, the normal case) or an AfPacketShard on the
 * main thread itself (`--workers 0`). Both answer the same requests with the
 * same replies, in request order.
 */
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AfPacketShard } from './afpacket-shard.js';
import { LiveCaptureError } from './live-capture-error.js';
import type { AfPacketShardInit, AfPacketWorkerReply, AfPacketWorkerRequest } from './afpacket-messages.js';

type Ready = Extract<AfPacketWorkerReply, { type: 'ready' }>;
type ErrorReply = Extract<AfPacketWorkerReply, { type: 'error' }>;

export interface AfPacketChannel {
  /** Resolves when the socket is open; rejects with a LiveCaptureError (or fs error) when it is not. */
  readonly ready: Promise<Ready>;
  /** One request; resolves with its reply ('round' or 'finished'). Rejects when the shard died. */
  request(m: AfPacketWorkerRequest): Promise<AfPacketWorkerReply>;
  /** Ends the shard (idempotent). */
  terminate(): Promise<void>;
}

/** LiveCaptureError from a worker's error reply. */
export function errorFromReply(r: ErrorReply): LiveCaptureError {
  return new LiveCaptureError(r.code, r.message, r.exitCode);
}

/** The 'ready' reply of an open shard. */
export function readyReply(s: AfPacketShard): Ready {
  const src = s.source;
  return {
    type: 'ready',
    shard: s.shard,
    linkType: src.linkType,
    snaplen: src.snaplen,
    ringBytes: src.ringBytes,
    fanoutGroup: src.fanoutGroup,
    fanoutMode: src.fanoutMode,
    fanoutFallback: src.fanoutFallback,
  };
}

/** Locates dist/workers/afpacket-worker.js from this module (src/ or dist/src/). */
export function afPacketWorkerPath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidates = [path.join(dir, 'dist', 'workers', 'afpacket-worker.js'), path.join(dir, 'workers', 'afpacket-worker.js')];
    for (const c of candidates) if (existsSync(c) && c.includes(`${path.sep}dist${path.sep}`)) return c;
    dir = path.dirname(dir);
  }
  throw new LiveCaptureError('ERR_WORKER_MISSING', 'worker entry dist/workers/afpacket-worker.js not found: run `npm run build`', 1);
}

export class WorkerAfPacketChannel implements AfPacketChannel {
  readonly ready: Promise<Ready>;
  #worker: Worker;
  #pending: Array<{ resolve: (r: AfPacketWorkerReply) => void; reject: (e: unknown) => void }> = [];
  #dead: unknown = null;
  #exited: Promise<void>;

  /** @param onFailure hears a failure after start (read error, worker crash). */
  constructor(init: AfPacketShardInit, onFailure: (err: unknown) => void) {
    this.#worker = new Worker(afPacketWorkerPath(), { workerData: init });
    let readyResolve!: (r: Ready) => void;
    let readyReject!: (e: unknown) => void;
    let started = false;
    this.ready = new Promise<Ready>((resolve, reject) => {
      readyResolve = resolve;
      readyReject = reject;
    });
    this.ready.catch(() => undefined);
    this.#worker.on('message', (m: AfPacketWorkerReply) => {
      if (m.type === 'ready') {
        started = true;
        readyResolve(m);
      } else if (m.type === 'error') {
        const err = errorFromReply(m);
        if (!started) readyReject(err);
        else onFailure(err);
      } else {
        this.#pending.shift()?.resolve(m);
      }
    });
    const die = (err: unknown): void => {
      this.#dead ??= err;
      if (!started) readyReject(err);
      else onFailure(err);
      for (const p of this.#pending.splice(0)) p.reject(err);
    };
    this.#worker.on('error', (err) => die(new LiveCaptureError('ERR_CAPTURE_WORKER', `capture worker ${init.shard} failed: ${err.message}`, 1)));
    this.#exited = new Promise<void>((resolve) =>
      this.#worker.on('exit', () => {
        if (this.#pending.length > 0 || !started) die(new LiveCaptureError('ERR_CAPTURE_WORKER', `capture worker ${init.shard} exited`, 1));
        resolve();
      }),
    );
  }

  request(m: AfPacketWorkerRequest): Promise<AfPacketWorkerReply> {
    if (this.#dead !== null) return Promise.reject(this.#dead);
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      this.#worker.postMessage(m);
    });
  }

  async terminate(): Promise<void> {
    await this.#worker.terminate();
    await this.#exited;
  }
}

/** `--workers 0`: the shard runs on the main thread. */
export class InlineAfPacketChannel implements AfPacketChannel {
  readonly ready: Promise<Ready>;
  #shard: AfPacketShard | null = null;

  constructor(init: AfPacketShardInit, onFailure: (err: unknown) => void) {
    try {
      const s = new AfPacketShard(init);
      this.#shard = s;
      this.ready = Promise.resolve(readyReply(s));
      s.start(onFailure);
    } catch (err) {
      this.ready = Promise.reject(err);
      this.ready.catch(() => undefined);
    }
  }

  async request(m: AfPacketWorkerRequest): Promise<AfPacketWorkerReply> {
    const s = this.#shard;
    if (!s) throw new LiveCaptureError('ERR_CAPTURE_WORKER', 'capture shard is not open', 1);
    return m.type === 'round' ? s.takeRound(m.round) : s.finish();
  }

  async terminate(): Promise<void> {
    this.#shard?.source.close();
  }
}
