/**
 * attachStore: records every bus message of a run in a FindingsStore when no
 * service does it (a replay or capture with a persistent `--db` and no
 * `--serve`), so `apisensor serve --inventory-db FILE` can serve the run
 * later.
 *
 *   bus ──message──► JSON.stringify ─► store.append ─► end of turn (setImmediate): store.flush()
 *
 * Flushes once per event-loop turn (and by itself every `maxPending`
 * messages, see findings-store.ts); the function returned stops recording
 * and flushes what is buffered. It does not close the store. With a service
 * running, the service appends instead (one JSON encoding shared with the
 * stream) and its stream bridge flushes before each batch.
 */
import type { BusMessage, FindingBus } from './finding-bus.js';
import type { FindingsStore } from './findings-store.js';

/** Subscribe `store` to both channels of `bus`; returns the function that detaches and flushes. */
export function attachStore(bus: FindingBus, store: FindingsStore): () => void {
  let scheduled: NodeJS.Immediate | null = null;
  const flush = (): void => {
    scheduled = null;
    store.flush();
  };
  const unsubscribe = bus.subscribe((m: BusMessage) => {
    store.append(m, JSON.stringify(m));
    scheduled ??= setImmediate(flush);
  });
  return () => {
    unsubscribe();
    if (scheduled !== null) clearImmediate(scheduled);
    flush();
  };
}
