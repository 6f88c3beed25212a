/**
 * Inventory cost per transaction (issue 3), measured in-process on the
 * benchmark capture with the default worker count:
 *
 *   A  replayFiles(file, { onTransaction: count })                        baseline
 *   B  replayFiles(file, { withDetail: true, onTransaction: count })      + detail across threads
 *   C  replayFiles(file, { withDetail: true, onTransaction: inv.record }) + inventory (EndpointInventory)
 *
 * Reported: wall time of each run, the time spent inside `inv.record` (sum of
 * per-call hrtime, main thread) divided by the transaction count, and the
 * end-to-end overheads (B − A, C − A) per transaction, in µs, with C / A as
 * the ratio against the baseline of the same run. Wall times include the
 * worker threads, so the end-to-end figures are noisier than the in-call one.
 */
import { EndpointInventory } from '../../src/inventory/endpoint-inventory.js';
import { replayFiles } from '../../src/replay/replay.js';

export interface InventoryBenchResult {
  transactions: number;
  baselineMs: number;
  detailMs: number;
  inventoryMs: number;
  /** Time inside EndpointInventory.record, summed. */
  recordMs: number;
  /** recordMs / transactions, µs. */
  recordUsPerTransaction: number;
  /** (detailMs − baselineMs) / transactions, µs. */
  detailUsPerTransaction: number;
  /** (inventoryMs − baselineMs) / transactions, µs. */
  endToEndUsPerTransaction: number;
  /** inventoryMs / baselineMs. */
  ratio: number;
  endpoints: number;
  events: Record<string, number>;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await run();
  return performance.now() - t0;
}

export async function runInventoryBench(file: string): Promise<InventoryBenchResult> {
  let transactions = 0;
  const count = (): void => {
    transactions++;
  };
  const baselineMs = await timed(() => replayFiles([file], { onTransaction: count }));
  const total = transactions;
  const detailMs = await timed(() => replayFiles([file], { withDetail: true, onTransaction: count }));

  const inv = new EndpointInventory({ salt: '00' });
  let recordNs = 0n;
  const inventoryMs = await timed(() => replayFiles([file], {
    withDetail: true,
    onTransaction: (r) => {
      const t0 = process.hrtime.bigint();
      inv.record(r);
      recordNs += process.hrtime.bigint() - t0;
    },
  }));
  const recordMs = Number(recordNs) / 1e6;
  const per = (ms: number): number => (total === 0 ? 0 : (ms * 1000) / total);
  return {
    transactions: total,
    baselineMs,
    detailMs,
    inventoryMs,
    recordMs,
    recordUsPerTransaction: per(recordMs),
    detailUsPerTransaction: per(detailMs - baselineMs),
    endToEndUsPerTransaction: per(inventoryMs - baselineMs),
    ratio: inventoryMs / baselineMs,
    endpoints: inv.endpoints().length,
    events: inv.events.toJSON(),
  };
}
