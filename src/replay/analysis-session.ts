/**
 * AnalysisSession: everything that runs on the main thread on ordered
 * TransactionRecords, for one replay or capture run.
 *
 *   TransactionRecord (+ detail) ──► InventorySession.record ──► InventoryWatcher (new endpoint / data class) ─┐
 *                                └─► DetectionInputBuilder ──► DetectionEngine ─────────────────────────────────┴► FindingBus ──► sinks
 *                                                         (JSONL file, FindingsStore with a persistent --db, WebSocket/HTTP service)
 *
 * Sequence numbers: findings and inventory-change events share the bus's seq
 * space. The session owns the InventoryWatcher whenever there is an
 * inventory, so a run's numbering (in the findings file, the store and the
 * stream) depends on the capture and on the options that change analysis
 * (inventory on/off, detectors, rules, spec, an existing --db's endpoints),
 * never on `serve`.
 *
 * Stored runs: with a persistent `db` (not `:memory:`), every bus message is
 * also stored in that database (FindingsStore, one run per session), with or
 * without `serve`, so `apisensor serve --inventory-db FILE` can serve it
 * later. With `serve` the service appends to the store and flushes it before
 * each batch to the stream worker; without, attach-store.ts flushes it once
 * per event-loop turn; `close()` flushes and closes it after the service.
 *
 * Call order: `open` → `record(tx)` per transaction (in output order) →
 * `finish()` (saves the inventory, flushes detector state, returns the run's
 * inventory and findings summary) → `close()` (always; idempotent).
 *
 * Principal and data-class hashes use the inventory store's salt, so findings
 * and inventory agree and stay stable across runs on the same database. For a
 * throwaway `:memory:` database without `--salt` a fixed default salt keeps
 * replays byte-identical; give `--salt` (or a persistent `--db`) in
 * production.
 */
import { InventorySession, type InventoryRunSummary } from '../inventory/inventory-session.js';
import { DataClassifier } from '../inventory/data-classes.js';
import { loadSpecFile, type LoadedSpec, type SpecDiffResult } from '../inventory/spec-diff.js';
import type { EndpointStats } from '../inventory/endpoint-stats.js';
import { PrincipalResolver } from '../detect/principal.js';
import { DetectionInputBuilder } from '../detect/detection-input.js';
import { DetectionEngine } from '../detect/detection-engine.js';
import { createDefaultDetectors } from '../detect/default-detectors.js';
import { loadRateRules } from '../detect/rate-rules.js';
import { FindingBus } from '../findings/finding-bus.js';
import { attachSink, type FindingSink } from '../findings/finding-sink.js';
import { StdoutSink } from '../findings/stdout-sink.js';
import { attachStore } from '../findings/attach-store.js';
import { FindingsStore } from '../findings/findings-store.js';
import { JsonlFileSink } from '../findings/jsonl-file-sink.js';
import { SEVERITY_RANK, type Finding, type Severity } from '../findings/finding.js';
import { startService, type Service, type ServiceOptions } from '../serve/service.js';
import { InventoryWatcher } from '../serve/inventory-watcher.js';
import type { TransactionRecord } from '../http/transaction-record.js';
import { EventCounter } from '../stats/event-counter.js';

/** Salt used for a `:memory:` inventory when none is given (documented; not for production). */
export const DEFAULT_MEMORY_SALT = 'apisensor-default-salt';

export interface AnalysisOptions {
  /** Inventory database (`:memory:` for a throwaway run); null disables the inventory. */
  db: string | null;
  /** OpenAPI file for spec diff and shadow-API findings. */
  spec?: string;
  /** Hash salt for a new store (and for detection without an inventory). */
  salt?: string;
  /** Run the abuse detectors. */
  detect: boolean;
  /** Rate and quota rules (YAML). */
  rulesFile?: string;
  /** Addresses/CIDRs whose X-Forwarded-For / Forwarded headers are trusted. */
  trustedProxies?: string[];
  /** Findings JSONL file (rotated by size); '-' for stdout. */
  findingsFile?: string;
  findingsMaxBytes?: number;
  findingsKeep?: number;
  /** Serve the findings stream, HTTP API and dashboard while running. */
  serve?: ServiceOptions | null;
}

