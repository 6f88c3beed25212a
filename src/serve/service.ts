/**
 * startService: the findings service on one port: HTTP API + dashboard
 * (http-api.ts), WebSocket stream (stream-server.ts), metrics
 * (metrics-registry.ts), and the file / stdout sinks, all fed by one
 * FindingBus. Used by `apisensor serve` and by `replay --serve` /
 * `capture --serve`:
 *
 *   const svc = await startService({ listen: '127.0.0.1:8787', tokenFile, inventory });
 *   // producer side:
 *   svc.bus.publish(finding);                 // detectors (inventory events: an InventoryWatcher on the same bus)
 *   svc.metrics.setTotals({ packets, transactions });
 *   svc.setReady(true);
 *   ...
 *   await svc.close('replay finished');
 *
 * Threads: the listening socket, the WebSocket sessions and their resume
 * ring run in a worker thread (stream-host.ts); this thread keeps the bus,
 * the sinks, the metrics and the HTTP API and hands the worker one batch of
 * encoded messages per event-loop turn (stream-bridge.ts), so a replay or
 * capture never waits on a client socket:
 *
 *   bus ─► metrics, FindingsStore (store / findingsDb), JSONL / stdout sinks
 *       └► JSON once ─► StreamBridge ══batch══► stream worker: ring, sessions, socket writes
 *   HttpApi ◄══ requests the worker received ══ stream worker
 *
 * With `store` (the caller's) or `findingsDb` (opened and closed here),
 * every bus message is also stored (FindingsStore), so a client resuming from
 * a seq older than the ring gets it from the store; an explicit gap only for
 * what the store no longer holds. The store is flushed before each batch goes
 * to the stream worker. Messages the bus already holds at start are stored
 * unless the store has them (a bus restored from that store).
 *
 * The service publishes nothing itself: findings and inventory-change events
 * come from the producer (AnalysisSession: detectors and its InventoryWatcher),
 * so the numbering of a run does not depend on whether it is served.
 *
 * Options are validated once and frozen. Authentication: tokens from
 * `tokens`, else `APISENSOR_TOKENS` (of `env`) and `tokenFile`; with none,
 * start fails unless `noAuth` is set AND the listen address is loopback.
 *
 * Errors (ApisensorError / UsageError, exit 2): `ERR_NO_TOKENS` (no token and
 * no `noAuth`), `ERR_NO_AUTH_NOT_LOOPBACK`, `ERR_LISTEN` (bad address, port in
 * use), `ERR_TLS` (cert/key unreadable or invalid, or only one given), plus
 * those of token-store.ts and `ERR_SINK_OPEN`.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { isIP } from 'node:net';
import { ApisensorError, UsageError } from '../errors.js';
import { FindingBus, type BusMessage } from '../findings/finding-bus.js';
import { attachSink, type FindingSink } from '../findings/finding-sink.js';
import { FindingsStore } from '../findings/findings-store.js';
import { JsonlFileSink } from '../findings/jsonl-file-sink.js';
import { StdoutSink } from '../findings/stdout-sink.js';
import type { LoadedSpec } from '../inventory/spec-diff.js';
import { EventCounter } from '../stats/event-counter.js';
import { HttpApi, type InventorySource } from './http-api.js';
import { MetricsRegistry } from './metrics-registry.js';
import { RequestGuard } from './request-guard.js';
import { StreamBridge } from './stream-bridge.js';
import { STREAM_DEFAULTS, stripUndefined, type StreamServerOptions } from './stream-server.js';
import { FrameBatchWriter, messageMeta } from './stream-worker-protocol.js';
import { TokenStore } from './token-store.js';

export interface ServiceOptions {
  /** `host:port` (IPv6 as `[::1]:8787`). Default `127.0.0.1:8787`; port 0 picks a free port. */
  listen?: string;
  tokens?: TokenStore;
  tokenFile?: string;
  /** Environment holding `APISENSOR_TOKENS`. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Run without authentication: only on a loopback address. */
  noAuth?: boolean;
  /** PEM file paths; both or neither. Given: the service speaks HTTPS / wss. */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** Browser origins allowed (exact `scheme://host[:port]`); default: same origin only. */
  allowedOrigins?: string[];
  /** Bring your own bus (else a new one with `ringCapacity`). */
  bus?: FindingBus;
  ringCapacity?: number;
  metrics?: MetricsRegistry;
  inventory?: InventorySource | null;
  /** Spec to mark shadow / zombie endpoints in `/v1/inventory`. */
  spec?: LoadedSpec | null;
  /** Require a token for `/metrics`. Default true. */
  metricsAuth?: boolean;
  /** Require a token for `/healthz` and `/readyz`. Default false. */
  healthAuth?: boolean;
  stream?: StreamServerOptions;
  /** JSONL findings file with rotation. */
  findingsFile?: string;
  findingsMaxBytes?: number;
  findingsKeep?: number;
  /** Findings as JSONL on stdout. */
  stdout?: boolean;
  /**
   * SQLite file (e.g. the inventory's `--db`, or `:memory:`) in which every
   * bus message is stored (findings_store.ts) for resume beyond the ring and
   * `/v1/findings` beyond it. Opened and closed by the service.
   */
  findingsDb?: string;
  /**
   * A FindingsStore owned by the caller (not closed by the service), used
   * like `findingsDb`; give one or the other.
   */
  store?: FindingsStore | null;
  /**
   * Only read the store (resume and `/v1/findings` beyond the ring), never
   * append to it: `apisensor serve` serving a stored run. Default false.
   */
  storeReadOnly?: boolean;
  /** Rows the findings store keeps (default 1,000,000). */
  findingsDbMaxRows?: number;
  /** Ready from the start (`/readyz`). Default false: the producer calls setReady(true). */
  ready?: boolean;
  events?: EventCounter;
}

