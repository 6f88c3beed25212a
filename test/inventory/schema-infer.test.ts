import { describe, expect, it } from 'vitest';
import { inferSchema, mergeSchema, toJsonSchema } from '../../src/inventory/schema-infer.js';
import { EventCounter } from '../../src/stats/event-counter.js';

describe('schema inference', () => {
  it('types, formats, required-ness across samples', () => {
    const n = inferSchema({ id: 1, email: 'a@example.com', created: '2024-01-02T03:04:05Z', tags: ['x'], score: 1 });
    inferSchema({ id: 2, email: 'b@example.org', created: '2024-02-03T04:05:06+01:00', score: 1.5, ref: null }, {}, undefined, n);
    expect(toJsonSchema(n)).toEqual({
      type: 'object',
      properties: {
        created: { type: 'string', format: 'date-time' },
        email: { type: 'string', format: 'email' },
        id: { type: 'integer' },
        ref: { type: 'null' },
        score: { type: 'number' },
        tags: { type: 'array', items: { type: 'string' } },
      },
      required: ['created', 'email', 'id', 'score'],
    });
  });

  it('enums for small repeated sets only', () => {
    const n = inferSchema({ status: 'active' });
    for (const s of ['inactive', 'active', 'pending']) inferSchema({ status: s }, {}, undefined, n);
    expect(toJsonSchema(n).properties).toEqual({ status: { type: 'string', enum: ['active', 'inactive', 'pending'] } });
    const m = inferSchema({ name: 'a' }, { maxEnum: 2 });
    for (const s of ['b', 'c', 'a']) inferSchema({ name: s }, { maxEnum: 2 }, undefined, m);
    expect(toJsonSchema(m).properties).toEqual({ name: { type: 'string' } });
  });

  it('merging is order-independent', () => {
    const a = inferSchema({ u: '3f2504e0-4f89-11d3-9a0c-0305e82c3301', n: 1 });
    const b = inferSchema({ u: '6ba7b810-9dad-11d1-80b4-00c04fd430c8', ip: '192.0.2.1', n: 'x' });
    const ab = mergeSchema(structuredClone(a), b);
    const ba = mergeSchema(structuredClone(b), a);
    expect(toJsonSchema(ab)).toEqual(toJsonSchema(ba));
    expect(toJsonSchema(ab)).toEqual({
      type: 'object',
      properties: { ip: { type: 'string', format: 'ipv4' }, n: { type: ['string', 'integer'] }, u: { type: 'string', format: 'uuid' } },
      required: ['n', 'u'],
    });
  });

  it('bounded depth and width with counters', () => {
    const events = new EventCounter();
    const deep = { a: { b: { c: { d: 1 } } } };
    const n = inferSchema(deep, { maxDepth: 2 }, events);
    expect(events.get('inventory.schema_depth_cap')).toBe(1);
    expect(toJsonSchema(n)).toEqual({ type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'object' } }, required: ['b'] } }, required: ['a'] });
    const w = inferSchema({ a: 1, b: 2, c: 3 }, { maxProperties: 2 }, events);
    expect(Object.keys(w.properties!)).toEqual(['a', 'b']);
    expect(events.get('inventory.schema_width_cap')).toBe(1);
  });
});
