/**
 * Messages between the main thread and the stream worker (stream-host.ts),
 * and the frame-batch format that carries bus messages to it.
 *
 *   main thread                                        stream worker
 *   ───────────                                        ─────────────
 *   bus.publish ─► JSON.stringify once ─► FrameBatchWriter
 *   end of turn (setImmediate) ── {type:'batch'} ────► FrameRing + fan-out to sessions (socket writes)
 *   HttpApi (inventory, metrics, findings) ◄─ {type:'http'} ── node:http request (GET/HEAD)
 *                                     ── {type:'httpResponse'} ─►
 *   FindingsStore.readAfter ◄─ {type:'fetchStore'} ── a session resuming before the ring
 *                           ── {type:'storeRows'} ─►
 *   events / metrics ◄─ {type:'count' | 'clients' | 'sent'} ──
 *
 * FrameBatch: `bytes` holds the UTF-8 JSON of each message back to back;
 * `meta` holds `META_STRIDE` float64s per message: seq, channel (0 findings,
 * 1 inventory), severity rank (-1: none), finding-type index into
 * FINDING_TYPES (-1: none), end offset in `bytes`. Both buffers are
 * transferred (not copied); the writer allocates fresh ones per batch.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { SEVERITY_RANK, type Severity } from '../findings/finding.js';
import type { BusChannel, BusMessage } from '../findings/finding-bus.js';
import { FINDING_TYPES } from './stream-filter.js';
import type { StreamServerOptions } from './stream-server.js';
import type { TokenDigest } from './token-store.js';

export const META_STRIDE = 5;

export interface FrameBatch {
  bytes: ArrayBuffer;
  meta: Float64Array;
}

export interface StreamWorkerInit {
  host: string;
  port: number;
  /** PEM buffers: serve HTTPS / wss. */
  tls: { cert: Uint8Array; key: Uint8Array } | null;
  /** null: no authentication. */
  tokens: TokenDigest[] | null;
  allowedOrigins: string[];
  stream: Required<StreamServerOptions>;
  ringCapacity: number;
  /** Bus ring contents at start (oldest first), and the highest seq the bus had already overwritten. */
  seed: FrameBatch | null;
  evictedThrough: number;
  /** A FindingsStore answers `fetchStore`. */
  store: boolean;
}

export type MainToWorker =
  | { type: 'batch'; batch: FrameBatch }
  | { type: 'httpResponse'; id: number; status: number; headers: OutgoingHttpHeaders; body: string }
  | { type: 'storeRows'; id: number; batch: FrameBatch | null; gap: { from: number; to: number } | null }
  | { type: 'ack'; id: number }
  | { type: 'close'; reason: string };

export type CountMetric = 'rejected' | 'disconnects' | null;

export type WorkerToMain =
  | { type: 'listening'; port: number }
  | { type: 'startError'; code: 'ERR_LISTEN' | 'ERR_TLS'; message: string }
  | { type: 'http'; id: number; method: string; url: string; headers: IncomingHttpHeaders }
  | { type: 'fetchStore'; id: number; after: number; upTo: number; limit: number }
  /** `ack` > 0: answer with {type:'ack', id: ack} once counted (the worker waits for it before the client can see the outcome). */
  | { type: 'count'; event: string; metric: CountMetric; reason: string; ack: number }
  | { type: 'clients'; count: number }
  | { type: 'sent'; count: number }
  | { type: 'closed' };

const TYPE_INDEX = new Map<string, number>(FINDING_TYPES.map((t, i) => [t, i]));
const RANK_SEVERITY = Object.keys(SEVERITY_RANK) as Severity[];

/** Filter-relevant fields of a message, as numbers. */
export function messageMeta(msg: BusMessage): { channel: number; rank: number; type: number } {
  if (msg.channel === 'inventory') return { channel: 1, rank: -1, type: -1 };
  return { channel: 0, rank: SEVERITY_RANK[msg.finding.severity] ?? -1, type: TYPE_INDEX.get(msg.finding.type) ?? -1 };
}

export function metaFromFields(channel: string, type: string | null, severity: string | null): { channel: number; rank: number; type: number } {
  if (channel === 'inventory') return { channel: 1, rank: -1, type: -1 };
  return {
    channel: 0,
    rank: severity !== null && Object.hasOwn(SEVERITY_RANK, severity) ? SEVERITY_RANK[severity as Severity] : -1,
    type: type === null ? -1 : (TYPE_INDEX.get(type) ?? -1),
  };
}

/** Accumulates encoded messages until `take()`; reuses its arrays between batches. */
export class FrameBatchWriter {
  #texts: string[] = [];
  #meta: number[] = [];

  get size(): number {
    return this.#texts.length;
  }

  push(seq: number, meta: { channel: number; rank: number; type: number }, json: string): void {
    this.#texts.push(json);
    this.#meta.push(seq, meta.channel, meta.rank, meta.type, 0);
  }

  /** The batch so far (fresh, transferable buffers), or null when empty. */
  take(): FrameBatch | null {
    const n = this.#texts.length;
    if (n === 0) return null;
    let total = 0;
    for (let i = 0; i < n; i++) total += Buffer.byteLength(this.#texts[i]!, 'utf8');
    const bytes = new ArrayBuffer(total);
    const view = Buffer.from(bytes);
    const meta = new Float64Array(n * META_STRIDE);
    let off = 0;
    for (let i = 0; i < n; i++) {
      off += view.write(this.#texts[i]!, off, 'utf8');
      const b = i * META_STRIDE;
      meta[b] = this.#meta[b]!;
      meta[b + 1] = this.#meta[b + 1]!;
      meta[b + 2] = this.#meta[b + 2]!;
      meta[b + 3] = this.#meta[b + 3]!;
      meta[b + 4] = off;
    }
    this.#texts.length = 0;
    this.#meta.length = 0;
    return { bytes, meta };
  }
}

/** One message of a batch; `json` is a view into the batch's bytes (valid as long as it is referenced). */
export interface BatchFrame {
  seq: number;
  channel: BusChannel;
  severity: Severity | null;
  type: string | null;
  json: Buffer;
}

/** Calls `fn` for each message of `batch`, in order. */
export function forEachFrame(batch: FrameBatch, fn: (frame: BatchFrame) => void): void {
  const view = Buffer.from(batch.bytes);
  const m = batch.meta;
  let start = 0;
  for (let b = 0; b < m.length; b += META_STRIDE) {
    const end = m[b + 4]!;
    const rank = m[b + 2]!;
    const type = m[b + 3]!;
    fn({
      seq: m[b]!,
      channel: m[b + 1] === 1 ? 'inventory' : 'findings',
      severity: rank >= 0 ? RANK_SEVERITY[rank]! : null,
      type: type >= 0 ? FINDING_TYPES[type]! : null,
      json: view.subarray(start, end),
    });
    start = end;
  }
}

/** Transfer list of a batch. */
export function transferList(batch: FrameBatch | null): ArrayBuffer[] {
  return batch ? [batch.bytes, batch.meta.buffer as ArrayBuffer] : [];
}
