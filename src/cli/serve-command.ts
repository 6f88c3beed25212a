/**
 * `apisensor serve`: the findings service on its own (HTTP API, dashboard,
 * WebSocket stream, metrics), serving a stored inventory and findings loaded
 * from a JSONL file; runs until SIGINT / SIGTERM, then shuts down cleanly
 * (stream clients get close 1001 "server shutting down").
 *
 * With `--inventory-db FILE` it also serves the latest findings run stored in
 * FILE (by a replay or capture with that `--db`): the bus is restored from
 * the run's newest `--ring` messages (FindingBus.restore), so `/v1/findings`,
 * the stream's hello `lastSeq` and `since=SEQ` resume cover the whole run
 * (the ring, then the store beyond it). Nothing is ever written to FILE:
 * `--load-findings` findings are served from memory, numbered after the
 * stored run's last seq (so serving twice never stores them twice). FILE
 * must exist (`ERR_STORE_MISSING`).
 * Serving has no live inventory, hence no inventory-change events.
 *
 * `SERVE_ARG_OPTIONS` and `serviceOptionsFromArgs` are exported so `replay
 * --serve` and `capture --serve` accept the same flags.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ApisensorError, UsageError } from '../errors.js';
import { waitForSignal } from './cli-args.js';
import type { Finding } from '../findings/finding.js';
import { DEFAULT_RING_CAPACITY, FindingBus, type BusMessage } from '../findings/finding-bus.js';
import { FindingsStore } from '../findings/findings-store.js';
import { EventCounter } from '../stats/event-counter.js';
import { InventoryStore } from '../inventory/store.js';
import { loadSpecFile } from '../inventory/spec-diff.js';
import { startService, type ServiceOptions } from '../serve/service.js';

export const SERVE_USAGE = `usage: apisensor serve [options]

Serve findings and the API inventory: dashboard at /, WebSocket stream at /v1/stream,
HTTP API at /v1/..., Prometheus metrics at /metrics.

options:
  --listen HOST:PORT          address to listen on (default 127.0.0.1:8787)
  --token-file FILE           bearer tokens, one '[name=]token[@expiry]' per line (or a JSON array);
                              APISENSOR_TOKENS (comma-separated, same form) is read too
  --no-auth                   no authentication (only with a loopback --listen address)
  --tls-cert FILE             PEM certificate: serve HTTPS / wss (needs --tls-key)
  --tls-key FILE              PEM private key
  --allowed-origin ORIGIN     browser origin allowed to connect (repeatable; default: same origin)
  --max-clients N             stream clients at most (default 100)
  --max-buffered-bytes N      bytes queued for one stream client before it is cut off, close 4008 (default 4194304)
  --ping-interval-ms N        heartbeat interval (default 30000)
  --ring N                    findings kept for resume (default 10000)
  --public-metrics            serve /metrics without a token
  --health-auth               require a token for /healthz and /readyz
  --findings FILE.jsonl       also write findings to a JSONL file
  --findings-max-bytes N      rotate the findings file at this size (default 104857600)
  --findings-keep N           rotated findings files kept (default 5)
  --stdout                    also print findings as JSONL on stdout
  --inventory-db FILE         inventory store to serve (/v1/inventory, /v1/endpoints, /v1/openapi)
                              and the latest findings run stored in it (/v1/findings, stream resume)
  --spec FILE                 OpenAPI spec: mark shadow / zombie endpoints in the inventory
  --load-findings FILE.jsonl  publish the findings of a JSONL file at start (for resume and /v1/findings);
                              with --inventory-db they follow its stored run in memory (numbered after its
                              last seq; never written to the file)
  -h, --help                  this help`;

export const SERVE_ARG_OPTIONS = {
  listen: { type: 'string' },
  'token-file': { type: 'string' },
  'no-auth': { type: 'boolean' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'allowed-origin': { type: 'string', multiple: true },
  'max-clients': { type: 'string' },
  'max-buffered-bytes': { type: 'string' },
  'ping-interval-ms': { type: 'string' },
  ring: { type: 'string' },
  'public-metrics': { type: 'boolean' },
  'health-auth': { type: 'boolean' },
  findings: { type: 'string' },
  'findings-max-bytes': { type: 'string' },
  'findings-keep': { type: 'string' },
  stdout: { type: 'boolean' },
} as const;

type ServeValues = { [K in keyof typeof SERVE_ARG_OPTIONS]?: (typeof SERVE_ARG_OPTIONS)[K] extends { multiple: true } ? string[] : (typeof SERVE_ARG_OPTIONS)[K] extends { type: 'boolean' } ? boolean : string };

function positiveInt(flag: string, value: string | undefined, min = 1): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value) || Number(value) < min) throw new UsageError(`--${flag} takes a whole number ≥ ${min}, got '${value}'`);
  return Number(value);
}

/** Service options from parsed serve flags (validated; the service validates the rest at start). */
export function serviceOptionsFromArgs(v: ServeValues): ServiceOptions {
  const o: ServiceOptions = {
    listen: v.listen ?? '127.0.0.1:8787',
    noAuth: v['no-auth'] ?? false,
    metricsAuth: !(v['public-metrics'] ?? false),
    healthAuth: v['health-auth'] ?? false,
    stdout: v.stdout ?? false,
    allowedOrigins: v['allowed-origin'] ?? [],
    stream: {},
  };
  if (v['token-file'] !== undefined) o.tokenFile = v['token-file'];
  if (v['tls-cert'] !== undefined) o.tlsCertFile = v['tls-cert'];
  if (v['tls-key'] !== undefined) o.tlsKeyFile = v['tls-key'];
  const maxClients = positiveInt('max-clients', v['max-clients']);
  if (maxClients !== undefined) o.stream!.maxClients = maxClients;
  const maxBuf = positiveInt('max-buffered-bytes', v['max-buffered-bytes']);
  if (maxBuf !== undefined) o.stream!.maxBufferedBytes = maxBuf;
  const ping = positiveInt('ping-interval-ms', v['ping-interval-ms'], 100);
  if (ping !== undefined) o.stream!.pingIntervalMs = ping;
  const ring = positiveInt('ring', v.ring);
  if (ring !== undefined) o.ringCapacity = ring;
  if (v.findings !== undefined) o.findingsFile = v.findings;
  const maxBytes = positiveInt('findings-max-bytes', v['findings-max-bytes']);
  if (maxBytes !== undefined) o.findingsMaxBytes = maxBytes;
  const keep = positiveInt('findings-keep', v['findings-keep'], 0);
  if (keep !== undefined) o.findingsKeep = keep;
  return o;
}

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: false,
      strict: true,
      options: {
        ...SERVE_ARG_OPTIONS,
        'inventory-db': { type: 'string' },
        spec: { type: 'string' },
        'load-findings': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]} (see apisensor serve --help)`);
  }
}

function loadFindings(file: string): Finding[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: cannot read findings file: ${(err as Error).message}`, 'ERR_FINDINGS_READ');
  }
  const out: Finding[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as Finding);
    } catch {
      throw new UsageError(`${file}:${i + 1}: not a JSON line`, 'ERR_FINDINGS_READ');
    }
  });
  return out;
}

