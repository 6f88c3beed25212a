import { Validator } from '@seriousme/openapi-schema-validator';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { EndpointInventory } from '../../src/inventory/endpoint-inventory.js';
import { toOpenApi, toOpenApiYaml } from '../../src/inventory/openapi-export.js';
import { tx } from './tx-fixture.js';

const JWT = 'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';

function inventory(): EndpointInventory {
  const inv = new EndpointInventory({ salt: 's' });
  inv.record(tx({ uri: '/users/1?verbose=true', requestHeaders: [['Authorization', `Bearer ${JWT}`]], resBody: { id: 1, email: 'jane@example.com' } }));
  inv.record(tx({ uri: '/users/2', resBody: { id: 2, email: 'joe@example.org' } }));
  inv.record(tx({ method: 'POST', uri: '/users', body: { name: 'x' }, status: 201, requestHeaders: [['X-API-Key', 'k1']] }));
  inv.record(tx({ uri: '/files/9f86d081884c.pdf', requestHeaders: [['Cookie', 'sessionid=abc; theme=dark']] }));
  inv.record(tx({ uri: '/health', host: 'other.example.com', status: 204 }));
  return inv;
}

describe('OpenAPI export', () => {
  it('produces a document the validator accepts (each host)', async () => {
    const inv = inventory();
    for (const opts of [{ host: 'api.example.com' }, { host: 'other.example.com' }]) {
      const doc = toOpenApi(inv.endpoints(), opts);
      const v = new Validator();
      const res = await v.validate(doc);
      expect(res.errors).toBeUndefined();
      expect(res.valid).toBe(true);
      expect(v.version).toBe('3.1');
    }
  });

  it('paths, parameters, security, masked examples', () => {
    const doc = toOpenApi(inventory().endpoints(), { host: 'api.example.com' }) as any;
    expect(Object.keys(doc.paths)).toEqual(['/files/{fileName}.pdf', '/users', '/users/{userId}']);
    expect(doc.servers).toEqual([{ url: 'http://api.example.com' }]);
    const get = doc.paths['/users/{userId}'].get;
    expect(get.parameters).toEqual([
      { name: 'userId', in: 'path', required: true, schema: { type: 'integer' } },
      { name: 'verbose', in: 'query', required: false, schema: { type: 'boolean' } },
    ]);
    expect(get.security).toEqual([{ bearerJwt: [] }, {}]);
    expect(get.responses['200'].content['application/json'].schema).toEqual({
      type: 'object', properties: { email: { type: 'string', format: 'email' }, id: { type: 'integer' } }, required: ['email', 'id'],
    });
    expect(get['x-apisensor'].dataClasses).toEqual([
      { kind: 'email', category: 'pii', location: 'response.body.email', count: 2, examples: ['j***@e***.com', 'j***@e***.org'] },
      { kind: 'jwt', category: 'secret', location: 'request.header.authorization', count: 1, examples: ['eyJ***'] },
    ]);
    expect(doc.paths['/users'].post.security).toEqual([{ 'header_x-api-key': [] }]);
    expect(doc.paths['/files/{fileName}.pdf'].get.security).toEqual([{ cookie_sessionid: [] }]);
    expect(doc.paths['/files/{fileName}.pdf'].get.parameters).toEqual([
      { name: 'fileName', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-fA-F]+$' } },
      { name: 'theme', in: 'cookie', required: false, schema: { type: 'string' } },
    ]);
    expect(doc.components.securitySchemes).toEqual({
      bearerJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      cookie_sessionid: { type: 'apiKey', in: 'cookie', name: 'sessionid' },
      'header_x-api-key': { type: 'apiKey', in: 'header', name: 'x-api-key' },
    });
    expect(JSON.stringify(doc)).not.toMatch(/jane@|joe@|dBjftJeZ4CVP/);
  });

  it('YAML output parses back to the same document', () => {
    const eps = inventory().endpoints();
    expect(parse(toOpenApiYaml(eps, { host: 'api.example.com' }))).toEqual(JSON.parse(JSON.stringify(toOpenApi(eps, { host: 'api.example.com' }))));
  });

  it('two hosts without a host choice: no document (one document describes one API)', () => {
    expect(() => toOpenApi(inventory().endpoints())).toThrow(expect.objectContaining({
      code: 'ERR_OPENAPI_HOST_REQUIRED', exitCode: 2, hosts: ['api.example.com', 'other.example.com'],
    }));
  });
});
