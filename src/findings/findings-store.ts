/**
 * FindingsStore: SQLite persistence of the bus messages of a sensor run
 * (findings and inventory-change events), so a stream client can resume
 * further back than the in-memory ring buffer (issue 5 §1 resume) and
 * `apisensor serve --inventory-db FILE` can serve a finished run. Lives in
 * the inventory database (`--db`), in tables of its own with their own
 * schema version, next to (never touching) the inventory's tables; a
 * separate connection (better-sqlite3, synchronous, main thread only).
 *
 * Schema (`findings_schema_version` holds one row; migrations run in order
 * inside one transaction at open):
 *   v1  stream_runs(run PK autoincrement, started_at REAL)   — one row per sensor run
 *       stream_messages(run, seq, channel, type, severity, body, PK (run, seq))
 *       `body` is the wire JSON of the message (`{"channel":…,"seq":…,…}`);
 *       `type`/`severity` are null for inventory messages.
 *
 * Runs: `open(file)` starts a new run (a replay or capture: one run per
 * sensor run, whether or not anything is published). `open(file, { run:
 * 'latest' })` continues the newest run in the file (`apisensor serve`): its
 * messages are readable at once (`lastSeq`, `readLast`, `readAfter`) and what
 * is appended joins it; a file without a run gets one only when the first
 * message is flushed, so serving alone never adds a run.
 *
 * Writes: `append(msg, json)` buffers; `flush()` writes the buffer in one
 * transaction. The owner flushes once per event-loop turn (attach-store.ts,
 * or the service's stream bridge, which flushes before it posts a batch to
 * the stream worker, so whatever the worker can drop is already stored) and
 * at `close()`. Cap: at most `maxPending` buffered messages (default 4,096);
 * an append that reaches it flushes at once (`findings_store.pending_cap`).
 * Reads (`readAfter`) see only the current run: a seq space is per run.
 *
 * Cap: at most `maxRows` rows (default 1,000,000) across runs; past it the
 * oldest rows (older runs first) are deleted after a flush, counted
 * `findings_store.pruned`. A failed flush drops its rows and counts
 * `findings_store.write_errors` (resume then reports them as a gap).
 *
 * Errors: ApisensorError `ERR_STORE_OPEN` (exit 2) when the file cannot be
 * opened or migrated, `ERR_STORE_VERSION` (written by a newer apisensor).
 */
import Database from 'better-sqlite3';
import { ApisensorError } from '../errors.js';
import { EventCounter } from '../stats/event-counter.js';
import type { BusMessage } from './finding-bus.js';

export const FINDINGS_MIGRATIONS: readonly string[] = [
  `CREATE TABLE findings_schema_version (version INTEGER NOT NULL);
   INSERT INTO findings_schema_version (version) VALUES (0);
   CREATE TABLE stream_runs (run INTEGER PRIMARY KEY AUTOINCREMENT, started_at REAL NOT NULL);
   CREATE TABLE stream_messages (
     run INTEGER NOT NULL,
     seq INTEGER NOT NULL,
     channel TEXT NOT NULL,
     type TEXT,
     severity TEXT,
     body TEXT NOT NULL,
     PRIMARY KEY (run, seq)
   ) WITHOUT ROWID;`,
];

export const FINDINGS_SCHEMA_VERSION = FINDINGS_MIGRATIONS.length;
export const DEFAULT_FINDINGS_STORE_MAX_ROWS = 1_000_000;
export const DEFAULT_FINDINGS_STORE_MAX_PENDING = 4096;

/** A stored message: its seq, wire JSON and the fields stream filters look at. */
export interface StoredMessage {
  seq: number;
  channel: BusMessage['channel'];
  type: string | null;
  severity: string | null;
  body: string;
}

export interface FindingsStoreOptions {
  /** Rows kept across runs. Default 1,000,000; at least 1. */
  maxRows?: number;
  events?: EventCounter;
  /** Wall clock for `stream_runs.started_at` (seconds). */
  nowSec?: () => number;
  /** `'new'` (default): start a run now. `'latest'`: continue the newest run of the file (one is started at the first flush if there is none). */
  run?: 'new' | 'latest';
  /** Messages buffered before an append flushes by itself. Default 4,096; at least 1. */
  maxPending?: number;
}

