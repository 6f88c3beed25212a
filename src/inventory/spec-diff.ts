/**
 * Spec diff (issue 3 §7): compare observed endpoints with an OpenAPI 3.0 or
 * 3.1 document (YAML or JSON; internal `$ref`s resolved by
 * @seriousme/openapi-schema-validator, which also validates the document).
 *
 * A spec describes the API at its `servers` (spec-servers.ts; OpenAPI 3.1.0
 * §4.8.5): an endpoint whose host none of the spec's absolute server URLs
 * names is `uncovered` — outside the spec, neither shadow nor documented.
 * Relative or absent `servers` cover every host. The servers of an operation
 * are its own `servers`, else its Path Item's, else the document's
 * (§4.8.8, §4.8.9, §4.8.10); a host is covered when any operation's servers
 * cover it. Each covered endpoint is exactly one of
 *  - `documented`: matches an operation that is not deprecated;
 *  - `zombie`: matches an operation marked `deprecated: true`, yet is called;
 *  - `shadow`: matches no operation;
 * and each spec operation matched by no observed endpoint is an `orphan`.
 *
 * Matching (a server of the operation covers the endpoint's host; method
 * equal, case-insensitive; path segment by segment, against the spec path
 * prefixed with that server's base path, e.g. `/api/v1`):
 * a template parameter matches a spec parameter whatever their names
 * (`{userId}` ≡ `{id}`, `{fileName}.pdf` ≡ `{file}.pdf`); a literal matches an
 * equal literal, or a spec segment with parameters whose pattern it fits
 * (`me` fits `{id}`). An exact literal match is preferred to a parameter one.
 *
 * Errors: ApisensorError `ERR_SPEC_READ` (file unreadable, exit 2),
 * `ERR_SPEC_PARSE` (not YAML/JSON, not an OpenAPI 3.x document, exit 2).
 */
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { parse as parseYaml } from 'yaml';
import { ApisensorError } from '../errors.js';
import { DEFAULT_SERVER, expandServers, serverCoversHost, type SpecServer } from './spec-servers.js';

export type { SpecServer } from './spec-servers.js';

export interface SpecOperation {
  method: string;
  /** Path as written in the spec, with the base path of its first server prefixed. */
  path: string;
  /** Path as written in the spec (the Paths Object key). */
  specPath: string;
  /** Servers of this operation (its own, its Path Item's or the document's); never empty. */
  servers: SpecServer[];
  deprecated: boolean;
  operationId?: string;
}

export interface LoadedSpec {
  /** `3.0.x` or `3.1.x`. */
  openapi: string;
  operations: SpecOperation[];
  /** The document's `servers`, expanded; `[DEFAULT_SERVER]` (URL `/`) when absent or empty. */
  servers: SpecServer[];
  /**
   * True when every server (root and overrides) names a host: the spec then
   * covers only those hosts and the diff has `uncovered` endpoints.
   */
  hostScoped: boolean;
  /** Validator messages when the document is not valid, and notes on `servers` expansion (the diff still runs). */
  warnings: string[];
}

/** What spec diff needs of an endpoint (an EndpointStats fits). */
export interface DiffEndpoint {
  key: string;
  host: string;
  method: string;
  pathTemplate: string;
  calls?: number;
}

export interface SpecDiffEntry {
  endpoint: DiffEndpoint;
  operation: SpecOperation | null;
}