export interface FindingsSummary {
  /** Distinct episodes (latest revision of each). */
  episodes: number;
  /** Emissions (every revision). */
  emitted: number;
  bySeverity: Record<Severity, number>;
  byType: Record<string, number>;
  /** Latest revision of every episode, most severe first (then by first emission). */
  findings: Finding[];
}

export interface AnalysisSummary {
  inventory: InventoryRunSummary | null;
  /** Every endpoint in the inventory after this run (empty without one). */
  endpoints: EndpointStats[];
  /** Spec diff of those endpoints, with `--spec`. */
  diff: SpecDiffResult | null;
  findings: FindingsSummary | null;
  events: Record<string, number>;
}

export class AnalysisSession {
  readonly #inventory: InventorySession | null;
  readonly #engine: DetectionEngine | null;
  readonly #builder: DetectionInputBuilder | null;
  readonly #bus: FindingBus;
  readonly #watcher: InventoryWatcher | null;
  readonly #service: Service | null;
  readonly #closers: Array<() => Promise<void> | void> = [];
  readonly #events: EventCounter;
  #closed = false;

  private constructor(parts: {
    inventory: InventorySession | null;
    engine: DetectionEngine | null;
    builder: DetectionInputBuilder | null;
    bus: FindingBus;
    watcher: InventoryWatcher | null;
    service: Service | null;
    events: EventCounter;
  }) {
    this.#inventory = parts.inventory;
    this.#engine = parts.engine;
    this.#builder = parts.builder;
    this.#bus = parts.bus;
    this.#watcher = parts.watcher;
    this.#service = parts.service;
    this.#events = parts.events;
  }

  /**
   * Opens the inventory store, loads spec and rules, opens the findings file
   * and starts the service. Throws ApisensorError/UsageError (exit code 2) for
   * a bad --db, --spec, --rules, --findings or --listen; nothing is left open
   * then.
   */
  static async open(options: AnalysisOptions): Promise<AnalysisSession> {
    const events = new EventCounter();
    const closers: Array<() => Promise<void> | void> = [];
    try {
      let inventory: InventorySession | null = null;
      let spec: LoadedSpec | null = null;
      if (options.db !== null) {
        const salt = options.salt ?? (options.db === ':memory:' ? DEFAULT_MEMORY_SALT : undefined);
        inventory = await InventorySession.open({
          db: options.db,
          ...(options.spec !== undefined ? { spec: options.spec } : {}),
          ...(salt !== undefined ? { salt } : {}),
          events,
        });
        const opened = inventory;
        closers.push(() => opened.close());
        spec = inventory.spec;
      } else if (options.spec !== undefined) {
        spec = await loadSpecFile(options.spec);
      }
      const bus = new FindingBus({ events, ...(options.serve?.ringCapacity !== undefined ? { ringCapacity: options.serve.ringCapacity } : {}) });
      // Inventory-change events, whether or not a service runs (one seq space with the findings).
      let watcher: InventoryWatcher | null = null;
      if (inventory) {
        watcher = new InventoryWatcher(bus, { events });
        watcher.prime(inventory.endpoints());
      }
      // A persistent database keeps the run's bus messages (the service appends when it runs).
      let store: FindingsStore | null = null;
      if (options.db !== null && options.db !== ':memory:') {
        const opened = FindingsStore.open(options.db, { events });
        store = opened;
        closers.push(() => opened.close());
        if (!options.serve) {
          const detach = attachStore(bus, opened);
          closers.push(detach);
        }
      }
      if (options.findingsFile !== undefined) {
        // '-': JSONL on stdout (no rotation), like `--transactions -`.
        const sink: FindingSink = options.findingsFile === '-' ? new StdoutSink({ events }) : new JsonlFileSink(options.findingsFile, {
          ...(options.findingsMaxBytes !== undefined ? { maxBytes: options.findingsMaxBytes } : {}),
          ...(options.findingsKeep !== undefined ? { keep: options.findingsKeep } : {}),
          events,
        });
        const detach = attachSink(bus, sink);
        closers.push(async () => {
          detach();
          await sink.close();
        });
      }
      let engine: DetectionEngine | null = null;
      let builder: DetectionInputBuilder | null = null;
      if (options.detect) {
        const salt = inventory?.inventory.salt ?? options.salt ?? DEFAULT_MEMORY_SALT;
        const resolver = new PrincipalResolver({ salt, trustedProxies: options.trustedProxies ?? [] });
        builder = new DetectionInputBuilder({ resolver, classifier: new DataClassifier({ salt }), events });
        const rateRules = options.rulesFile !== undefined ? loadRateRules(options.rulesFile) : undefined;
        engine = new DetectionEngine({
          detectors: createDefaultDetectors({ ...(rateRules ? { rateRules } : {}), spec }),
          ...(inventory ? { templater: inventory.inventory.templater } : {}),
          // The bus numbers findings and inventory events in one sequence (seq 0: take the next).
          onFinding: (f) => {
            f.seq = 0;
            return bus.publish(f).seq;
          },
        });
      }
      let service: Service | null = null;
      if (options.serve) {
        service = await startService({
          ...options.serve,
          bus,
          events,
          spec,
          inventory: inventory ? inventory.inventory : null,
          // Findings stored next to the inventory: stream resume beyond the ring
          // (a throwaway in-memory store for a `:memory:` inventory).
          ...(store !== null ? { store } : options.db === ':memory:' ? { findingsDb: ':memory:' } : {}),
        });
        service.setReady(true);
        const started = service;
        closers.push(() => started.close('sensor stopped'));
      }
      const session = new AnalysisSession({ inventory, engine, builder, bus, watcher, service, events });
      session.#closers.push(...closers);
      return session;
    } catch (err) {
      for (const close of closers.reverse()) await close();
      throw err;
    }
  }

