/**
 * `apisensor inventory <list|show|openapi|diff>`: read the stored API
 * inventory (issue 3 §6, §7). The inventory is written by
 * `apisensor replay FILE --db F`; these commands never modify it.
 *
 * Output goes to stdout; errors are thrown (UsageError, exit 2, for a bad
 * command line or an unknown endpoint; ApisensorError from the store or the
 * spec loader, see src/inventory/inventory-session.ts). Returns the exit code.
 */
import { UsageError } from '../errors.js';
import { parseCommandArgs } from './cli-args.js';
import { endpointId, findEndpoints } from '../inventory/endpoint-lookup.js';
import type { EndpointStats } from '../inventory/endpoint-stats.js';
import {
  authSummary, dataClassSummary, formatEndpointDetail, formatInventoryTable, specMarks,
} from '../inventory/inventory-format.js';
import { DEFAULT_DB_FILE, InventorySession } from '../inventory/inventory-session.js';
import { toOpenApi, toOpenApiYaml } from '../inventory/openapi-export.js';
import { diffAgainstSpec, hostsOf, type SpecDiffResult } from '../inventory/spec-diff.js';

export const INVENTORY_USAGE = `usage: apisensor inventory <subcommand> [options]

Read the API inventory learned by 'apisensor replay FILE --db F'.

subcommands:
  list [--host H] [--spec FILE] [--json]     endpoints as a table (host, method, template, calls,
                                             statuses, auth, data classes; spec status with --spec)
  show ENDPOINT [--json]                     one endpoint in detail; ENDPOINT is its id (from list),
                                             its key, or 'METHOD host/path' (template or concrete path)
  openapi [--host H] [--tenant T] [--format yaml|json]
                                             OpenAPI 3.1 document of one API (host) on stdout;
                                             --host is needed when the inventory has several hosts
  diff --spec FILE [--json]                  documented / shadow / zombie / orphan against an
                                             OpenAPI 3.0 or 3.1 file (YAML or JSON); endpoints of
                                             hosts outside the spec's servers are 'uncovered'

options:
  --db FILE        inventory database (default ${DEFAULT_DB_FILE})
  --host H         only endpoints of host H (as listed, e.g. api.example.com or 10.0.0.1:8080)
  --tenant T       openapi: the tenant of host H when it is seen in several (as listed, e.g. vxlan:101)
  --spec FILE      OpenAPI file to compare with
  --format F       openapi output: yaml (default) or json
  --json           machine-readable output
  -h, --help       this help`;

const SUBCOMMAND_OPTIONS: Record<string, readonly string[]> = {
  list: ['db', 'host', 'spec', 'json'],
  show: ['db', 'json', 'spec'],
  openapi: ['db', 'host', 'tenant', 'format'],
  diff: ['db', 'spec', 'json', 'host'],
};

