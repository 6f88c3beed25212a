/**
 * `/v1/inventory` marks endpoints of hosts outside the spec's `servers` as
 * `uncovered` (OpenAPI 3.1.0 §4.8.5), on the real CLI: a replay of
 * pcaps/inventory/api-20-routes.pcap into a database, then `serve` with a
 * spec whose `servers` names shop.example.com only. Oracle: the server's
 * route table pcaps/inventory/routes.json (10 routes of records.example.com).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { afterAll, expect, it } from 'vitest';
import { CLI, ROOT, spawnCli } from './cli-process.js';

const dir = mkdtempSync(join(tmpdir(), 'apisensor-spec-scope-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('endpoints of hosts the spec does not serve are uncovered; the spec host keeps documented/shadow/zombie', async () => {
  const db = join(dir, 'inv.db');
  const replay = spawnSync(process.execPath, [CLI, 'replay', join(ROOT, 'pcaps/inventory/api-20-routes.pcap'), '--db', db, '--quiet'], { encoding: 'utf8' });
  expect(replay.status, replay.stderr).toBe(0);
  const original = parseYaml(readFileSync(join(ROOT, 'pcaps/inventory/openapi.yaml'), 'utf8')) as Record<string, unknown>;
  const spec = join(dir, 'shop-only.yaml');
  writeFileSync(spec, toYaml({ ...original, servers: [{ url: 'http://shop.example.com' }] }));
  const routes = JSON.parse(readFileSync(join(ROOT, 'pcaps/inventory/routes.json'), 'utf8')) as { host: string }[];

  const p = spawnCli(['serve', '--inventory-db', db, '--spec', spec, '--listen', '127.0.0.1:0', '--no-auth']);
  try {
    const url = (await p.waitErr(/serving on (http:\/\/127\.0\.0\.1:\d+) /))[1]!;
    const res = await fetch(`${url}/v1/inventory`);
    expect(res.status).toBe(200);
    const eps = ((await res.json()) as { endpoints: { host: string; specStatus: string }[] }).endpoints;
    const records = eps.filter((e) => e.host === 'records.example.com');
    expect(records.length).toBe(routes.filter((r) => r.host === 'records.example.com').length);
    expect(new Set(records.map((e) => e.specStatus))).toEqual(new Set(['uncovered']));
    const shop = eps.filter((e) => e.host === 'shop.example.com');
    expect(shop.length).toBe(routes.filter((r) => r.host === 'shop.example.com').length);
    // The spec's own host is classified as before: documented, shadow (not in the spec), zombie (deprecated in it).
    expect(new Set(shop.map((e) => e.specStatus))).toEqual(new Set(['documented', 'shadow', 'zombie']));
  } finally {
    p.child.kill('SIGINT');
    await p.exit;
  }
});
