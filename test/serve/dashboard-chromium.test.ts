/**
 * The dashboard in a real browser: Debian's `chromium` driven by
 * playwright-core. Skipped (with the reason printed) when /usr/bin/chromium
 * is absent; CI installs it (apt package `chromium`).
 *
 * First test: an attack capture replayed by the CLI (`replay --serve`, a
 * child process), its finding shown as the capture's truth file says.
 * Second test: the page's details (evidence of a hand-made finding, inventory
 * badges and shadow APIs against a spec, the chart) with a service in process.
 */
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointInventory } from '../../src/inventory/endpoint-inventory.js';
import { loadSpecObject } from '../../src/inventory/spec-diff.js';
import { startService, type Service } from '../../src/serve/service.js';
import { TokenStore } from '../../src/serve/token-store.js';
import { tx } from '../inventory/tx-fixture.js';
import { spawnCli, type CliProcess } from './cli-process.js';
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

  it('shows the bola_enumeration finding of pcaps/attacks/idwalk-bola.pcap replayed by `apisensor replay --serve`', async () => {
    const findingsFile = join(dir, 'idwalk-findings.jsonl');
    const replay: CliProcess = spawnCli(['replay', 'pcaps/attacks/idwalk-bola.pcap', '--serve', '--db', ':memory:', '--listen', '127.0.0.1:0',
      '--findings', findingsFile, '--quiet', '--workers', '1'], { APISENSOR_TOKENS: TOKEN });
    try {
      const url = (await replay.waitErr(/serving findings on (http:\/\/127\.0\.0\.1:\d+) until Ctrl-C/))[1]!;
      const truth = (JSON.parse(readFileSync('pcaps/attacks/idwalk-bola.truth.json', 'utf8')) as {
        expect: { type: string; principalKind: string; clientIp: string }[];
      }).expect[0]!;
      const page = await ctx.newPage();
      await page.goto(url + '/');
      await page.fill('#token', TOKEN);
      await page.click('#connect');
      await page.waitForSelector('#status.ok');
      // The latest revision of the episode, as the --findings file of the same run has it.
      const written = readFileSync(findingsFile, 'utf8').split('\n').filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { id: string; seq: number; type: string; severity: string; title: string; owaspApi: string; endpoint: { pathTemplate: string } });
      const bola = written.filter((f) => f.type === truth.type).pop()!;
      expect(bola).toBeDefined();
      const row = `#findings li[data-seq="${bola.seq}"]`;
      await page.waitForSelector(row);
      expect(await page.getAttribute(row, 'class')).toContain(`sev-${bola.severity}`);
      expect(await page.textContent(`${row} .title`)).toBe(bola.title);
      expect(await page.textContent(`${row} .meta`)).toContain(`${truth.type} · ${bola.owaspApi}`);
      await page.click(row);
      const evidence = await page.textContent('#evidence-body');
      expect(evidence).toContain(`${truth.type} · ${bola.severity}`);
      expect(evidence).toContain(`${truth.principalKind} `);
      expect(evidence).toContain(`from ${truth.clientIp}`);
      // The capture's endpoints are in the inventory table.
      await page.waitForSelector('#inventory-body tr');
      const paths = await page.$$eval('#inventory-body tr', (trs) => trs.map((tr) => tr.querySelectorAll('td')[2]?.textContent ?? ''));
      expect(paths).toContain(bola.endpoint.pathTemplate);
      const shot = join(dir, 'dashboard-idwalk-bola.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
      console.log(`dashboard screenshot (replayed capture): ${shot}`);
      await page.close();
    } finally {
      replay.child.kill('SIGINT');
      await replay.exit;
    }
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