export interface Service {
  readonly bus: FindingBus;
  readonly metrics: MetricsRegistry;
  readonly events: EventCounter;
  /** `http://host:port` or `https://…` (port resolved when 0 was asked). */
  readonly url: string;
  readonly port: number;
  setReady(ready: boolean): void;
  /** Stop: clients get close 1001 with `reason`, sinks are flushed and closed. */
  close(reason?: string): Promise<void>;
}

export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(listen);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--listen: expected host:port (e.g. 127.0.0.1:8787), got '${listen}'`, 'ERR_LISTEN');
  return { host: (m[1] ?? m[2])!, port };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ApisensorError('ERR_TLS', `${file}: cannot read TLS ${what}: ${(err as Error).message}`, 2);
  }
}

export async function startService(options: ServiceOptions = {}): Promise<Service> {
  const { host, port } = parseListen(options.listen ?? '127.0.0.1:8787');
  const env = options.env ?? process.env;
  const tokens = options.tokens ?? TokenStore.load({ env: env.APISENSOR_TOKENS, file: options.tokenFile });
  let authTokens: TokenStore | null = tokens;
  if (tokens.size === 0) {
    if (!options.noAuth) throw new UsageError('no tokens: set APISENSOR_TOKENS or --token-file (or --no-auth on a loopback address)', 'ERR_NO_TOKENS');
    if (!isLoopback(host)) throw new UsageError(`--no-auth is allowed only on a loopback address, not ${host}`, 'ERR_NO_AUTH_NOT_LOOPBACK');
    authTokens = null;
  }
  if ((options.tlsCertFile === undefined) !== (options.tlsKeyFile === undefined)) {
    throw new ApisensorError('ERR_TLS', 'give both --tls-cert and --tls-key', 2);
  }
  let tls: { cert: Buffer; key: Buffer } | null = null;
  if (options.tlsCertFile !== undefined && options.tlsKeyFile !== undefined) {
    tls = { cert: readPem(options.tlsCertFile, 'certificate'), key: readPem(options.tlsKeyFile, 'key') };
    try {
      createSecureContext(tls);
    } catch (err) {
      throw new ApisensorError('ERR_TLS', `invalid TLS certificate or key: ${(err as Error).message}`, 2);
    }
  }
  const events = options.events ?? new EventCounter();
  const bus = options.bus ?? new FindingBus({ ringCapacity: options.ringCapacity ?? 10_000, events });
  const metrics = options.metrics ?? new MetricsRegistry();
  const guard = new RequestGuard(authTokens, options.allowedOrigins ?? []);
  const streamOptions = Object.freeze({ ...STREAM_DEFAULTS, ...stripUndefined(options.stream ?? {}) });
  let ready = options.ready ?? false;

  const sinks: FindingSink[] = [];
  const detach: (() => void)[] = [];
  let store: FindingsStore | null = null;
  let ownStore = false;
  let bridge: StreamBridge | null = null;
  const cleanup = async (): Promise<void> => {
    for (const d of detach.splice(0)) d();
    for (const s of sinks.splice(0)) await s.close();
    if (ownStore) store?.close();
  };
  try {
    if (options.store) {
      if (options.findingsDb !== undefined) throw new RangeError('startService: give store or findingsDb, not both');
      store = options.store;
    } else if (options.findingsDb !== undefined) {
      ownStore = true;
      store = FindingsStore.open(options.findingsDb, {
        events, ...(options.findingsDbMaxRows !== undefined ? { maxRows: options.findingsDbMaxRows } : {}),
      });
    }
    if (options.findingsFile !== undefined) {
      const sinkOpts: { events: EventCounter; maxBytes?: number; keep?: number } = { events };
      if (options.findingsMaxBytes !== undefined) sinkOpts.maxBytes = options.findingsMaxBytes;
      if (options.findingsKeep !== undefined) sinkOpts.keep = options.findingsKeep;
      const s = new JsonlFileSink(options.findingsFile, sinkOpts);
      sinks.push(s);
      detach.push(attachSink(bus, s));
    }
    if (options.stdout) {
      const s = new StdoutSink({ events });
      sinks.push(s);
      detach.push(attachSink(bus, s));
    }

    const api = new HttpApi({
      bus, metrics, guard, store,
      inventory: options.inventory ?? null,
      spec: options.spec ?? null,
      metricsAuth: options.metricsAuth ?? true,
      healthAuth: options.healthAuth ?? false,
      ready: () => ready,
      stats: () => ({ clients: bridge?.clientCount ?? 0 }),
    });

    // What the bus already holds goes to the worker's ring (and the store) first.
    const seedWriter = new FrameBatchWriter();
    const held = bus.since(0);
    const evictedThrough = held.gap?.to ?? 0;
    // Seqs the store already has (a bus restored from it) are neither lost nor stored twice.
    const storedThrough = store?.lastSeq ?? 0;
    const writable = options.storeReadOnly === true ? null : store;
    if (evictedThrough > storedThrough) writable?.markLost(evictedThrough);
    for (const m of held.messages) {
      const json = JSON.stringify(m);
      if (m.seq > storedThrough) writable?.append(m, json);
      seedWriter.push(m.seq, messageMeta(m), json);
    }
    store?.flush();
    // Messages published while the worker starts wait here.
    let early: [BusMessage, string][] | null = [];
    let overwritten = bus.events.get('bus.ring_overwritten');
    detach.push(bus.subscribe((m: BusMessage) => {
      if (m.channel === 'findings') metrics.findings.inc({ type: m.finding.type, severity: m.finding.severity });
      else metrics.inventoryEvents.inc({ event: m.event });
      const o = bus.events.get('bus.ring_overwritten');
      if (o > overwritten) {
        metrics.ringOverwritten.inc(o - overwritten);
        overwritten = o;
      }
      // One JSON encoding per message, shared by the store and the stream worker.
      const json = JSON.stringify(m);
      writable?.append(m, json);
      if (early) early.push([m, json]);
      else bridge!.push(m, json);
    }));
    bridge = await StreamBridge.start({
      host, port, tls,
      tokens: authTokens === null ? null : authTokens.digests(),
      allowedOrigins: options.allowedOrigins ?? [],
      stream: streamOptions,
      ringCapacity: bus.ringCapacity,
      seed: seedWriter.take(),
      evictedThrough,
      store: store !== null,
    }, { api, metrics, events, store });
    for (const [m, json] of early) bridge.push(m, json);
    early = null;
  } catch (err) {
    await cleanup();
    throw err;
  }
  const started = bridge;

  const scheme = tls ? 'https' : 'http';
  const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${started.port}`;
  let closed: Promise<void> | null = null;
  return {
    bus, metrics, events, url, port: started.port,
    setReady(r: boolean): void {
      ready = r;
    },
    close(reason = 'server shutting down'): Promise<void> {
      closed ??= (async () => {
        ready = false;
        await started.close(reason);
        await cleanup();
      })();
      return closed;
    },
  };
}
