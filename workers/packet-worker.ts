/**
 * Worker-thread entry point (piscina task function). Messages in, results out:
 *
 *   main thread ──ShardTask──► this worker ──► ShardEngine (reassembly → HTTP) ──ShardResult──► main thread
 *
 * The function is synchronous on purpose: piscina then runs this worker's
 * tasks strictly in arrival order, which per-shard ordering relies on.
 * A result's packed detail buffer (`detail`) is transferred, not cloned.
 */
import { Piscina } from 'piscina';
import { ShardEngine } from '../src/pool/shard-engine.js';
import type { ShardResult, ShardTask } from '../src/pool/messages.js';

const engines = new Map<number, ShardEngine>();

export default function runShardTask(task: ShardTask): ShardResult {
  switch (task.type) {
    case 'init':
      engines.set(task.shard, new ShardEngine(task.shard, task.config));
      return { type: 'ready', shard: task.shard };
    case 'batch':
      return transferring(engineFor(task.shard).processBatch(task.batch));
    case 'finish': {
      const result = engineFor(task.shard).finish(task.packetIndex, task.tsSec, task.tsNsec);
      engines.delete(task.shard);
      return transferring(result);
    }
  }
}

/** Marks a result's detail buffer for transfer (piscina's Transferable protocol); the caller still sees a ShardResult. */
function transferring(result: ShardResult): ShardResult {
  if (result.type === 'ready' || result.detail === undefined) return result;
  const movable = { [Piscina.transferableSymbol]: [result.detail], [Piscina.valueSymbol]: result };
  return Piscina.move(movable as unknown as Parameters<typeof Piscina.move>[0]) as unknown as ShardResult;
}

function engineFor(shard: number): ShardEngine {
  const engine = engines.get(shard);
  if (!engine) throw new Error(`shard ${shard} has no engine on this worker (flow affinity broken)`);
  return engine;
}
