/**
 * Test oracle: the HTTP requests tshark dissects in captures, as
 * (tenant, host, method, path). Host is the Host header lower-cased without
 * `:80`, else `serverIp:port` (the identity the inventory documents in
 * observed-transaction.ts); tenant is `vxlan:VNI` for VXLAN-wrapped traffic
 * (the only tunnel in the captures these tests use), else ''. Path is the
 * request target up to `?`.
 */
import { execFileSync } from 'node:child_process';

export interface OracleRequest {
  tenant: string;
  host: string;
  method: string;
  path: string;
}

const FIELDS = ['vxlan.vni', 'ip.dst', 'tcp.dstport', 'http.host', 'http.request.method', 'http.request.uri'];

/**
 * tshark preferences for captures of mirrored tenants that reuse the same
 * addresses: tshark keys TCP conversations by addresses and ports only, so the
 * second tenant's segments look like retransmissions and their HTTP is not
 * dissected. Without sequence analysis and desegmentation, each segment's
 * request line is dissected on its own (fine when every request line fits in
 * one segment, as in pcaps/attacks/tenants-*.pcap).
 */
export const PER_SEGMENT_PREFS = ['-o', 'tcp.analyze_sequence_numbers:FALSE', '-o', 'tcp.desegment_tcp_streams:FALSE'];

/** The tshark invocation the rows come from (quoted in failures). */
export function tsharkRequestArgs(file: string, prefs: readonly string[] = []): string[] {
  const args = ['-n', '-r', file, ...prefs, '-Y', 'http.request', '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=|'];
  for (const f of FIELDS) args.push('-e', f);
  return args;
}

/** Requests of every file, in file then frame order. Throws if a frame holds more than one request. */
export function tsharkRequests(files: readonly string[], prefs: readonly string[] = []): OracleRequest[] {
  const out: OracleRequest[] = [];
  for (const file of files) {
    const text = execFileSync('tshark', tsharkRequestArgs(file, prefs), { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const [vni = '', ipDst = '', port = '', hostHdr = '', method = '', uri = ''] = line.split('\t');
      if (method.includes('|')) throw new Error(`several requests in one frame of ${file}: ${line}`);
      const dst = ipDst.split('|').at(-1)!;
      const h = hostHdr.trim().toLowerCase();
      const host = h ? (h.endsWith(':80') ? h.slice(0, -3) : h) : `${dst}:${port.split('|').at(-1)}`;
      out.push({ tenant: vni ? `vxlan:${vni.split('|').at(-1)}` : '', host, method, path: uri.split('?')[0]! });
    }
  }
  return out;
}

/** `/a/{id}/b` → /^\/a\/[^/]+\/b$/ (a `{name}` matches one non-empty segment part). */
export function templateRegExp(template: string): RegExp {
  const src = template.split(/\{[^}]+\}/).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+');
  return new RegExp(`^${src}$`);
}

/**
 * The operation of `doc` a request falls on: among the templates of its
 * method that match its path, the one with the fewest `{params}` (a literal
 * segment wins over a parameter, as in OpenAPI 3.1 §4.8.8 path matching).
 * Returns `METHOD template`, or null when none matches.
 */
export function operationOf(doc: { paths: Record<string, Record<string, unknown>> }, method: string, path: string): string | null {
  let best: string | null = null;
  let bestParams = Infinity;
  for (const [template, item] of Object.entries(doc.paths)) {
    if (!(method.toLowerCase() in item) || !templateRegExp(template).test(path)) continue;
    const params = (template.match(/\{/g) ?? []).length;
    if (params < bestParams) {
      best = `${method} ${template}`;
      bestParams = params;
    }
  }
  return best;
}

/** `METHOD template` → calls (`x-apisensor.calls`) of every operation of `doc`. */
export function documentCalls(doc: { paths: Record<string, Record<string, unknown>> }): Map<string, number> {
  const out = new Map<string, number>();
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (method === 'servers' || method === 'parameters' || method === 'summary' || method === 'description') continue;
      out.set(`${method.toUpperCase()} ${template}`, (op as { 'x-apisensor': { calls: number } })['x-apisensor'].calls);
    }
  }
  return out;
}

/** `METHOD template` → number of oracle requests that fall on it (operationOf); requests on no operation under `null`. */
export function oracleCalls(doc: { paths: Record<string, Record<string, unknown>> }, requests: readonly OracleRequest[]): Map<string | null, number> {
  const out = new Map<string | null, number>();
  for (const r of requests) {
    const op = operationOf(doc, r.method, r.path);
    out.set(op, (out.get(op) ?? 0) + 1);
  }
  return out;
}
