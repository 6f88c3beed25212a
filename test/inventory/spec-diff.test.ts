import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { diffAgainstSpec, loadSpecFile, loadSpecObject, matchScore } from '../../src/inventory/spec-diff.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
// shop-3.0.yaml's server is https://api.example.com/api/v1: its endpoints are on that host.
const ep = (method: string, pathTemplate: string, host = 'api.example.com') => ({ key: `|${host} ${method} ${pathTemplate}`, host, method, pathTemplate });

describe('spec diff', () => {
  it('loads OpenAPI 3.0 YAML with $refs and a server base path', async () => {
    const spec = await loadSpecFile(fixture('shop-3.0.yaml'));
    expect(spec.openapi).toBe('3.0.3');
    expect(spec.warnings).toEqual([]);
    expect(spec.operations.map((o) => `${o.method} ${o.path}${o.deprecated ? ' deprecated' : ''}`)).toEqual([
      'GET /api/v1/files/{file}.pdf',
      'GET /api/v1/orders deprecated',
      'POST /api/v1/orders',
      'GET /api/v1/reports/{year}',
      'GET /api/v1/users/me',
      'GET /api/v1/users/{id}',
    ]);
  });

  it('classifies documented, shadow, zombie and orphan regardless of parameter names', async () => {
    const spec = await loadSpecFile(fixture('shop-3.0.yaml'));
    const r = diffAgainstSpec([
      ep('GET', '/api/v1/users/{userId}'),
      ep('GET', '/api/v1/users/me'),
      ep('GET', '/api/v1/orders'),
      ep('GET', '/api/v1/files/{fileName}.pdf'),
      ep('DELETE', '/api/v1/users/{userId}'),
      ep('GET', '/api/v1/admin/debug'),
    ], spec);
    expect(r.documented.map((e) => [e.endpoint.pathTemplate, e.operation!.operationId])).toEqual([
      ['/api/v1/users/{userId}', 'getUser'],
      ['/api/v1/users/me', 'getMe'],
      ['/api/v1/files/{fileName}.pdf', 'getPdf'],
    ]);
    expect(r.zombie.map((e) => e.operation!.operationId)).toEqual(['listOrders']);
    expect(r.shadow.map((e) => `${e.endpoint.method} ${e.endpoint.pathTemplate}`)).toEqual(['DELETE /api/v1/users/{userId}', 'GET /api/v1/admin/debug']);
    expect(r.orphan.map((o) => o.operationId)).toEqual(['createOrder', 'getReport']);
  });

  it('OpenAPI 3.1 JSON; deprecated and never called is an orphan', async () => {
    const spec = await loadSpecFile(fixture('shop-3.1.json'));
    const r = diffAgainstSpec([ep('GET', '/items/{id}')], spec);
    expect(r.documented.length).toBe(1);
    expect(r.orphan.map((o) => o.path)).toEqual(['/legacy']);
  });

  it('segment matching rules', () => {
    expect(matchScore('/users/{a}', '/users/{b}')).toBe(2);
    expect(matchScore('/users/me', '/users/{id}')).toBe(1);
    expect(matchScore('/users/{a}', '/users/me')).toBe(-1);
    expect(matchScore('/files/{a}.pdf', '/files/{b}')).toBe(1);
    expect(matchScore('/files/{a}', '/files/{b}.pdf')).toBe(-1);
    expect(matchScore('/a/b', '/a')).toBe(-1);
  });

  it('errors with stable codes', async () => {
    await expect(loadSpecFile(fixture('missing.yaml'))).rejects.toMatchObject({ code: 'ERR_SPEC_READ' });
    await expect(loadSpecObject({ swagger: '2.0' })).rejects.toMatchObject({ code: 'ERR_SPEC_PARSE' });
  });
});
