/**
 * Worker-thread entry point (piscina task function). Messages in, results out:
 *
 *   main thread ──ShardTask──► this worker ──► ShardEngine (reassembly → HTTP) ──ShardResult──► main thread
 *
 * The function is synchronous on purpose: piscina then runs this worker's
 * tasks strictly in arrival order, which per-shard ordering relies on.
 */
import { ShardEngine } from '../src/pool/shard-engine.js';
import type { ShardResult, ShardTask } from '../src/pool/messages.js';

const engines = new Map<number, ShardEngine>();

export default function runShardTask(task: ShardTask): ShardResult {
  switch (task.type) {
    case 'init':
      engines.set(task.shard, new ShardEngine(task.shard, task.config));
      return { type: 'ready', shard: task.shard };
    case 'batch':
      return engineFor(task.shard).processBatch(task.batch);
    case 'finish': {
      const result = engineFor(task.shard).finish(task.packetIndex, task.tsSec, task.tsNsec);
      engines.delete(task.shard);
      return result;
    }
  }
}

function engineFor(shard: number): ShardEngine {
  const engine = engines.get(shard);
  if (!engine) throw new Error(`shard ${shard} has no engine on this worker (flow affinity broken)`);
  return engine;
}
