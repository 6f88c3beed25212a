import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startService, type Service } from '../../src/serve/service.js';
import { TokenStore } from '../../src/serve/token-store.js';
import { TOKEN, connect, findingSeqs, makeFinding, range, tick } from './serve-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'apisensor-store-resume-'));
let svc: Service | null = null;
afterEach(async () => {
  await svc?.close();
  svc = null;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function start(db: string, ringCapacity: number, maxRows?: number): Promise<{ s: Service; wsUrl: string }> {
  const s = await startService({
    listen: '127.0.0.1:0', tokens: new TokenStore([{ token: TOKEN }]), ringCapacity, findingsDb: db,
    ...(maxRows !== undefined ? { findingsDbMaxRows: maxRows } : {}),
  });
  svc = s;
  return { s, wsUrl: `${s.url.replace('http', 'ws')}/v1/stream` };
}

describe('resume beyond the ring from the SQLite store', () => {
  it('serves a since older than the ring from the store: every message once, in order, no gap', async () => {
    const db = join(dir, 'a.db');
    const { s, wsUrl } = await start(db, 100);
    // Findings with an inventory event every 10th seq (both channels share the seq space).
    for (let i = 1; i <= 250; i++) {
      if (i % 10 === 0) s.bus.publishInventory({ event: 'new_endpoint', ts: i, endpoint: { key: `|h GET /e${i}`, host: 'h', method: 'GET', pathTemplate: `/e${i}` } });
      else s.bus.publish(makeFinding(i, { severity: i % 3 === 0 ? 'low' : 'high' }));
    }
    await tick();
    const c = await connect(`${wsUrl}?since=20&channel=findings,inventory`, { token: TOKEN });
    await c.until((m) => m.some((x) => x.seq === 250));
    expect(c.messages[0]).toMatchObject({ type: 'hello', lastSeq: 250, oldestSeq: 151, ringCapacity: 100 });
    expect(c.messages.some((m) => m.type === 'gap')).toBe(false);
    expect(c.messages.slice(1).map((m) => m.seq)).toEqual(range(21, 250));
    expect(c.messages.find((m) => m.seq === 30)).toMatchObject({ channel: 'inventory', event: 'new_endpoint', endpoint: { pathTemplate: '/e30' } });
    expect(c.messages.find((m) => m.seq === 21)).toEqual({ channel: 'findings', seq: 21, finding: makeFinding(21, { severity: 'low' }) });
    c.ws.close();

    // A filter applies to stored messages too (msgpack, high only: every seq not divisible by 3 or 10).
    const m = await connect(`${wsUrl}?since=20&minSeverity=high`, { token: TOKEN, protocols: ['apisensor.v1.msgpack'] });
    await m.until((x) => findingSeqs(x).includes(248));
    expect(findingSeqs(m.messages)).toEqual(range(21, 250).filter((i) => i % 3 !== 0 && i % 10 !== 0));
    m.ws.close();

    // The HTTP API reads beyond the ring from the store as well.
    const r = await fetch(`${s.url}/v1/findings?since=20`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    const body = await r.json() as { findings: { seq: number }[]; gap: unknown; nextSince: number };
    expect(body.gap).toBeNull();
    expect(body.findings.map((f) => f.seq)).toEqual(range(21, 250).filter((i) => i % 10 !== 0));

    // What the store wrote, read back with SQL on the file: 250 rows of this run.
    const check = new Database(db, { readonly: true });
    const rows = check.prepare('SELECT COUNT(*) AS n, MIN(seq) AS lo, MAX(seq) AS hi FROM stream_messages WHERE run = (SELECT MAX(run) FROM stream_runs)').get();
    check.close();
    expect(rows).toEqual({ n: 250, lo: 1, hi: 250 });
  });

  it('a client resuming from the store while findings keep coming gets exactly what it missed', async () => {
    const { s, wsUrl } = await start(':memory:', 100);
    for (let i = 1; i <= 300; i++) s.bus.publish(makeFinding(i));
    await tick();
    const c = await connect(`${wsUrl}?since=10`, { token: TOKEN, light: true });
    for (let i = 301; i <= 600; i++) {
      s.bus.publish(makeFinding(i));
      if (i % 25 === 0) await tick();
    }
    await c.until((m) => findingSeqs(m).includes(600));
    expect(findingSeqs(c.messages)).toEqual(range(11, 600));
    expect(c.messages.some((m) => m.type === 'gap')).toBe(false);
    c.ws.close();
  });

  it('beyond what the store keeps (maxRows), the explicit gap, then the store, then the ring', async () => {
    const { s, wsUrl } = await start(':memory:', 100, 150);
    for (let i = 1; i <= 250; i++) s.bus.publish(makeFinding(i));
    await tick();
    // One flush of 250 rows, pruned to the newest 150: seqs 1..100 are gone.
    expect(s.events.get('findings_store.pruned')).toBe(100);
    const c = await connect(`${wsUrl}?since=20`, { token: TOKEN });
    await c.until((m) => findingSeqs(m).includes(250));
    expect(c.messages[1]).toEqual({ channel: 'control', type: 'gap', from: 21, to: 100 });
    expect(findingSeqs(c.messages)).toEqual(range(101, 250));
    c.ws.close();
  });
});
