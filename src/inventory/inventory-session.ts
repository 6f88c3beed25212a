/**
 * InventorySession: one run's view of the stored inventory (issue 3 §5, §7).
 * The replay and capture commands open one, pass every transaction to
 * `record`, and call `finish` at the end of the run; the `inventory` command
 * opens one to read.
 *
 *   open ─► load spec (--spec, optional) ─► open + migrate store (--db) ─► load stored inventory
 *   record(tx) × N                          (adds to the loaded inventory, in memory)
 *   finish() ─► save (one SQLite transaction) ─► InventoryRunSummary (+ spec diff)
 *   close()                                 (always; idempotent)
 *
 * A replay adds to the stored inventory: endpoints, counts and templater
 * state are merged with what the database held (store.ts). Nothing is written
 * before `finish`, so a failed run leaves the store as it was. The data-class
 * salt is the stored one; `salt` is used only for a new store.
 *
 * Errors (ApisensorError, with exit codes): `ERR_SPEC_READ`, `ERR_SPEC_PARSE`
 * (2, spec-diff.ts) — the spec is loaded before the store is touched;
 * `ERR_STORE_MISSING` (2, `create: false` and the file does not exist);
 * `ERR_STORE_OPEN` (2), `ERR_STORE_VERSION` (2), `ERR_STORE_CORRUPT` (1)
 * (store.ts); `ERR_STORE_WRITE` (1, saving failed: disk full, read-only file);
 * `ERR_INVENTORY_CLOSED` (1, `record`/`finish` after `close`, or `finish` twice).
 */
import { existsSync } from 'node:fs';
import { ApisensorError } from '../errors.js';
import { EventCounter } from '../stats/event-counter.js';
import { EndpointInventory, type EndpointInventoryOptions } from './endpoint-inventory.js';
import type { EndpointStats } from './endpoint-stats.js';
import type { ObservedTransaction } from './observed-transaction.js';
import { diffAgainstSpec, hostsOf, loadSpecFile, type LoadedSpec, type SpecDiffResult } from './spec-diff.js';
import { InventoryStore } from './store.js';

/** Default `--db`: the inventory database in the working directory. */
export const DEFAULT_DB_FILE = './apisensor.db';

export interface InventorySessionOptions {
  /** SQLite file, created when absent (see `create`); `':memory:'` for a throwaway run. */
  db: string;
  /** OpenAPI 3.0/3.1 file (YAML or JSON) to diff the inventory against. */
  spec?: string;
  /** Data-class hash salt for a new store (hex); random when omitted. Ignored when the store has one. */
  salt?: string;
  /** Create the database when the file does not exist. Default true; readers pass false. */
  create?: boolean;
  /** Inventory caps and templater options. */
  inventory?: Omit<EndpointInventoryOptions, 'salt' | 'events'>;
  /** Counter for `inventory.*` events; a private one when omitted. */
  events?: EventCounter;
}

/** Spec diff counts of a run (see spec-diff.ts). */
export interface SpecDiffCounts {
  file: string;
  /** `3.0.x` / `3.1.x`. */
  openapi: string;
  operations: number;
  documented: number;
  shadow: number;
  zombie: number;
  orphan: number;
  /**
   * Endpoints of hosts outside the spec's `servers` (neither shadow nor
   * documented); present only when the spec's servers name hosts
   * (`LoadedSpec.hostScoped`).
   */
  uncovered?: number;
  /** Their distinct hosts, sorted; present with `uncovered`. */
  uncoveredHosts?: string[];
  /** Validator messages and `servers` expansion notes about the spec (the diff still ran). */
  warnings: string[];
}

export interface InventoryRunSummary {
  db: string;
  /** Transactions passed to `record` this run. */
  transactions: number;
  /** Of those, transactions not recorded (no request line, or an inventory cap). */
  skipped: number;
  endpoints: {
    /** Endpoints stored after this run. */
    total: number;
    /** Endpoints that were not in the store before this run. */
    new: number;
    /** Endpoints called during this run. */
    seen: number;
  };
  /** Present when a spec was given. */
  spec?: SpecDiffCounts;
  /** `inventory.*` events of this run, sorted by name. */
  events: Record<string, number>;
}

export class InventorySession {
  readonly #db: string;
  readonly #store: InventoryStore;
  readonly #inventory: EndpointInventory;
  readonly #spec: { file: string; loaded: LoadedSpec } | null;
  readonly #storedKeys: ReadonlySet<string>;
  readonly #seen = new Set<string>();
  #transactions = 0;
  #skipped = 0;
  #state: 'open' | 'finished' | 'closed' = 'open';

  private constructor(db: string, store: InventoryStore, inventory: EndpointInventory, spec: { file: string; loaded: LoadedSpec } | null) {
    this.#db = db;
    this.#store = store;
    this.#inventory = inventory;
    this.#spec = spec;
    this.#storedKeys = new Set(inventory.endpoints().map((e) => e.key));
  }

