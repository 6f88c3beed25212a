/**
 * InventoryStore: SQLite persistence of the inventory (issue 3 §5), with
 * better-sqlite3 (synchronous; one connection per store). `':memory:'` gives
 * a throwaway database.
 *
 * Schema (versioned; `schema_version` holds one row, migrations run in order
 * inside one transaction at open):
 *   v1  endpoints(key PK, tenant, host, method, path_template, calls,
 *       first_seen, last_seen, stats JSON)          — one row per endpoint
 *   v2  meta(key PK, value)                          — `salt`, `templater` (JSON)
 *       index endpoints(host, method)
 *
 * Usage: `open` → `loadInventory()` (stored state, stored salt) → record
 * transactions → `save(inventory)` (replaces the stored rows with the
 * inventory, which already contains what was loaded). `merge(snapshot)` folds
 * an inventory built elsewhere into what is stored.
 *
 * Errors: ApisensorError `ERR_STORE_OPEN` (cannot open / not a database, exit
 * 2), `ERR_STORE_VERSION` (written by a newer apisensor), `ERR_STORE_CORRUPT`
 * (a stored row is not valid JSON).
 */
import Database from 'better-sqlite3';
import { ApisensorError } from '../errors.js';
import { EndpointInventory, type EndpointInventoryOptions, type InventorySnapshot } from './endpoint-inventory.js';
import type { EndpointStats } from './endpoint-stats.js';
import type { PathTemplaterState } from './path-template.js';

/** Ordered migrations; index i brings the schema from version i to i + 1. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE schema_version (version INTEGER NOT NULL);
   INSERT INTO schema_version (version) VALUES (0);
   CREATE TABLE endpoints (
     key TEXT PRIMARY KEY,
     tenant TEXT NOT NULL,
     host TEXT NOT NULL,
     method TEXT NOT NULL,
     path_template TEXT NOT NULL,
     calls INTEGER NOT NULL,
     first_seen REAL,
     last_seen REAL,
     stats TEXT NOT NULL
   );`,
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE INDEX endpoints_host_method ON endpoints (host, method);`,
];

export const STORE_SCHEMA_VERSION = MIGRATIONS.length;

export class InventoryStore {
  readonly #db: Database.Database;
  readonly #file: string;

  private constructor(db: Database.Database, file: string) {
    this.#db = db;
    this.#file = file;
  }

  /** Open (creating when absent) and migrate `file`; `':memory:'` for a throwaway store. */
  static open(file: string): InventoryStore {
    let db: Database.Database;
    try {
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
    } catch (err) {
      throw new ApisensorError('ERR_STORE_OPEN', `${file}: cannot open inventory database: ${(err as Error).message}`, 2, { cause: err });
    }
    const store = new InventoryStore(db, file);
    try {
      store.#migrate();
    } catch (err) {
      db.close();
      if (err instanceof ApisensorError) throw err;
      throw new ApisensorError('ERR_STORE_OPEN', `${file}: not an apisensor inventory database: ${(err as Error).message}`, 2, { cause: err });
    }
    return store;
  }

  /** Current schema version of the open database. */
  get schemaVersion(): number {
    return this.#version();
  }

  #version(): number {
    const t = this.#db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
    if (!t) return 0;
    const row = this.#db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
    return row?.version ?? 0;
  }

  #migrate(): void {
    const run = this.#db.transaction(() => {
      const from = this.#version();
      if (from > STORE_SCHEMA_VERSION) {
        throw new ApisensorError('ERR_STORE_VERSION', `${this.#file}: inventory schema version ${from} is newer than this apisensor supports (${STORE_SCHEMA_VERSION})`, 2);
      }
      for (let v = from; v < STORE_SCHEMA_VERSION; v++) {
        this.#db.exec(MIGRATIONS[v]!);
        this.#db.prepare('UPDATE schema_version SET version = ?').run(v + 1);
      }
    });
    run.immediate();
  }

  #meta(key: string): string | undefined {
    return (this.#db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  /** Stored inventory, or null when the store holds no endpoint and no templater state. */
  readSnapshot(): InventorySnapshot | null {
    const rows = this.#db.prepare('SELECT key, stats FROM endpoints ORDER BY key').all() as { key: string; stats: string }[];
    const templaterJson = this.#meta('templater');
    const salt = this.#meta('salt');
    if (rows.length === 0 && templaterJson === undefined) return salt === undefined ? null : { version: 1, salt, templater: { version: 1, roots: {} }, endpoints: [] };
    try {
      return {
        version: 1,
        salt: salt ?? '',
        templater: templaterJson ? (JSON.parse(templaterJson) as PathTemplaterState) : { version: 1, roots: {} },
        endpoints: rows.map((r) => JSON.parse(r.stats) as EndpointStats),
      };
    } catch (err) {
      throw new ApisensorError('ERR_STORE_CORRUPT', `${this.#file}: stored inventory is not valid JSON`, 1, { cause: err });
    }
  }

  /**
   * A new inventory holding the stored state, with the stored salt (a new
   * salt is made and kept on first use, so hashes stay comparable across runs).
   */
  loadInventory(options: EndpointInventoryOptions = {}): EndpointInventory {
    const snap = this.readSnapshot();
    const salt = snap?.salt || options.salt;
    const inv = new EndpointInventory(salt ? { ...options, salt } : options);
    if (snap) inv.load({ ...snap, salt: inv.salt });
    return inv;
  }

  /** Replace the stored inventory with `inventory` (one transaction). */
  save(inventory: EndpointInventory): void {
    this.#write(inventory.snapshot());
  }

  /** Fold `snapshot` into the stored inventory and save the result. Returns the number of endpoints stored. */
  merge(snapshot: InventorySnapshot, options: EndpointInventoryOptions = {}): number {
    const inv = this.loadInventory({ ...options, salt: snapshot.salt });
    inv.load(snapshot);
    const snap = inv.snapshot();
    this.#write(snap);
    return snap.endpoints.length;
  }

  #write(snap: InventorySnapshot): void {
    const insert = this.#db.prepare(
      'INSERT INTO endpoints (key, tenant, host, method, path_template, calls, first_seen, last_seen, stats) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const setMeta = this.#db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM endpoints').run();
      for (const ep of snap.endpoints) {
        insert.run(ep.key, ep.tenant, ep.host, ep.method, ep.pathTemplate, ep.calls, ep.firstSeen, ep.lastSeen, JSON.stringify(ep));
      }
      setMeta.run('salt', snap.salt);
      setMeta.run('templater', JSON.stringify(snap.templater));
    }).immediate();
  }

  /** Endpoint rows without their stats, for listings: sorted by host, method, template. */
  list(host?: string): { key: string; tenant: string; host: string; method: string; pathTemplate: string; calls: number; firstSeen: number | null; lastSeen: number | null }[] {
    const sql = 'SELECT key, tenant, host, method, path_template AS pathTemplate, calls, first_seen AS firstSeen, last_seen AS lastSeen FROM endpoints'
      + (host === undefined ? '' : ' WHERE host = ?') + ' ORDER BY host, path_template, method';
    const stmt = this.#db.prepare(sql);
    return (host === undefined ? stmt.all() : stmt.all(host)) as ReturnType<InventoryStore['list']>;
  }

  close(): void {
    this.#db.close();
  }
}
