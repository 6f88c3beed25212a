/**
 * InventoryWatcher: turns inventory updates into inventory-change events on
 * the bus (`new_endpoint`, `new_data_class`). Owned by the AnalysisSession
 * whenever a run has an inventory (served or not: the events share the
 * findings' seq space, so a run's numbering must not depend on `--serve`),
 * primed with the endpoints the store already knew. Call `observe()` with
 * what `EndpointInventory.record()` returned, once per transaction:
 *
 *   const ep = inventory.record(tx);
 *   watcher.observe(ep, tx.requestTs ?? tx.responseTs);
 *
 * An endpoint key seen for the first time gives `new_endpoint` (a key made
 * by re-templating, e.g. `/users/1` + `/users/2` → `/users/{id}`, is new
 * too); each `${kind}@${location}` data class first seen on an endpoint gives
 * `new_data_class`. Memory: one entry per endpoint key and data class, at
 * most `maxKeys` (default 100,000) keys; past it no more events are
 * published and `inventory_watch.keys_cap` is counted.
 */
import type { FindingBus } from '../findings/finding-bus.js';
import type { EndpointStats } from '../inventory/endpoint-stats.js';
import { EventCounter } from '../stats/event-counter.js';

export class InventoryWatcher {
  readonly #bus: FindingBus;
  readonly #maxKeys: number;
  readonly #events: EventCounter;
  readonly #seen = new Map<string, Set<string>>();

  constructor(bus: FindingBus, options: { maxKeys?: number; events?: EventCounter } = {}) {
    this.#bus = bus;
    this.#maxKeys = options.maxKeys ?? 100_000;
    this.#events = options.events ?? new EventCounter();
  }

  /** Mark endpoints as already known (e.g. loaded from the store) without publishing. */
  prime(endpoints: readonly EndpointStats[]): void {
    for (const ep of endpoints) {
      if (this.#seen.size >= this.#maxKeys) return;
      this.#seen.set(ep.key, new Set(Object.keys(ep.dataClasses)));
    }
  }

  /** Publish what is new about `ep` (null: nothing recorded). `ts`: packet time, seconds. */
  observe(ep: EndpointStats | null, ts: number | null): void {
    if (ep === null) return;
    let classes = this.#seen.get(ep.key);
    const endpoint = { key: ep.key, host: ep.host, method: ep.method, pathTemplate: ep.pathTemplate };
    if (!classes) {
      if (this.#seen.size >= this.#maxKeys) {
        this.#events.add('inventory_watch.keys_cap');
        return;
      }
      classes = new Set();
      this.#seen.set(ep.key, classes);
      this.#bus.publishInventory({ event: 'new_endpoint', ts, endpoint });
    }
    for (const k of Object.keys(ep.dataClasses)) {
      if (classes.has(k)) continue;
      classes.add(k);
      const d = ep.dataClasses[k]!;
      this.#bus.publishInventory({ event: 'new_data_class', ts, endpoint, dataClass: { kind: d.kind, category: d.category, location: d.location } });
    }
  }
}
