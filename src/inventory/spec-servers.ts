/**
 * Which hosts and base paths an OpenAPI document describes: its Server
 * Objects (OpenAPI 3.1.0 §4.8.5, §4.8.6; 3.0.3 §4.7.5).
 *
 * A server URL is absolute (`https://api.example.com/v2`: host
 * `api.example.com`, base path `/v2`), scheme-relative (`//api.example.com`)
 * or relative to the document (`/v2`, `.`). A relative URL names no host: it
 * covers every host, as does a document without `servers` (the default is
 * one server with URL `/`). The scheme is ignored (a sensor sees plain HTTP,
 * often behind a TLS terminator); an explicit port is compared, a URL
 * without one covers the host on any port.
 *
 * Server variables (`https://{env}.example.com:{port}/{version}`) are
 * expanded to every value of their `enum` and their `default`, at most
 * `maxExpansions` URLs per Server Object (default 64): past that, the
 * variables with several values are left as wildcards (`{env}`), as is a
 * variable the document does not define. A wildcard in the host matches any
 * run of characters other than `:`; in the base path it is a path parameter
 * (one segment). Each such fallback adds a line to `notes`.
 */

/** One Server Object URL, variables substituted. */
export interface SpecServer {
  /** URL after substitution; wildcards kept as `{name}`. */
  url: string;
  /** Lower-case host (IPv6 in brackets), possibly with `{name}` wildcards; null for a relative URL (any host). */
  host: string | null;
  /** Explicit port of the URL; null when absent (any port). */
  port: number | null;
  /** Path of the URL without trailing `/` (`''` for none): it prefixes every path of the spec. */
  basePath: string;
}

export const DEFAULT_MAX_SERVER_EXPANSIONS = 64;

/** The OpenAPI default server (`servers` absent or empty): any host, no base path. */
export const DEFAULT_SERVER: SpecServer = Object.freeze({ url: '/', host: null, port: null, basePath: '' });

const VAR_RE = /\{([^{}]*)\}/g;

/**
 * URLs of a `servers` array (root, Path Item or Operation), expanded. Returns
 * `[]` when `servers` is absent, not an array, or holds no usable URL (the
 * caller then inherits, or uses DEFAULT_SERVER at the root).
 */
export function expandServers(servers: unknown, notes: string[], maxExpansions = DEFAULT_MAX_SERVER_EXPANSIONS): SpecServer[] {
  if (!Array.isArray(servers)) return [];
  const out: SpecServer[] = [];
  const seen = new Set<string>();
  for (const s of servers) {
    if (typeof s !== 'object' || s === null || typeof (s as { url?: unknown }).url !== 'string') continue;
    const { url, variables } = s as { url: string; variables?: unknown };
    for (const u of expandUrl(url, variables, notes, maxExpansions)) {
      if (seen.has(u)) continue;
      seen.add(u);
      out.push({ url: u, ...parseServerUrl(u) });
    }
  }
  return out;
}

/** Values of one Server Variable Object: its enum (strings), with its default first; [] when it has none. */
function variableValues(v: unknown): string[] {
  if (typeof v !== 'object' || v === null) return [];
  const { default: def, enum: en } = v as { default?: unknown; enum?: unknown };
  const vals = Array.isArray(en) ? en.filter((x): x is string => typeof x === 'string') : [];
  if (typeof def === 'string') {
    const i = vals.indexOf(def);
    if (i >= 0) vals.splice(i, 1);
    vals.unshift(def);
  }
  return vals;
}

function expandUrl(url: string, variables: unknown, notes: string[], max: number): string[] {
  const names = [...new Set([...url.matchAll(VAR_RE)].map((m) => m[1]!))];
  if (names.length === 0) return [url];
  const vars = (typeof variables === 'object' && variables !== null ? variables : {}) as Record<string, unknown>;
  // null = wildcard (left as `{name}`).
  const lists = new Map<string, string[] | null>();
  for (const n of names) {
    const vals = Object.hasOwn(vars, n) ? variableValues(vars[n]) : [];
    if (vals.length === 0) notes.push(`servers: ${url}: variable {${n}} has no default or enum value; matched as a wildcard`);
    lists.set(n, vals.length === 0 ? null : vals);
  }
  const product = (): number => [...lists.values()].reduce((p, l) => p * (l?.length ?? 1), 1);
  if (product() > max) {
    for (const n of [...names].sort((a, b) => (lists.get(b)?.length ?? 0) - (lists.get(a)?.length ?? 0))) {
      if (product() <= max) break;
      lists.set(n, null);
      notes.push(`servers: ${url}: more than ${max} expansions; variable {${n}} matched as a wildcard`);
    }
  }
  let urls = [url];
  for (const [n, vals] of lists) {
    if (vals === null) continue;
    const token = `{${n}}`;
    urls = urls.flatMap((u) => vals.map((v) => u.split(token).join(v)));
  }
  return urls;
}

const ABSOLUTE_RE = /^(?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\/([^/?#]*)([^?#]*)/;

/** Host, port and base path of a server URL (see SpecServer). */
export function parseServerUrl(url: string): Omit<SpecServer, 'url'> {
  const m = ABSOLUTE_RE.exec(url);
  if (!m || m[1] === '' || m[1] === undefined) {
    const path = url.startsWith('/') ? url.replace(/[?#].*$/, '') : '';
    return { host: null, port: null, basePath: path.replace(/\/+$/, '') };
  }
  const authority = m[1].slice(m[1].lastIndexOf('@') + 1).toLowerCase();
  const { name, port } = splitHostPort(authority);
  return { host: name, port, basePath: (m[2] ?? '').replace(/\/+$/, '') };
}

/** `api.example.com:8080` → name and port; `[::1]:8080` keeps the brackets; a port that is not a number is null. */
export function splitHostPort(host: string): { name: string; port: number | null } {
  const close = host.startsWith('[') ? host.indexOf(']') : -1;
  const colon = host.indexOf(':', close + 1);
  if (colon < 0) return { name: host, port: null };
  const p = host.slice(colon + 1);
  return { name: host.slice(0, colon), port: /^\d{1,5}$/.test(p) ? Number(p) : null };
}

const hostPatterns = new WeakMap<SpecServer, RegExp>();

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Does `server` cover an endpoint host as the inventory records it
 * (inventory/observed-transaction.ts `hostOf`: lower case, `:80` removed, or
 * `serverIp:serverPort`)? A host without a port is on port 80.
 */
export function serverCoversHost(server: SpecServer, endpointHost: string): boolean {
  if (server.host === null) return true;
  const { name, port } = splitHostPort(endpointHost);
  if (server.port !== null && server.port !== (port ?? 80)) return false;
  if (!server.host.includes('{')) return server.host === name;
  let re = hostPatterns.get(server);
  if (!re) {
    re = new RegExp('^' + server.host.split(/\{[^{}]*\}/).map(escapeRe).join('[^:]+') + '$');
    hostPatterns.set(server, re);
  }
  return re.test(name);
}