export interface SpecDiffResult {
  documented: SpecDiffEntry[];
  shadow: SpecDiffEntry[];
  zombie: SpecDiffEntry[];
  orphan: SpecOperation[];
  /** Endpoints of hosts outside the spec's servers (operation null); empty unless `spec.hostScoped`. */
  uncovered: SpecDiffEntry[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Operations of a parsed OpenAPI 3.x document whose `$ref`s are resolved. */
export async function loadSpecObject(doc: unknown): Promise<LoadedSpec> {
  if (typeof doc !== 'object' || doc === null || typeof (doc as Record<string, unknown>).openapi !== 'string') {
    throw new ApisensorError('ERR_SPEC_PARSE', 'not an OpenAPI 3.x document (no `openapi` field)', 2);
  }
  const openapi = (doc as { openapi: string }).openapi;
  if (!/^3\.[01]\./.test(openapi)) throw new ApisensorError('ERR_SPEC_PARSE', `unsupported OpenAPI version ${openapi}`, 2);
  const validator = new Validator();
  const res = await validator.validate(doc as Record<string, unknown>);
  const warnings = res.valid ? [] : Array.isArray(res.errors)
    ? res.errors.map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`)
    : [String(res.errors)];
  let spec: Record<string, unknown>;
  try {
    spec = validator.resolveRefs() as Record<string, unknown>;
  } catch {
    spec = doc as Record<string, unknown>;
  }
  const rootServers = expandServers(spec.servers, warnings);
  const servers = rootServers.length > 0 ? rootServers : [DEFAULT_SERVER];
  const operations: SpecOperation[] = [];
  const paths = (spec.paths ?? {}) as Record<string, Record<string, unknown>>;
  for (const p of Object.keys(paths).sort()) {
    const item = paths[p] ?? {};
    const itemServers = expandServers(item.servers, warnings);
    for (const m of METHODS) {
      const op = item[m] as Record<string, unknown> | undefined;
      if (!op || typeof op !== 'object') continue;
      const opServers = expandServers(op.servers, warnings);
      const own = opServers.length > 0 ? opServers : itemServers.length > 0 ? itemServers : servers;
      const o: SpecOperation = { method: m.toUpperCase(), path: joinPath(own[0]!.basePath, p), specPath: p, servers: own, deprecated: op.deprecated === true };
      if (typeof op.operationId === 'string') o.operationId = op.operationId;
      operations.push(o);
    }
  }
  const hostScoped = servers.every((sv) => sv.host !== null) && operations.every((o) => o.servers.every((sv) => sv.host !== null));
  return { openapi, operations, servers, hostScoped, warnings };
}

/** Read and parse a spec file (YAML or JSON by content). */
export async function loadSpecFile(file: string): Promise<LoadedSpec> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ApisensorError('ERR_SPEC_READ', `${file}: cannot read spec: ${(err as Error).message}`, 2, { cause: err });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 1000 });
  } catch (err) {
    // One line: the parser's first line (it names line and column), not its caret drawing.
    throw new ApisensorError('ERR_SPEC_PARSE', `${file}: not YAML or JSON: ${(err as Error).message.split('\n')[0]}`, 2, { cause: err });
  }
  try {
    return await loadSpecObject(doc);
  } catch (err) {
    if (err instanceof ApisensorError) throw new ApisensorError(err.code, `${file}: ${err.message}`, err.exitCode, { cause: err });
    throw err;
  }
}

function joinPath(base: string, p: string): string {
  return base + (p.startsWith('/') ? p : '/' + p);
}

function segments(p: string): string[] {
  return p.split('/').filter((s) => s.length > 0);
}

const PARAM_RE = /\{[^{}/]*\}/g;

/** A parameter segment with names erased: `{userId}.pdf` → `{}.pdf`. */
export function normalizeSegment(s: string): string {
  return s.replace(PARAM_RE, '{}');
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Match score of an observed template against a spec path: -1 when they do
 * not match, else the number of segments matched exactly (higher is better).
 */
export function matchScore(template: string, specPath: string): number {
  const a = segments(template);
  const b = segments(specPath);
  if (a.length !== b.length) return -1;
  let exact = 0;
  for (let i = 0; i < a.length; i++) {
    const x = normalizeSegment(a[i]!);
    const y = normalizeSegment(b[i]!);
    if (x === y) {
      exact++;
      continue;
    }
    if (!y.includes('{}')) return -1;
    const re = new RegExp('^' + y.split('{}').map(escapeRe).join('.+') + '$');
    // Our parameter fits a spec pattern when its literal parts do (`{}.pdf` fits `{}`).
    if (!re.test(x.includes('{}') ? x.replace(/\{\}/g, 'x') : decodeSafe(x))) return -1;
  }
  return exact;
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Does the spec cover `host` (an endpoint host as the inventory records it,
 * e.g. `api.example.com`, `10.0.0.1:8080`)? Always true unless `spec.hostScoped`.
 */
export function specCoversHost(spec: LoadedSpec, host: string): boolean {
  if (!spec.hostScoped) return true;
  if (spec.servers.some((sv) => serverCoversHost(sv, host))) return true;
  return spec.operations.some((o) => o.servers !== spec.servers && o.servers.some((sv) => serverCoversHost(sv, host)));
}

/**
 * The operation an endpoint matches (best `matchScore` over the operations
 * of that method and their servers covering `host`), or null.
 */
export function findOperation(spec: LoadedSpec, host: string, method: string, pathTemplate: string): SpecOperation | null {
  const m = method.toUpperCase();
  let best: SpecOperation | null = null;
  let bestScore = -1;
  for (const op of spec.operations) {
    if (op.method !== m) continue;
    for (const sv of op.servers) {
      if (!serverCoversHost(sv, host)) continue;
      const s = matchScore(pathTemplate, sv === op.servers[0] ? op.path : joinPath(sv.basePath, op.specPath));
      if (s > bestScore) {
        best = op;
        bestScore = s;
      }
    }
  }
  return best;
}

/** Classify `endpoints` against `spec` (see the file docstring). Entries keep the input order. */
export function diffAgainstSpec(endpoints: readonly DiffEndpoint[], spec: LoadedSpec): SpecDiffResult {
  const result: SpecDiffResult = { documented: [], shadow: [], zombie: [], orphan: [], uncovered: [] };
  const used = new Set<SpecOperation>();
  const covered = new Map<string, boolean>();
  for (const ep of endpoints) {
    let c = covered.get(ep.host);
    if (c === undefined) covered.set(ep.host, (c = specCoversHost(spec, ep.host)));
    if (!c) {
      result.uncovered.push({ endpoint: ep, operation: null });
      continue;
    }
    const best = findOperation(spec, ep.host, ep.method, ep.pathTemplate);
    if (!best) {
      result.shadow.push({ endpoint: ep, operation: null });
      continue;
    }
    used.add(best);
    (best.deprecated ? result.zombie : result.documented).push({ endpoint: ep, operation: best });
  }
  for (const op of spec.operations) if (!used.has(op)) result.orphan.push(op);
  return result;
}

/** Distinct hosts of `entries` (e.g. `SpecDiffResult.uncovered`), sorted. */
export function hostsOf(entries: readonly SpecDiffEntry[]): string[] {
  return [...new Set(entries.map((e) => e.endpoint.host))].sort();
}
