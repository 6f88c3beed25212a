/**
 * JSON schema inference and merging across samples (issue 3 §2).
 *
 * A `SchemaNode` is a plain, JSON-serializable summary of every value seen at
 * one place of a document: counts per JSON type, per-property nodes (with how
 * many objects carried each, for required-ness), one node for all array items,
 * string formats, a small enum candidate set, and numeric range. Merging two
 * nodes (two samples, two runs) adds counts, so the result does not depend on
 * the order samples arrive in.
 *
 * `toJsonSchema` renders a node as JSON Schema 2020-12 (the dialect of
 * OpenAPI 3.1): `type`, `properties`, `required` (present in every object),
 * `items`, `format` (when every string had it), `enum` (≤ `maxEnum` distinct
 * short strings over ≥ 3 samples with repeats).
 *
 * Caps (events on the given counter): `maxDepth` nesting levels
 * (`inventory.schema_depth_cap`: deeper values count as their type only),
 * `maxProperties` per object node (`inventory.schema_width_cap`: further keys
 * dropped), `maxEnum` + 1 enum candidates (then the enum is abandoned).
 */
import type { EventCounter } from '../stats/event-counter.js';
import { stringFormatOf, type StringFormat } from './string-format.js';

export type JsonType = 'null' | 'boolean' | 'integer' | 'number' | 'string' | 'object' | 'array';

export interface SchemaNode {
  /** Values seen here, by JSON type (`integer` for whole numbers). */
  types: Partial<Record<JsonType, number>>;
  /** Object keys → node; `types.object` objects were seen, each key's node `seen` tells how many carried it. */
  properties?: Record<string, SchemaNode>;
  /** Objects that carried this key (property nodes only). */
  seen?: number;
  /** One node for the items of every array seen here. */
  items?: SchemaNode;
  /** String formats with counts. */
  formats?: Partial<Record<StringFormat, number>>;
  /** Distinct short string values (sorted), or null once more than maxEnum were seen. */
  enum?: string[] | null;
  minimum?: number;
  maximum?: number;
  /** Set when a cap dropped detail here. */
  truncated?: boolean;
}

export interface SchemaOptions {
  /** Nesting levels inferred. Default 12. */
  maxDepth?: number;
  /** Keys per object node. Default 200. */
  maxProperties?: number;
  /** Largest enum kept. Default 8. */
  maxEnum?: number;
  /**
   * Object keys whose values never become enum candidates (sensitive names
   * such as `password`): their node's enum is abandoned at creation.
   */
  noEnumKey?: (key: string) => boolean;
}

const ENUM_VALUE_RE = /^[A-Za-z][A-Za-z0-9_.:-]{0,31}$/;

function typeOf(v: unknown): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(v) ? 'integer' : 'number';
    case 'string':
      return 'string';
    default:
      return 'object';
  }
}

function bump<K extends string>(rec: Partial<Record<K, number>>, k: K, n = 1): void {
  rec[k] = (rec[k] ?? 0) + n;
}

/** Infer a node from one parsed JSON value and add it to `into` (a new node when omitted). */
export function inferSchema(value: unknown, options: SchemaOptions = {}, events?: EventCounter, into?: SchemaNode): SchemaNode {
  const node = into ?? { types: {} };
  add(node, value, 0, {
    maxDepth: options.maxDepth ?? 12,
    maxProperties: options.maxProperties ?? 200,
    maxEnum: options.maxEnum ?? 8,
    noEnumKey: options.noEnumKey ?? noKey,
  }, events);
  return node;
}

const noKey = (): boolean => false;

function add(node: SchemaNode, v: unknown, depth: number, o: Required<SchemaOptions>, events?: EventCounter): void {
  const t = typeOf(v);
  bump(node.types, t);
  if (depth >= o.maxDepth && (t === 'object' || t === 'array')) {
    if (!node.truncated) events?.add('inventory.schema_depth_cap');
    node.truncated = true;
    return;
  }
  switch (t) {
    case 'integer':
    case 'number': {
      const n = v as number;
      node.minimum = node.minimum === undefined ? n : Math.min(node.minimum, n);
      node.maximum = node.maximum === undefined ? n : Math.max(node.maximum, n);
      break;
    }
    case 'string': {
      const s = v as string;
      const f = stringFormatOf(s);
      if (f) bump((node.formats ??= {}), f);
      if (node.enum !== null) {
        if (f === null && ENUM_VALUE_RE.test(s)) {
          const e = (node.enum ??= []);
          if (!e.includes(s)) {
            if (e.length >= o.maxEnum) node.enum = null;
            else insertSorted(e, s);
          }
        } else {
          node.enum = null;
        }
      }
      break;
    }
    case 'array':
      for (const item of v as unknown[]) add((node.items ??= { types: {} }), item, depth + 1, o, events);
      break;
    case 'object': {
      const props = (node.properties ??= {});
      for (const key of Object.keys(v as object)) {
        let child = props[key];
        if (!child) {
          if (Object.keys(props).length >= o.maxProperties) {
            if (!node.truncated) events?.add('inventory.schema_width_cap');
            node.truncated = true;
            continue;
          }
          child = props[key] = { types: {}, seen: 0 };
          if (o.noEnumKey(key)) child.enum = null;
        }
        child.seen = (child.seen ?? 0) + 1;
        add(child, (v as Record<string, unknown>)[key], depth + 1, o, events);
      }
      break;
    }
    default:
      break;
  }
}

