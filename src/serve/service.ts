/**
 * startService: the findings service on one port: HTTP API + dashboard
 * (http-api.ts), WebSocket stream (stream-server.ts), metrics
 * (metrics-registry.ts), and the file / stdout sinks, all fed by one
 * FindingBus. Used by `apisensor serve` and by `replay --serve` /
 * `capture --serve`:
 *
 *   const svc = await startService({ listen: '127.0.0.1:8787', tokenFile, inventory });
 *   // producer side:
 *   svc.bus.publish(finding);                 // detectors
 *   svc.watcher.observe(inventory.record(tx), tx.requestTs);   // inventory events
 *   svc.metrics.setTotals({ packets, transactions });
 *   svc.setReady(true);
 *   ...
 *   await svc.close('replay finished');
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
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { ApisensorError, UsageError } from '../errors.js';
import { FindingBus } from '../findings/finding-bus.js';
import { attachSink, type FindingSink } from '../findings/finding-sink.js';
import { JsonlFileSink } from '../findings/jsonl-file-sink.js';
import { StdoutSink } from '../findings/stdout-sink.js';
import type { LoadedSpec } from '../inventory/spec-diff.js';
import { EventCounter } from '../stats/event-counter.js';
import { HttpApi, type InventorySource } from './http-api.js';
import { refuseUpgrade } from './http-errors.js';
import { InventoryWatcher } from './inventory-watcher.js';
import { MetricsRegistry } from './metrics-registry.js';
import { RequestGuard } from './request-guard.js';
import { StreamServer, type StreamServerOptions } from './stream-server.js';
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
  /** Ready from the start (`/readyz`). Default false: the producer calls setReady(true). */
  ready?: boolean;
  events?: EventCounter;
}

export interface Service {
  readonly bus: FindingBus;
  readonly metrics: MetricsRegistry;
  readonly events: EventCounter;
  readonly watcher: InventoryWatcher;
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
  const events = options.events ?? new EventCounter();
  const bus = options.bus ?? new FindingBus({ ringCapacity: options.ringCapacity ?? 10_000, events });
  const metrics = options.metrics ?? new MetricsRegistry();
  const guard = new RequestGuard(authTokens, options.allowedOrigins ?? []);
  const stream = new StreamServer(bus, guard, metrics, events, options.stream ?? {});
  const watcher = new InventoryWatcher(bus, { events });
  let ready = options.ready ?? false;

  // Bus → metrics.
  let overwritten = bus.events.get('bus.ring_overwritten');
  const unsubscribeMetrics = bus.subscribe((m) => {
    if (m.channel === 'findings') metrics.findings.inc({ type: m.finding.type, severity: m.finding.severity });
    else metrics.inventoryEvents.inc({ event: m.event });
    const o = bus.events.get('bus.ring_overwritten');
    if (o > overwritten) {
      metrics.ringOverwritten.inc(o - overwritten);
      overwritten = o;
    }
  });

  const sinks: FindingSink[] = [];
  const detach: (() => void)[] = [unsubscribeMetrics];
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
    bus, metrics, guard,
    inventory: options.inventory ?? null,
    spec: options.spec ?? null,
    metricsAuth: options.metricsAuth ?? true,
    healthAuth: options.healthAuth ?? false,
    ready: () => ready,
    stats: () => ({ clients: stream.clientCount }),
  });

  const onRequest = (req: IncomingMessage, res: import('node:http').ServerResponse): void => {
    void api.handle(req, res);
  };
  let server: Server;
  let scheme = 'http';
  if (options.tlsCertFile !== undefined && options.tlsKeyFile !== undefined) {
    const cert = readPem(options.tlsCertFile, 'certificate');
    const key = readPem(options.tlsKeyFile, 'key');
    try {
      server = createHttpsServer({ cert, key }, onRequest);
    } catch (err) {
      throw new ApisensorError('ERR_TLS', `invalid TLS certificate or key: ${(err as Error).message}`, 2);
    }
    scheme = 'https';
  } else {
    server = createHttpServer(onRequest);
  }
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/v1/stream') stream.handleUpgrade(req, socket, head);
    else {
      socket.on('error', () => socket.destroy());
      refuseUpgrade(socket, 'ERR_NOT_FOUND', `no WebSocket endpoint ${path}`);
    }
  });
  server.on('clientError', (_err, socket) => {
    events.add('http.client_errors');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(new ApisensorError('ERR_LISTEN', `cannot listen on ${host}:${port}: ${err.message}`, 2, { cause: err }));
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        resolve();
      });
    });
  } catch (err) {
    await stream.close();
    for (const d of detach) d();
    for (const s of sinks) await s.close();
    throw err;
  }
  const addr = server.address();
  const boundPort = typeof addr === 'object' && addr !== null ? addr.port : port;
  const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;

  let closed: Promise<void> | null = null;
  return {
    bus, metrics, events, watcher, url, port: boundPort,
    setReady(r: boolean): void {
      ready = r;
    },
    close(reason = 'server shutting down'): Promise<void> {
      closed ??= (async () => {
        ready = false;
        await stream.close(reason);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        for (const d of detach) d();
        for (const s of sinks) await s.close();
      })();
      return closed;
    },
  };
}
