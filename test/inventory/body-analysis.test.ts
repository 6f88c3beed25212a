// Body analysis details of EndpointInventory: sensitive enum candidates,
// NDJSON bodies, analysis sampling. Inputs are hand-written transactions.
import { describe, expect, it } from 'vitest';
import { EndpointInventory } from '../../src/inventory/endpoint-inventory.js';
import { toJsonSchema } from '../../src/inventory/schema-infer.js';
import { redactSensitiveEnums } from '../../src/inventory/schema-redact.js';
import { tx } from './tx-fixture.js';

const enc = new TextEncoder();

describe('body analysis', () => {
  it('never keeps sensitive or personal values as enum candidates', () => {
    const inv = new EndpointInventory({ salt: 's' });
    for (let i = 0; i < 4; i++) {
      inv.record(tx({ method: 'POST', uri: '/login', body: { username: 'ann', password: 'hunter2', mode: 'web', pin: 'ab12' } }));
    }
    const schema = inv.endpoints()[0]!.requestBodies['application/json']!.schema!;
    expect(schema.properties!.password!.enum).toBeNull();
    expect(schema.properties!.username!.enum).toBeNull();
    expect(schema.properties!.mode!.enum).toEqual(['web']);
    expect(JSON.stringify(inv.snapshot())).not.toContain('hunter2');
  });

  it('redactSensitiveEnums follows hit locations through arrays and objects', () => {
    const node = {
      types: { object: 1 },
      properties: { items: { types: { array: 1 }, seen: 1, items: { types: { object: 1 }, properties: { code: { types: { string: 1 }, seen: 1, enum: ['X1'] }, kind: { types: { string: 1 }, seen: 1, enum: ['a'] } } } } },
    };
    const hit = { kind: 'password' as const, category: 'secret' as const, location: 'request.body.items[].code', masked: '***', hash: 'h' };
    expect(redactSensitiveEnums(node, 'request.body', [hit])).toBe(1);
    expect(node.properties.items.items.properties.code.enum).toBeNull();
    expect(node.properties.items.items.properties.kind.enum).toEqual(['a']);
    expect(redactSensitiveEnums(node, 'response.body', [hit])).toBe(0);
  });

  it('NDJSON: one schema for the lines, data classes per line, a cut last line ignored', () => {
    const inv = new EndpointInventory({ salt: 's' });
    const body = '{"id":1,"email":"a@example.com"}\n{"id":2,"email":"b@example.com","vip":true}\n{"id":3,"em';
    inv.record(tx({ uri: '/export', responseContentType: 'application/x-ndjson', responseBodySample: enc.encode(body), responseBodyLength: body.length }));
    const ep = inv.endpoints()[0]!;
    const b = ep.responseBodies['200']!['application/x-ndjson']!;
    expect(toJsonSchema(b.schema!)).toEqual({
      type: 'object',
      properties: { email: { type: 'string', format: 'email' }, id: { type: 'integer' }, vip: { type: 'boolean' } },
      required: ['email', 'id'],
    });
    expect(b.unparsed).toBeUndefined();
    expect(ep.dataClasses['email@response.body.email']!.count).toBe(2);
  });

  it('analysis sampling: the first N bodies, then one in K; counts stay exact', () => {
    const inv = new EndpointInventory({ salt: 's', bodyAnalyzeFirst: 2, bodyAnalyzeEvery: 3 });
    for (let i = 1; i <= 10; i++) inv.record(tx({ method: 'POST', uri: '/items', body: { n: i } }));
    const b = inv.endpoints()[0]!.requestBodies['application/json']!;
    // Bodies 1, 2 (first two), then those whose running count is a multiple of 3: 3, 6, 9.
    expect([b.count, b.analyzed, b.schema!.properties!.n!.seen]).toEqual([10, 5, 5]);
    expect([b.schema!.properties!.n!.minimum, b.schema!.properties!.n!.maximum]).toEqual([1, 9]);
  });
});
