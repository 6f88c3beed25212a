/**
 * FindingsStore runs: a replay starts a run; `serve` continues the latest one
 * (run: 'latest') and adds a run only when it has something to write.
 * Checked with SQL on the file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { FindingMessage } from '../../src/findings/finding-bus.js';
import { FindingsStore } from '../../src/findings/findings-store.js';
import { EventCounter } from '../../src/stats/event-counter.js';
import { makeFinding } from './serve-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'apisensor-store-runs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const msg = (seq: number): FindingMessage => ({ channel: 'findings', seq, finding: makeFinding(seq) });
const put = (s: FindingsStore, seq: number): void => s.append(msg(seq), JSON.stringify(msg(seq)));

function runs(file: string): { run: number; n: number; lo: number; hi: number }[] {
  const d = new Database(file, { readonly: true });
  try {
    return d.prepare('SELECT r.run AS run, COUNT(m.seq) AS n, MIN(m.seq) AS lo, MAX(m.seq) AS hi FROM stream_runs r LEFT JOIN stream_messages m ON m.run = r.run GROUP BY r.run ORDER BY r.run').all() as never;
  } finally {
    d.close();
  }
}

describe('FindingsStore runs', () => {
  it("'latest' over a file without runs writes nothing until it has a message, then starts one", () => {
    const file = join(dir, 'a.db');
    const s = FindingsStore.open(file, { run: 'latest' });
    expect(s.run).toBeNull();
    expect(s.lastSeq).toBe(0);
    expect(s.readLast(10)).toEqual([]);
    s.flush();
    expect(runs(file)).toEqual([]);
    put(s, 1);
    s.close();
    expect(runs(file)).toEqual([{ run: 1, n: 1, lo: 1, hi: 1 }]);
  });

  it("'latest' continues the newest run: its last seq, its tail, appends join it", () => {
    const file = join(dir, 'b.db');
    const old = FindingsStore.open(file);
    put(old, 1);
    old.close();
    const replay = FindingsStore.open(file);
    for (let i = 1; i <= 5; i++) put(replay, i);
    replay.close();
    const serve = FindingsStore.open(file, { run: 'latest' });
    expect(serve.run).toBe(2);
    expect(serve.lastSeq).toBe(5);
    expect(serve.lostThrough).toBe(0);
    expect(serve.readLast(2).map((r) => r.seq)).toEqual([4, 5]);
    expect(JSON.parse(serve.readLast(1)[0]!.body)).toEqual(msg(5));
    put(serve, 6);
    serve.close();
    expect(runs(file)).toEqual([{ run: 1, n: 1, lo: 1, hi: 1 }, { run: 2, n: 6, lo: 1, hi: 6 }]);
  });

  it("'latest' over a run pruned from its start reports the pruned seqs as lost", () => {
    const file = join(dir, 'c.db');
    const replay = FindingsStore.open(file, { maxRows: 3 });
    for (let i = 1; i <= 5; i++) put(replay, i);
    replay.close();
    const serve = FindingsStore.open(file, { run: 'latest' });
    expect(serve.lostThrough).toBe(2);
    expect(serve.readAfter(0, 5, 10).map((r) => r.seq)).toEqual([3, 4, 5]);
    serve.close();
  });

  it('flushes by itself at maxPending buffered messages, counted', () => {
    const file = join(dir, 'd.db');
    const events = new EventCounter();
    const s = FindingsStore.open(file, { maxPending: 3, events });
    for (let i = 1; i <= 7; i++) put(s, i);
    expect(events.get('findings_store.pending_cap')).toBe(2);
    expect(runs(file)).toEqual([{ run: 1, n: 6, lo: 1, hi: 6 }]);
    s.close();
    expect(runs(file)).toEqual([{ run: 1, n: 7, lo: 1, hi: 7 }]);
  });
});
