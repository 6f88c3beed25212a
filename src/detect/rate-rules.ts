/**
 * Rate and quota rules (issue 4 §2): loaded from YAML, validated against
 * the JSON Schema in `rate-rules-schema.ts` (JSON Schema draft-07, with ajv), errors reported
 * with the line and column of the offending YAML node.
 *
 * ```yaml
 * version: 1
 * rules:
 *   - name: items-per-key          # unique
 *     match: { host: "*", method: GET, path: /api/v1/items }   # each optional, "*" = any
 *     per: principal               # principal | ip | principal_endpoint | endpoint | host (default principal)
 *     limit: 100                   # requests per window
 *     windowSec: 10
 *     burst: 20                    # extra requests tolerated above limit (default 0)
 *     severity: medium             # default medium
 * ```
 * `path` matches the learned path template (`/api/v1/users/{userId}`) or the
 * raw path; `*` inside it matches within one segment, a trailing `/**` any rest.
 *
 * Throws UsageError `ERR_RULES_READ` (file), `ERR_RULES_PARSE` (YAML syntax),
 * `ERR_RULES_INVALID` (schema, duplicate names), each message with `file:line:col`.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { Ajv } from 'ajv';
import { UsageError } from '../errors.js';
import type { Severity } from '../findings/finding.js';
import { RATE_RULES_SCHEMA } from './rate-rules-schema.js';


export type RateKeyKind = 'principal' | 'ip' | 'principal_endpoint' | 'endpoint' | 'host';

export interface RateRule {
  name: string;
  match: { host: string; method: string; path: string };
  per: RateKeyKind;
  limit: number;
  windowSec: number;
  burst: number;
  severity: Severity;
}

/** Built-in rule used when no rules file is given: a flood guard per principal and endpoint. */
export const DEFAULT_RATE_RULES: readonly RateRule[] = Object.freeze([
  { name: 'default-flood', match: { host: '*', method: '*', path: '*' }, per: 'principal_endpoint', limit: 300, windowSec: 60, burst: 0, severity: 'medium' },
]);

let validator: ReturnType<Ajv['compile']> | null = null;
function validate(doc: unknown): ReturnType<Ajv['compile']> {
  validator ??= new Ajv({ allErrors: true, strict: true }).compile(RATE_RULES_SCHEMA as unknown as Record<string, unknown>);
  validator(doc);
  return validator;
}

/** Parses and validates rules from YAML text; `source` names it in messages. */
export function parseRateRules(text: string, source = '<rules>'): RateRule[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const at = (offset: number | undefined): string => {
    if (offset === undefined) return source;
    const p = lc.linePos(offset);
    return `${source}:${p.line}:${p.col}`;
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new UsageError(`${at(e.pos[0])}: YAML syntax error: ${e.message.split('\n')[0]}`, 'ERR_RULES_PARSE');
  }
  const data = doc.toJS() as unknown;
  const v = validate(data);
  if (v.errors && v.errors.length > 0) {
    const msgs = v.errors.map((err) => {
      const path = err.instancePath.split('/').slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
      const node = path.length === 0 ? doc.contents : doc.getIn(path, true);
      const offset = isNode(node) ? node.range?.[0] : undefined;
      const params = err.params as { additionalProperty?: string; allowedValue?: unknown; allowedValues?: unknown[] };
      const extra = err.keyword === 'additionalProperties' ? ` '${params.additionalProperty}'`
        : err.keyword === 'const' ? ` ${JSON.stringify(params.allowedValue)}`
        : err.keyword === 'enum' ? ` (${(params.allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')})` : '';
      const where = err.instancePath || '(top level)';
      return `${at(offset)}: ${where} ${err.message ?? 'is invalid'}${extra}`;
    });
    throw new UsageError(`invalid rate rules: ${msgs.join('; ')}`, 'ERR_RULES_INVALID');
  }
  const raw = data as { rules: Array<Partial<RateRule> & { name: string; limit: number; windowSec: number; match?: Partial<RateRule['match']> }> };
  const names = new Set<string>();
  return raw.rules.map((r, i) => {
    if (names.has(r.name)) {
      const node = doc.getIn(['rules', i, 'name'], true);
      throw new UsageError(`${at(isNode(node) ? node.range?.[0] : undefined)}: duplicate rule name '${r.name}'`, 'ERR_RULES_INVALID');
    }
    names.add(r.name);
    return Object.freeze({
      name: r.name,
      match: { host: r.match?.host ?? '*', method: r.match?.method ?? '*', path: r.match?.path ?? '*' },
      per: r.per ?? 'principal',
      limit: r.limit,
      windowSec: r.windowSec,
      burst: r.burst ?? 0,
      severity: r.severity ?? 'medium',
    });
  });
}

/** Reads and parses a rules file. */
export function loadRateRules(file: string): RateRule[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: cannot read rate rules (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'ERR_RULES_READ');
  }
  return parseRateRules(text, file);
}

/** Compiled matcher of a rule's path pattern. */
export function pathMatcher(pattern: string): (template: string, rawPath: string) => boolean {
  if (pattern === '*') return () => true;
  let src = '';
  const rest = pattern.endsWith('/**');
  const body = rest ? pattern.slice(0, -3) : pattern;
  for (const ch of body) src += ch === '*' ? '[^/]*' : ch.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`^${src}${rest ? '(?:/.*)?' : ''}$`);
  return (template, rawPath) => re.test(template) || re.test(rawPath);
}