function insertSorted(a: string[], s: string): void {
  let i = 0;
  while (i < a.length && a[i]! < s) i++;
  a.splice(i, 0, s);
}

/** Merge `src` into `dst` (both modified-in-place semantics for `dst` only); returns `dst`. */
export function mergeSchema(dst: SchemaNode, src: SchemaNode, options: SchemaOptions = {}, events?: EventCounter): SchemaNode {
  const maxEnum = options.maxEnum ?? 8;
  const maxProperties = options.maxProperties ?? 200;
  for (const k of Object.keys(src.types) as JsonType[]) bump(dst.types, k, src.types[k]!);
  if (src.seen !== undefined) dst.seen = (dst.seen ?? 0) + src.seen;
  if (src.minimum !== undefined) dst.minimum = dst.minimum === undefined ? src.minimum : Math.min(dst.minimum, src.minimum);
  if (src.maximum !== undefined) dst.maximum = dst.maximum === undefined ? src.maximum : Math.max(dst.maximum, src.maximum);
  if (src.formats) for (const f of Object.keys(src.formats) as StringFormat[]) bump((dst.formats ??= {}), f, src.formats[f]!);
  // Nodes with strings always hold an enum array or null (abandoned).
  if (src.enum === null) {
    dst.enum = null;
  } else if (src.enum && dst.enum !== null) {
    const e = (dst.enum ??= []);
    for (const s of src.enum) if (!e.includes(s)) insertSorted(e, s);
    if (e.length > maxEnum) dst.enum = null;
  }
  if (src.truncated) dst.truncated = true;
  if (src.items) mergeSchema((dst.items ??= { types: {} }), src.items, options, events);
  if (src.properties) {
    const props = (dst.properties ??= {});
    for (const key of Object.keys(src.properties)) {
      if (!props[key]) {
        if (Object.keys(props).length >= maxProperties) {
          if (!dst.truncated) events?.add('inventory.schema_width_cap');
          dst.truncated = true;
          continue;
        }
        props[key] = { types: {}, seen: 0 };
      }
      mergeSchema(props[key]!, src.properties[key]!, options, events);
    }
  }
  return dst;
}

/** JSON Schema 2020-12 object for a node (see the file docstring for the rules). */
export function toJsonSchema(node: SchemaNode): Record<string, unknown> {
  const types = (Object.keys(node.types) as JsonType[]).filter((t) => (node.types[t] ?? 0) > 0);
  // `integer` is a subset of `number`: show only `number` when both occur.
  const shown = types.includes('number') ? types.filter((t) => t !== 'integer') : types;
  const order: JsonType[] = ['object', 'array', 'string', 'integer', 'number', 'boolean', 'null'];
  shown.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const out: Record<string, unknown> = {};
  if (shown.length === 1) out.type = shown[0];
  else if (shown.length > 1) out.type = shown;
  const strings = node.types.string ?? 0;
  if (strings > 0 && node.formats) {
    for (const f of Object.keys(node.formats) as StringFormat[]) if (node.formats[f] === strings) out.format = f;
  }
  if (strings >= 3 && node.enum && node.enum.length > 0 && node.enum.length < strings && !out.format) {
    out.enum = shown.includes('null') ? [...node.enum, null] : [...node.enum];
  }
  if (node.properties) {
    const objects = node.types.object ?? 0;
    const props: Record<string, unknown> = {};
    const required: string[] = [];
    for (const key of Object.keys(node.properties).sort()) {
      const child = node.properties[key]!;
      props[key] = toJsonSchema(child);
      if ((child.seen ?? 0) >= objects && objects > 0) required.push(key);
    }
    out.properties = props;
    if (required.length > 0) out.required = required;
  }
  if (node.items) out.items = toJsonSchema(node.items);
  return out;
}
