/**
 * Flags shared by `replay` and `capture` for what runs on transactions:
 * the API inventory (issue 3), the abuse detectors (issue 4), the findings
 * outputs and the optional service (`--serve`), plus their terminal rendering.
 */
import { UsageError } from '../errors.js';
import { IpMatcher } from '../detect/ip-matcher.js';
import type { ServiceOptions } from '../serve/service.js';
import { formatInventoryTable, formatRunSummary } from '../inventory/inventory-format.js';
import type { AnalysisOptions, AnalysisSummary } from '../replay/analysis-session.js';
import type { Finding } from '../findings/finding.js';

export const ANALYSIS_ARG_OPTIONS = {
  db: { type: 'string' },
  'no-inventory': { type: 'boolean' },
  spec: { type: 'string' },
  salt: { type: 'string' },
  'no-detect': { type: 'boolean' },
  rules: { type: 'string' },
  'trusted-proxy': { type: 'string', multiple: true },
  serve: { type: 'boolean' },
} as const;

export const ANALYSIS_USAGE = `
inventory and detection:
  --db FILE                 inventory database (SQLite; default ./apisensor.db; ':memory:' for a throwaway run)
  --no-inventory            do not learn the API inventory
  --spec FILE               OpenAPI 3.0/3.1 file (YAML or JSON): shadow / zombie / orphan endpoints
  --salt S                  hash salt for principals and data classes of a new database
  --no-detect               do not run the abuse detectors
  --rules FILE              rate and quota rules (YAML)
  --trusted-proxy ADDR      honour X-Forwarded-For / Forwarded from this address or CIDR (repeatable)
  --findings FILE           write findings as JSONL (rotated by size: --findings-max-bytes, --findings-keep; '-' for stdout)

service (--serve): WebSocket stream /v1/stream, HTTP API, /metrics and the dashboard
  --serve                   serve while running (replay: until Ctrl-C after the replay)
  --listen HOST:PORT        default 127.0.0.1:8787; tokens from APISENSOR_TOKENS or --token-file
  (see 'apisensor serve --help' for the other service flags)`;

export interface AnalysisArgValues {
  db?: string;
  'no-inventory'?: boolean;
  spec?: string;
  salt?: string;
  'no-detect'?: boolean;
  rules?: string;
  'trusted-proxy'?: string[];
  serve?: boolean;
  findings?: string;
  'findings-max-bytes'?: string;
  'findings-keep'?: string;
}

/** Validated AnalysisOptions from parsed flags; UsageError for contradictions. */
export function analysisOptionsFromArgs(v: AnalysisArgValues, defaultDb: string, serve: ServiceOptions | null): AnalysisOptions {
  if (v['no-inventory'] && v.db !== undefined) throw new UsageError('--db and --no-inventory contradict each other');
  const options: AnalysisOptions = {
    db: v['no-inventory'] ? null : (v.db ?? defaultDb),
    detect: !v['no-detect'],
    trustedProxies: checkTrustedProxies(v['trusted-proxy']),
    serve,
  };
  if (v.spec !== undefined) options.spec = v.spec;
  if (v.salt !== undefined) options.salt = v.salt;
  if (v.rules !== undefined) {
    if (v['no-detect']) throw new UsageError('--rules needs the detectors (drop --no-detect)');
    options.rulesFile = v.rules;
  }
  if (v.findings !== undefined) {
    options.findingsFile = v.findings;
    if (v['findings-max-bytes'] !== undefined) options.findingsMaxBytes = wholeNumber('findings-max-bytes', v['findings-max-bytes'], 1);
    if (v['findings-keep'] !== undefined) options.findingsKeep = wholeNumber('findings-keep', v['findings-keep'], 0);
  }
  if (serve !== null) {
    // One findings path: the session's bus writes the file; the service only streams.
    delete serve.findingsFile;
    delete serve.findingsMaxBytes;
    delete serve.findingsKeep;
  }
  return options;
}

/**
 * The `--trusted-proxy` values, each checked to be an IPv4 / IPv6 address or
 * an `address/prefix` CIDR block (prefix ≤ 32 / ≤ 128).
 * @throws UsageError (exit 2) naming the flag and the first bad value.
 */
export function checkTrustedProxies(entries: readonly string[] | undefined): string[] {
  for (const entry of entries ?? []) {
    try {
      new IpMatcher([entry]);
    } catch (err) {
      const why = entry.includes('/') && /prefix/.test((err as Error).message) ? 'bad prefix length' : 'not an IP address';
      throw new UsageError(`--trusted-proxy takes an IP address or CIDR block (e.g. 10.0.0.0/8), got '${entry}' (${why})`);
    }
  }
  return [...(entries ?? [])];
}

function wholeNumber(flag: string, value: string, min: number): number {
  if (!/^\d{1,15}$/.test(value) || Number(value) < min) throw new UsageError(`--${flag} takes a whole number ≥ ${min}, got '${value}'`);
  return Number(value);
}

/** Terminal rendering of the inventory learned and the findings; empty when both are off. */
export function formatAnalysis(a: AnalysisSummary, maxFindings = 10): string {
  const parts: string[] = [];
  if (a.inventory) {
    if (a.endpoints.length > 0) parts.push(formatInventoryTable(a.endpoints, a.diff ? { diff: a.diff } : {}));
    parts.push(formatRunSummary(a.inventory));
  }
  if (a.findings) {
    const f = a.findings;
    const sev = (['critical', 'high', 'medium', 'low', 'info'] as const)
      .filter((s) => f.bySeverity[s] > 0)
      .map((s) => `${f.bySeverity[s]} ${s}`)
      .join(', ');
    parts.push(`findings: ${f.episodes} episode${f.episodes === 1 ? '' : 's'}${sev ? ` (${sev})` : ''}`);
    for (const finding of f.findings.slice(0, maxFindings)) parts.push(formatFinding(finding));
    if (f.findings.length > maxFindings) parts.push(`  ... ${f.findings.length - maxFindings} more (use --findings FILE.jsonl for all)`);
  }
  return parts.join('\n');
}

function formatFinding(f: Finding): string {
  const who = f.principal ? `${f.principal.kind}:${f.principal.id} from ${f.principal.clientIp}` : 'unknown principal';
  const where = f.endpoint ? `${f.endpoint.method} ${f.endpoint.host}${f.endpoint.pathTemplate}` : '(several endpoints)';
  return `  ${f.severity.toUpperCase().padEnd(8)} ${f.type.padEnd(24)} ${f.owaspApi}  ${where}  ${who}\n           ${f.description}`;
}

/** The analysis part of a `--json` summary: counts, not the findings themselves (see --findings). */
export function analysisJson(a: AnalysisSummary) {
  return {
    inventory: a.inventory,
    findings: a.findings && { episodes: a.findings.episodes, emitted: a.findings.emitted, bySeverity: a.findings.bySeverity, byType: a.findings.byType },
    events: a.events,
  };
}