  /** Load the spec (when given), open and migrate the store, load the stored inventory. */
  static async open(options: InventorySessionOptions): Promise<InventorySession> {
    const spec = options.spec === undefined ? null : { file: options.spec, loaded: await loadSpecFile(options.spec) };
    if (options.create === false && options.db !== ':memory:' && !existsSync(options.db)) {
      throw new ApisensorError('ERR_STORE_MISSING', `${options.db}: no inventory database (run 'apisensor replay FILE --db ${options.db}' first)`, 2);
    }
    const store = InventoryStore.open(options.db);
    try {
      const inventory = store.loadInventory({
        ...options.inventory,
        ...(options.salt === undefined ? {} : { salt: options.salt }),
        events: options.events ?? new EventCounter(),
      });
      return new InventorySession(options.db, store, inventory, spec);
    } catch (err) {
      store.close();
      throw err;
    }
  }

  /** The live inventory (stored state plus this run). */
  get inventory(): EndpointInventory {
    return this.#inventory;
  }

  /** The loaded spec, or null without `spec`. */
  get spec(): LoadedSpec | null {
    return this.#spec?.loaded ?? null;
  }

  /**
   * Add one transaction (a TransactionRecord with its detail, or any
   * ObservedTransaction). A bound arrow function, so it can be passed as
   * `onTransaction: session.record` directly. Returns the endpoint the
   * transaction was recorded under (live object: read it before the next
   * call), or null when it was not recorded.
   */
  readonly record = (tx: ObservedTransaction): EndpointStats | null => {
    if (this.#state !== 'open') throw new ApisensorError('ERR_INVENTORY_CLOSED', 'inventory session: record() after finish() or close()');
    this.#transactions++;
    const ep = this.#inventory.record(tx);
    if (ep === null) this.#skipped++;
    else this.#seen.add(ep.key);
    return ep;
  };

  /** Endpoints of the inventory, sorted by key (see EndpointInventory.endpoints). */
  endpoints(): EndpointStats[] {
    return this.#inventory.endpoints();
  }

  /** Spec diff of the current inventory, or null without a spec. */
  diff(): SpecDiffResult | null {
    return this.#spec ? diffAgainstSpec(this.#inventory.endpoints(), this.#spec.loaded) : null;
  }

  /** Save the inventory to the store (one transaction) and summarize the run. Call once. */
  finish(): InventoryRunSummary {
    if (this.#state !== 'open') throw new ApisensorError('ERR_INVENTORY_CLOSED', 'inventory session: finish() called twice or after close()');
    this.#state = 'finished';
    try {
      this.#store.save(this.#inventory);
    } catch (err) {
      if (err instanceof ApisensorError) throw err;
      throw new ApisensorError('ERR_STORE_WRITE', `${this.#db}: cannot save the inventory: ${(err as Error).message}`, 1, { cause: err });
    }
    const endpoints = this.#inventory.endpoints();
    // Keys recorded this run may have been re-templated by a later promotion.
    const seen = new Set<string>();
    const templater = this.#inventory.templater;
    const current = new Set(endpoints.map((e) => e.key));
    for (const key of this.#seen) seen.add(current.has(key) ? key : this.#retemplate(key, templater));
    const summary: InventoryRunSummary = {
      db: this.#db,
      transactions: this.#transactions,
      skipped: this.#skipped,
      endpoints: {
        total: endpoints.length,
        new: endpoints.filter((e) => !this.#storedKeys.has(e.key)).length,
        seen: [...seen].filter((k) => current.has(k)).length,
      },
      events: this.#inventory.events.toJSON(),
    };
    if (this.#spec) {
      const d = diffAgainstSpec(endpoints, this.#spec.loaded);
      summary.spec = {
        file: this.#spec.file,
        openapi: this.#spec.loaded.openapi,
        operations: this.#spec.loaded.operations.length,
        documented: d.documented.length,
        shadow: d.shadow.length,
        zombie: d.zombie.length,
        orphan: d.orphan.length,
        ...(this.#spec.loaded.hostScoped ? { uncovered: d.uncovered.length, uncoveredHosts: hostsOf(d.uncovered) } : {}),
        warnings: this.#spec.loaded.warnings,
      };
    }
    return summary;
  }

  #retemplate(key: string, templater: EndpointInventory['templater']): string {
    // key = `${tenant}|${host} ${method} ${template}`
    const bar = key.indexOf('|');
    const [host, method, ...rest] = key.slice(bar + 1).split(' ');
    const tenant = key.slice(0, bar);
    const tp = templater.templateFor(tenant, host!, method!, rest.join(' '));
    return `${tenant}|${host} ${method} ${tp.template}`;
  }

  /** Close the database (without saving when `finish` was not called). Idempotent. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#store.close();
  }
}
