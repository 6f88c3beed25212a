/**
 * Redaction of schema enum candidates that hold sensitive values.
 *
 * `inferSchema` (schema-infer.ts) keeps up to `maxEnum` distinct short string
 * values per node as enum candidates. A node whose values were classified as
 * a data class (a password, an API key, a name under a PII key…) must not keep
 * them: the store and the OpenAPI export would print them raw (issue 3 §4).
 * This walks the schema along the data-class hit locations of one message and
 * abandons (`enum = null`) the enum of every node a hit points at.
 *
 * Locations follow data-classes.ts: `${prefix}.${key}` for an object member,
 * `${prefix}[]` for array items (e.g. `request.body.items[].card`).
 */
import type { DataClassHit } from './data-classes.js';
import type { SchemaNode } from './schema-infer.js';

/**
 * Abandon the enum candidates of every node of `schema` (rooted at location
 * `prefix`, e.g. `request.body`) that a hit in `hits` points at. Returns the
 * number of nodes redacted. Only hits under `prefix` are considered.
 */
export function redactSensitiveEnums(schema: SchemaNode, prefix: string, hits: readonly DataClassHit[]): number {
  const targets = new Set<string>();
  for (const h of hits) {
    if (h.location === prefix || h.location.startsWith(prefix + '.') || h.location.startsWith(prefix + '[')) targets.add(h.location);
  }
  if (targets.size === 0) return 0;
  return walk(schema, prefix, targets);
}

function walk(node: SchemaNode, location: string, targets: ReadonlySet<string>): number {
  let n = 0;
  if (targets.has(location) && node.enum !== undefined && node.enum !== null) {
    node.enum = null;
    n++;
  }
  if (node.items) n += walk(node.items, `${location}[]`, targets);
  if (node.properties) {
    for (const key of Object.keys(node.properties)) {
      const child = `${location}.${key}`;
      // Only descend where a target lies below (locations are prefix-closed).
      if (hasPrefix(targets, child)) n += walk(node.properties[key]!, child, targets);
    }
  }
  return n;
}

function hasPrefix(targets: ReadonlySet<string>, location: string): boolean {
  for (const t of targets) {
    if (t === location || t.startsWith(location + '.') || t.startsWith(location + '[')) return true;
  }
  return false;
}