function parse(args: string[]) {
  return parseCommandArgs('inventory', args, {
    db: { type: 'string' },
    host: { type: 'string' },
    tenant: { type: 'string' },
    spec: { type: 'string' },
    format: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
}

function write(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

function listRow(e: EndpointStats, marks: Map<string, string> | null): Record<string, unknown> {
  const row: Record<string, unknown> = {
    id: endpointId(e.key), key: e.key, tenant: e.tenant, host: e.host, method: e.method, pathTemplate: e.pathTemplate,
    calls: e.calls, firstSeen: e.firstSeen, lastSeen: e.lastSeen, statuses: e.statuses, auth: authSummary(e.auth),
    unauthenticated: e.auth.unauthenticated, dataClasses: dataClassSummary(e) === '-' ? [] : dataClassSummary(e).split(','),
  };
  if (marks) row.spec = marks.get(e.key) ?? null;
  return row;
}

function diffJson(d: SpecDiffResult): Record<string, unknown> {
  const entry = (e: SpecDiffResult['shadow'][number]) => ({
    id: endpointId(e.endpoint.key), key: e.endpoint.key, host: e.endpoint.host, method: e.endpoint.method,
    pathTemplate: e.endpoint.pathTemplate, calls: e.endpoint.calls ?? null,
    operation: e.operation ? { method: e.operation.method, path: e.operation.path, deprecated: e.operation.deprecated } : null,
  });
  return {
    documented: d.documented.map(entry),
    shadow: d.shadow.map(entry),
    zombie: d.zombie.map(entry),
    orphan: d.orphan.map((o) => ({ method: o.method, path: o.path, deprecated: o.deprecated, ...(o.operationId ? { operationId: o.operationId } : {}) })),
    uncovered: d.uncovered.map(entry),
    uncoveredHosts: hostsOf(d.uncovered),
  };
}

function diffText(d: SpecDiffResult): string {
  const out: string[] = [];
  const section = (title: string, lines: string[]): void => {
    out.push(`${title} (${lines.length})`);
    for (const l of lines) out.push(`  ${l}`);
  };
  const ep = (e: SpecDiffResult['shadow'][number]): string =>
    `${e.endpoint.method} ${e.endpoint.host}${e.endpoint.pathTemplate}  calls ${e.endpoint.calls ?? '-'}` + (e.operation ? `  ↔ ${e.operation.method} ${e.operation.path}` : '');
  section('shadow: seen, not documented', d.shadow.map(ep));
  section('zombie: documented as deprecated, still called', d.zombie.map(ep));
  section('orphan: documented, never seen', d.orphan.map((o) => `${o.method} ${o.path}${o.deprecated ? ' (deprecated)' : ''}`));
  section('documented', d.documented.map(ep));
  if (d.uncovered.length > 0) {
    const hosts = hostsOf(d.uncovered);
    section(`uncovered: host outside the spec's servers (${hosts.length} host(s): ${hosts.join(', ')})`, d.uncovered.map(ep));
  }
  return out.join('\n');
}

/** Entry point of `apisensor inventory`; `args` excludes the word `inventory`. */
export async function inventoryCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args);
  if (values.help) {
    write(INVENTORY_USAGE);
    return 0;
  }
  const [sub, ...rest] = positionals;
  if (sub === undefined) throw new UsageError('missing subcommand: list, show, openapi or diff (see apisensor inventory --help)');
  const allowed = SUBCOMMAND_OPTIONS[sub];
  if (!allowed) throw new UsageError(`unknown inventory subcommand '${sub}' (list, show, openapi, diff)`);
  for (const name of Object.keys(values)) {
    if (name !== 'help' && !allowed.includes(name)) throw new UsageError(`--${name} does not apply to 'inventory ${sub}'`);
  }
  if (sub === 'show' ? rest.length === 0 : rest.length > 0) {
    throw new UsageError(sub === 'show' ? "inventory show needs an ENDPOINT (an id from 'inventory list', a key, or 'METHOD host/path')" : `unexpected argument '${rest[0]}'`);
  }
  if (sub === 'diff' && values.spec === undefined) throw new UsageError('inventory diff needs --spec FILE');
  const format = values.format ?? 'yaml';
  if (format !== 'yaml' && format !== 'json') throw new UsageError(`--format takes yaml or json, got '${format}'`);
  if (values.host !== undefined && values.host.trim() === '') throw new UsageError('--host needs a host name');
  const host = values.host?.trim().toLowerCase();

  const session = await InventorySession.open({ db: values.db ?? DEFAULT_DB_FILE, create: false, ...(values.spec === undefined ? {} : { spec: values.spec }) });
  try {
    const all = session.endpoints();
    const endpoints = host === undefined ? all : all.filter((e) => e.host === host);
    if (sub === 'list') {
      const diff = session.spec ? diffAgainstSpec(endpoints, session.spec) : null;
      if (values.json) {
        const marks = diff ? specMarks(diff) : null;
        const doc: Record<string, unknown> = { endpoints: endpoints.map((e) => listRow(e, marks)) };
        if (diff) doc.orphan = diffJson(diff).orphan;
        write(JSON.stringify(doc, null, 2));
      } else {
        write(formatInventoryTable(endpoints, { diff }));
      }
      return 0;
    }
    if (sub === 'show') {
      const query = rest.join(' ');
      const found = findEndpoints(all, query, session.inventory.templater);
      if (found.length === 0) {
        throw new UsageError(`no endpoint matches '${query}' in ${values.db ?? DEFAULT_DB_FILE} (see 'apisensor inventory list')`, 'ERR_ENDPOINT_NOT_FOUND');
      }
      if (found.length > 1) {
        throw new UsageError(`'${query}' matches ${found.length} endpoints; use an id:\n` + found.map((e) => `  ${endpointId(e.key)}  ${e.key}`).join('\n'), 'ERR_ENDPOINT_AMBIGUOUS');
      }
      const ep = found[0]!;
      const diff = session.diff();
      const mark = diff ? specMarks(diff).get(ep.key) : undefined;
      if (values.json) write(JSON.stringify({ id: endpointId(ep.key), ...(mark ? { spec: mark } : {}), ...ep }, null, 2));
      else write(formatEndpointDetail(ep, mark ? { specMark: mark } : {}));
      return 0;
    }
    if (sub === 'openapi') {
      // One API per document: OpenApiScopeError (exit 2) lists the hosts when the choice is missing or unknown.
      const opts = { ...(host === undefined ? {} : { host }), ...(values.tenant === undefined ? {} : { tenant: values.tenant.trim() }) };
      write(format === 'json' ? JSON.stringify(toOpenApi(all, opts), null, 2) : toOpenApiYaml(all, opts));
      return 0;
    }
    // diff (of the host's endpoints with --host: orphans are then relative to that host)
    const diff = diffAgainstSpec(endpoints, session.spec!);
    write(values.json ? JSON.stringify(diffJson(diff), null, 2) : diffText(diff));
    return 0;
  } finally {
    session.close();
  }
}