export class FindingsStore {
  readonly #db: Database.Database;
  /** Current run; null until the first flush of a `'latest'` store over a file without runs. */
  #run: number | null;
  readonly #maxRows: number;
  readonly #maxPending: number;
  readonly #events: EventCounter;
  readonly #nowSec: () => number;
  readonly #insert: Database.Statement;
  readonly #readAfter: Database.Statement;
  readonly #readLast: Database.Statement;
  #rows: number;
  #pending: (string | number | null)[][] = [];
  #lostThrough = 0;
  #lastSeq = 0;

  private constructor(db: Database.Database, options: FindingsStoreOptions) {
    this.#db = db;
    this.#maxRows = options.maxRows ?? DEFAULT_FINDINGS_STORE_MAX_ROWS;
    if (!Number.isInteger(this.#maxRows) || this.#maxRows < 1) throw new RangeError('FindingsStore: maxRows must be a positive integer');
    this.#maxPending = options.maxPending ?? DEFAULT_FINDINGS_STORE_MAX_PENDING;
    if (!Number.isInteger(this.#maxPending) || this.#maxPending < 1) throw new RangeError('FindingsStore: maxPending must be a positive integer');
    this.#events = options.events ?? new EventCounter();
    this.#nowSec = options.nowSec ?? (() => Date.now() / 1000);
    if (options.run === 'latest') {
      const latest = db.prepare('SELECT MAX(run) AS run FROM stream_runs').get() as { run: number | null };
      this.#run = latest.run;
      if (this.#run !== null) {
        const r = db.prepare('SELECT MIN(seq) AS lo, MAX(seq) AS hi FROM stream_messages WHERE run = ?').get(this.#run) as { lo: number | null; hi: number | null };
        this.#lastSeq = r.hi ?? 0;
        // Rows pruned from the start of the run (a run's seqs start at 1).
        this.#lostThrough = r.lo !== null ? r.lo - 1 : 0;
      }
    } else {
      this.#run = this.#startRun();
    }
    this.#rows = (db.prepare('SELECT COUNT(*) AS n FROM stream_messages').get() as { n: number }).n;
    this.#insert = db.prepare('INSERT OR REPLACE INTO stream_messages (run, seq, channel, type, severity, body) VALUES (?, ?, ?, ?, ?, ?)');
    this.#readAfter = db.prepare(
      'SELECT seq, channel, type, severity, body FROM stream_messages WHERE run = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?',
    );
    this.#readLast = db.prepare(
      'SELECT seq, channel, type, severity, body FROM (SELECT * FROM stream_messages WHERE run = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq',
    );
  }

  #startRun(): number {
    return Number(this.#db.prepare('INSERT INTO stream_runs (started_at) VALUES (?)').run(this.#nowSec()).lastInsertRowid);
  }

  /**
   * Open (creating and migrating when needed) `file`; `':memory:'` for a
   * throwaway store. Starts a new run, or with `run: 'latest'` continues the
   * newest one.
   */
  static open(file: string, options: FindingsStoreOptions = {}): FindingsStore {
    let db: Database.Database;
    try {
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
    } catch (err) {
      throw new ApisensorError('ERR_STORE_OPEN', `${file}: cannot open findings database: ${(err as Error).message}`, 2, { cause: err });
    }
    try {
      migrate(db, file);
      return new FindingsStore(db, options);
    } catch (err) {
      db.close();
      if (err instanceof ApisensorError) throw err;
      throw new ApisensorError('ERR_STORE_OPEN', `${file}: cannot set up the findings tables: ${(err as Error).message}`, 2, { cause: err });
    }
  }

  /** Id of this run (`stream_runs.run`); null while a `'latest'` store over a file without runs has written nothing. */
  get run(): number | null {
    return this.#run;
  }

  /** Highest seq of this run stored or buffered (0: none). */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Rows held across runs (after the last flush). */
  get rows(): number {
    return this.#rows;
  }

  /** Highest seq of this run that is not (or no longer) stored: pruned, failed to write, or published before the store was attached. */
  get lostThrough(): number {
    return this.#lostThrough;
  }

  /** Record that seqs up to `seq` of this run will never be stored. */
  markLost(seq: number): void {
    if (seq > this.#lostThrough) this.#lostThrough = seq;
  }

  /** Buffer one message (`json`: its wire JSON). Written by the next `flush()`. */
  append(msg: BusMessage, json: string): void {
    const f = msg.channel === 'findings' ? msg.finding : null;
    this.#pending.push([msg.seq, msg.channel, f ? f.type : null, f ? f.severity : null, json]);
    if (msg.seq > this.#lastSeq) this.#lastSeq = msg.seq;
    if (this.#pending.length >= this.#maxPending) {
      this.#events.add('findings_store.pending_cap');
      this.flush();
    }
  }

  /** Write the buffered messages in one transaction, then prune past `maxRows`. */
  flush(): void {
    if (this.#pending.length === 0) return;
    const rows = this.#pending;
    this.#pending = [];
    const hadRun = this.#run;
    try {
      this.#db.transaction(() => {
        const run = (this.#run ??= this.#startRun());
        for (const r of rows) this.#insert.run(run, ...r);
      })();
      this.#rows += rows.length;
    } catch {
      this.#run = hadRun; // a run started inside the failed transaction was rolled back
      this.#events.add('findings_store.write_errors', rows.length);
      this.markLost(rows[rows.length - 1]![0] as number);
      return;
    }
    if (this.#rows > this.#maxRows) this.#prune(this.#rows - this.#maxRows);
  }

  /**
   * Messages of this run with `after` < seq ≤ `upTo`, oldest first, at most
   * `limit`. Call `flush()` first to see the latest appends.
   */
  readAfter(after: number, upTo: number, limit: number): StoredMessage[] {
    if (this.#run === null) return [];
    return this.#readAfter.all(this.#run, after, upTo, limit) as StoredMessage[];
  }

  /** The newest `limit` stored messages of this run, oldest first (`flush()` first to include appends). */
  readLast(limit: number): StoredMessage[] {
    if (this.#run === null || limit < 1) return [];
    return this.#readLast.all(this.#run, limit) as StoredMessage[];
  }

  close(): void {
    this.flush();
    this.#db.close();
  }

  #prune(excess: number): void {
    try {
      const lost = this.#db.prepare(
        'SELECT MAX(seq) AS seq FROM (SELECT run, seq FROM stream_messages ORDER BY run, seq LIMIT ?) WHERE run = ?',
      ).get(excess, this.#run ?? -1) as { seq: number | null };
      if (lost.seq !== null) this.markLost(lost.seq);
      const r = this.#db.prepare(
        'DELETE FROM stream_messages WHERE (run, seq) IN (SELECT run, seq FROM stream_messages ORDER BY run, seq LIMIT ?)',
      ).run(excess);
      this.#rows -= r.changes;
      this.#events.add('findings_store.pruned', r.changes);
    } catch {
      this.#events.add('findings_store.write_errors');
    }
  }
}

function migrate(db: Database.Database, file: string): void {
  const version = (): number => {
    const t = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'findings_schema_version'").get();
    if (!t) return 0;
    return (db.prepare('SELECT version FROM findings_schema_version').get() as { version: number } | undefined)?.version ?? 0;
  };
  db.transaction(() => {
    const from = version();
    if (from > FINDINGS_SCHEMA_VERSION) {
      throw new ApisensorError('ERR_STORE_VERSION', `${file}: findings schema version ${from} is newer than this apisensor supports (${FINDINGS_SCHEMA_VERSION})`, 2);
    }
    for (let v = from; v < FINDINGS_SCHEMA_VERSION; v++) {
      db.exec(FINDINGS_MIGRATIONS[v]!);
      db.prepare('UPDATE findings_schema_version SET version = ?').run(v + 1);
    }
  }).immediate();
}
