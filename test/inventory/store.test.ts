import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { EndpointInventory } from '../../src/inventory/endpoint-inventory.js';
import { InventoryStore, MIGRATIONS, STORE_SCHEMA_VERSION } from '../../src/inventory/store.js';
import { tx } from './tx-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'inv-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('InventoryStore', () => {
  it(':memory: round trip', () => {
    const store = InventoryStore.open(':memory:');
    expect(store.schemaVersion).toBe(STORE_SCHEMA_VERSION);
    expect(store.readSnapshot()).toBeNull();
    const inv = store.loadInventory();
    inv.record(tx({ uri: '/users/1', resBody: { id: 1, email: 'a@example.com' } }));
    store.save(inv);
    const again = store.loadInventory();
    expect(again.salt).toBe(inv.salt);
    expect(again.endpoints()).toEqual(inv.endpoints());
    expect(store.list()).toEqual([{ key: '|api.example.com GET /users/{userId}', tenant: '', host: 'api.example.com', method: 'GET', pathTemplate: '/users/{userId}', calls: 1, firstSeen: 1000, lastSeen: 1000 }]);
    store.close();
  });

  it('a second run adds to the stored inventory (file), templater state kept', () => {
    const file = join(dir, 'a.db');
    let store = InventoryStore.open(file);
    let inv = store.loadInventory({ templater: { cardinalityThreshold: 3 } });
    inv.record(tx({ uri: '/tags/red' }));
    inv.record(tx({ uri: '/tags/green' }));
    store.save(inv);
    store.close();
    store = InventoryStore.open(file);
    inv = store.loadInventory({ templater: { cardinalityThreshold: 3 } });
    inv.record(tx({ uri: '/tags/blue' }));
    store.save(inv);
    const eps = store.loadInventory().endpoints();
    expect(eps.map((e) => [e.pathTemplate, e.calls])).toEqual([['/tags/{tagId}', 3]]);
    store.close();
  });

  it('migrates a version-1 database and keeps its rows', () => {
    const file = join(dir, 'v1.db');
    const db = new Database(file);
    db.exec(MIGRATIONS[0]!);
    db.prepare('UPDATE schema_version SET version = 1').run();
    const ep = new EndpointInventory({ salt: 'x' });
    ep.record(tx({ uri: '/items/5' }));
    const stats = ep.endpoints()[0]!;
    db.prepare('INSERT INTO endpoints VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(stats.key, '', stats.host, 'GET', stats.pathTemplate, 1, 1000, 1000, JSON.stringify(stats));
    db.close();
    const store = InventoryStore.open(file);
    expect(store.schemaVersion).toBe(2);
    const inv = store.loadInventory();
    inv.record(tx({ uri: '/items/6' }));
    expect(inv.endpoints().map((e) => [e.pathTemplate, e.calls])).toEqual([['/items/{itemId}', 2]]);
    store.close();
  });

  it('merge folds a snapshot in', () => {
    const store = InventoryStore.open(':memory:');
    const a = new EndpointInventory({ salt: 'x' });
    a.record(tx({ uri: '/a/1' }));
    expect(store.merge(a.snapshot())).toBe(1);
    expect(store.merge(a.snapshot())).toBe(1);
    expect(store.list()[0]!.calls).toBe(2);
    store.close();
  });

  it('refuses a newer schema and a non-database file', () => {
    const file = join(dir, 'new.db');
    const db = new Database(file);
    db.exec('CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (99);');
    db.close();
    expect(() => InventoryStore.open(file)).toThrow(expect.objectContaining({ code: 'ERR_STORE_VERSION' }));
    expect(() => InventoryStore.open(join(dir, 'missing', 'x.db'))).toThrow(expect.objectContaining({ code: 'ERR_STORE_OPEN' }));
  });
});