  /** True when records must carry header lists and body samples (`withDetail`). */
  get needsDetail(): boolean {
    return this.#inventory !== null || this.#engine !== null;
  }

  /** The bus every finding of this run is published on (sinks and the service subscribe to it). */
  get bus(): FindingBus {
    return this.#bus;
  }

  /** The running service (with `serve`), e.g. to print its URL. */
  get service(): Service | null {
    return this.#service;
  }

  /** One transaction, in output order. A bound function: usable as a callback. */
  readonly record = (tx: TransactionRecord): void => {
    const endpoint = this.#inventory ? this.#inventory.record(tx) : null;
    this.#watcher?.observe(endpoint, tx.requestTs ?? tx.responseTs);
    if (this.#engine && this.#builder) {
      this.#engine.observe(this.#builder.build(tx));
    }
  };

  /**
   * Feeds the pipeline's running totals to the service's metrics (`/metrics`);
   * no-op without `serve`. Cumulative values; call as often as convenient.
   */
  noteTotals(totals: { packets?: number; gaps?: number; flows?: number; transactions?: number; drops?: number }): void {
    this.#service?.metrics.setTotals(totals);
  }

  /**
   * Packets the capture lost (`drops`, kernel + interface) around packet time
   * `tsSec`, seconds; for a live capture, the wall-clock time of the health
   * tick that counted them (live packet timestamps are wall clock). Findings
   * whose window touches that second carry them in `captureHealth.drops`,
   * with lowered confidence. No-op without detection or when `drops` ≤ 0.
   */
  noteCaptureDrops(tsSec: number, drops: number): void {
    if (drops > 0) this.#engine?.noteCaptureHealth(tsSec, { drops });
  }

  /** Saves the inventory and closes open episodes; call once, after the last record. */
  finish(): AnalysisSummary {
    const inventory = this.#inventory ? this.#inventory.finish() : null;
    let findings: FindingsSummary | null = null;
    if (this.#engine) {
      const latest = this.#engine.finish();
      findings = summarizeFindings(latest, this.#engine.stats().findingsEmitted);
    }
    return {
      inventory,
      endpoints: this.#inventory ? this.#inventory.endpoints() : [],
      diff: this.#inventory ? this.#inventory.diff() : null,
      findings,
      events: this.#events.toJSON(),
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const close of this.#closers.reverse()) await close();
  }
}

function summarizeFindings(latest: Finding[], emitted: number): FindingsSummary {
  const bySeverity: Record<Severity, number> = { info: 0, low: 0, medium: 0, high: 0, critical: 0 };
  const byType: Record<string, number> = {};
  for (const f of latest) {
    bySeverity[f.severity]++;
    byType[f.type] = (byType[f.type] ?? 0) + 1;
  }
  const sorted = [...latest].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.seq - b.seq);
  return { episodes: latest.length, emitted, bySeverity, byType, findings: sorted };
}
