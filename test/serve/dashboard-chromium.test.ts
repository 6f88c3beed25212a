/**
 * The dashboard in a real browser: Debian's `chromium` driven by
 * playwright-core. Skipped (with the reason printed) when /usr/bin/chromium
 * is absent; CI installs it (apt package `chromium`).
 */
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointInventory } from '../../src/inventory/endpoint-inventory.js';
import { loadSpecObject } from '../../src/inventory/spec-diff.js';
import { startService, type Service } from '../../src/serve/service.js';
import { TokenStore } from '../../src/serve/token-store.js';
import { tx } from '../inventory/tx-fixture.js';
import { TOKEN, makeFinding } from './serve-helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`dashboard-chromium.test.ts skipped: ${CHROMIUM} not found (apt-get install chromium)`);

let svc: Service;
let ctx: BrowserContext;
const dir = mkdtempSync(join(tmpdir(), 'apisensor-dashboard-'));

describe.skipIf(!haveChromium)('dashboard in headless Chromium', () => {
  beforeAll(async () => {
    const inventory = new EndpointInventory({ salt: '00'.repeat(16) });
    inventory.record(tx({ uri: '/users/me', resBody: { email: 'alice@example.com' } }));
    inventory.record(tx({ method: 'POST', uri: '/login' }));
    inventory.record(tx({ method: 'GET', uri: '/internal/debug/export' }));
    const spec = await loadSpecObject({
      openapi: '3.1.0', info: { title: 't', version: '1' },
      paths: { '/users/me': { get: { responses: { 200: { description: 'ok' } } } }, '/login': { post: { responses: { 200: { description: 'ok' } } } } },
    });
    svc = await startService({ listen: '127.0.0.1:0', tokens: new TokenStore([{ token: TOKEN }]), inventory, spec, ready: true });
    ctx = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
  });
  afterAll(async () => {
    await ctx?.close();
    await svc?.close();
  });

  it('authenticates, shows a published finding with its evidence, the inventory with badges and shadow APIs, and the chart', async () => {
    const page = await ctx.newPage();
    await page.goto(svc.url + '/');
    expect(await page.title()).toBe('apisensor');
    // A wrong token is refused: the page says so.
    await page.fill('#token', 'wrong-token-0123456789abcdef');
    await page.click('#connect');
    await page.waitForSelector('#status.bad');
    expect(svc.events.get('stream.rejected_auth_invalid')).toBeGreaterThanOrEqual(1);

    await page.fill('#token', TOKEN);
    await page.click('#connect');
    await page.waitForSelector('#status.ok');
    svc.metrics.setTotals({ transactions: 120 });
    svc.bus.publish(makeFinding(1, { severity: 'medium', type: 'scanning', title: 'Path scanning from 203.0.113.9', owaspApi: 'API8:2023' }));
    svc.bus.publish(makeFinding(2, {
      severity: 'critical', type: 'credential_stuffing', title: 'Credential stuffing on POST /login', owaspApi: 'API2:2023',
      evidence: {
        transactions: [{ uid: 'C7', transDepth: 0, ts: 1700000001.5, method: 'POST', uri: '/login', status: 401 }],
        notes: ['412 distinct user names in 60 s from 3 addresses'],
      },
    }));
    await page.waitForSelector('#findings li[data-seq="2"]');
    // Newest first, severity colour class.
    const rows = await page.$$eval('#findings li', (lis) => lis.map((li) => [li.getAttribute('data-seq'), li.className]));
    expect(rows).toEqual([['2', 'sev-critical'], ['1', 'sev-medium']]);
    await page.click('#findings li[data-seq="2"]');
    const evidence = await page.textContent('#evidence-body');
    expect(evidence).toContain('Credential stuffing on POST /login');
    expect(evidence).toContain('412 distinct user names in 60 s from 3 addresses');
    expect(evidence).toContain('C7');

    await page.waitForSelector('#inventory-body tr');
    const inv = await page.$$eval('#inventory-body tr', (trs) => trs.map((tr) => ({
      cls: tr.className, cells: Array.from(tr.querySelectorAll('td')).map((td) => td.textContent),
    })));
    const byPath = new Map(inv.map((r) => [r.cells[2], r]));
    expect(byPath.get('/internal/debug/export')!.cls).toBe('shadow');
    expect(byPath.get('/internal/debug/export')!.cells[6]).toBe('shadow');
    expect(byPath.get('/users/me')!.cls).toBe('');
    expect(byPath.get('/users/me')!.cells[5]).toBe('email');

    // The chart plots per-interval deltas of /v1/stats polls: bump the totals between two polls.
    await page.waitForSelector('#chart[data-points="1"]', { timeout: 30_000 });
    svc.metrics.setTotals({ transactions: 480 });
    svc.bus.publish(makeFinding(3, { severity: 'high', type: 'bola_enumeration', title: 'Object id walk on GET /users/{id}', owaspApi: 'API1:2023' }));
    await page.waitForSelector('#chart[data-points="2"]', { timeout: 30_000 });
    await page.waitForSelector('#findings li[data-seq="3"]');
    const shot = join(dir, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    console.log(`dashboard screenshot: ${shot}`);
  });
});