export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parse(args);
  if (values.help) {
    process.stdout.write(SERVE_USAGE + '\n');
    return 0;
  }
  const options = serviceOptionsFromArgs(values);
  const preload = values['load-findings'] !== undefined ? loadFindings(values['load-findings']) : [];
  let store: InventoryStore | null = null;
  let findingsStore: FindingsStore | null = null;
  try {
    if (values['inventory-db'] !== undefined) {
      const file = values['inventory-db'];
      if (file !== ':memory:' && !existsSync(file)) {
        throw new ApisensorError('ERR_STORE_MISSING', `${file}: no inventory database (run 'apisensor replay FILE --db ${file}' first)`, 2);
      }
      store = InventoryStore.open(file);
      options.inventory = store.loadInventory();
      const events = new EventCounter();
      findingsStore = FindingsStore.open(values['inventory-db'], { run: 'latest', events });
      const bus = new FindingBus({ ringCapacity: options.ringCapacity ?? DEFAULT_RING_CAPACITY, events });
      bus.restore(findingsStore.readLast(bus.ringCapacity).map((r) => JSON.parse(r.body) as BusMessage));
      Object.assign(options, { events, bus, store: findingsStore, storeReadOnly: true });
    }
    if (values.spec !== undefined) options.spec = await loadSpecFile(values.spec);
  } catch (err) {
    findingsStore?.close();
    store?.close();
    throw err;
  }
  let svc;
  try {
    svc = await startService({ ...options, ready: true });
  } catch (err) {
    findingsStore?.close();
    store?.close();
    throw err;
  }
  // Loaded findings follow the stored run in memory (the bus renumbers those at or below its last seq).
  for (const f of preload) svc.bus.publish(f);
  // Listen for the signal before saying we serve: a client may send it as soon as it reads the line.
  const stopped = waitForSignal();
  process.stderr.write(`apisensor: serving on ${svc.url} (dashboard ${svc.url}/, stream ${svc.url.replace(/^http/, 'ws')}/v1/stream)\n`);
  await stopped;
  await svc.close('server shutting down');
  findingsStore?.close();
  store?.close();
  return 0;
}
