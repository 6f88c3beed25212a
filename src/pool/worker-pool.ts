/**
 * Piscina pool with flow affinity.
 *
 *   main thread: shard s = flowHash % N ──► pool.run(task{shard s}) ──► loadBalancer ──► worker bound to s
 *
 * The load balancer binds each shard to one worker on the shard's `init` task
 * and routes every later task of that shard to the same worker, busy or not:
 * the worker's task function is synchronous, so its tasks run in arrival order
 * and per-shard ordering holds. Batch buffers are transferred, not cloned.
 */
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Piscina } from 'piscina';
import type { PiscinaTask } from 'piscina';
import type { ShardBackend } from './shard-backend.js';
import type { ShardConfig, ShardResult, ShardTask } from './messages.js';
import { ApisensorError } from '../errors.js';

interface QueueOptions {
  shard: number;
}

/** Locates the compiled worker entry (dist/workers/packet-worker.js) from this module. */
export function workerEntryPath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'dist', 'workers', 'packet-worker.js');
    if (existsSync(candidate)) return candidate;
    if (path.basename(dir) === 'dist' && existsSync(path.join(dir, 'workers', 'packet-worker.js'))) {
      return path.join(dir, 'workers', 'packet-worker.js');
    }
    dir = path.dirname(dir);
  }
  throw new ApisensorError('ERR_WORKER_MISSING', 'worker entry dist/workers/packet-worker.js not found: run `npm run build`');
}

export class PiscinaShardBackend implements ShardBackend {
  readonly shards: number;
  #pool: Piscina;
  /** shard → piscina worker id */
  #binding = new Map<number, number>();

  constructor(workers: number) {
    this.shards = workers;
    const binding = this.#binding;
    const queueOptionsKey = Piscina.queueOptionsSymbol;
    this.#pool = new Piscina({
      filename: workerEntryPath(),
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: Infinity,
      concurrentTasksPerWorker: 1 << 20,
      maxQueue: Infinity,
      loadBalancer: (task: PiscinaTask, candidates) => {
        const options = (task as unknown as Record<symbol, QueueOptions | null>)[queueOptionsKey];
        if (!options) return candidates[0] ?? null;
        const bound = binding.get(options.shard);
        if (bound !== undefined) return candidates.find((w) => w.id === bound) ?? null;
        const taken = new Set(binding.values());
        const free = candidates.find((w) => !taken.has(w.id) && !w.terminating && !w.destroyed);
        if (!free) return null;
        binding.set(options.shard, free.id);
        return free;
      },
    });
  }

  async start(config: ShardConfig): Promise<void> {
    const inits: Promise<ShardResult>[] = [];
    for (let shard = 0; shard < this.shards; shard++) inits.push(this.#run({ type: 'init', shard, config }));
    await Promise.all(inits);
  }

  submitBatch(shard: number, batch: ArrayBuffer): Promise<ShardResult> {
    return this.#run({ type: 'batch', shard, batch }, [batch]);
  }

  finish(shard: number, packetIndex: number, tsSec: number, tsNsec: number): Promise<ShardResult> {
    return this.#run({ type: 'finish', shard, packetIndex, tsSec, tsNsec });
  }

  async close(): Promise<void> {
    await this.#pool.close({ force: true });
  }

  #run(task: ShardTask, transferList: ArrayBuffer[] = []): Promise<ShardResult> {
    const withShard = Object.assign(task, { [Piscina.queueOptionsSymbol]: { shard: task.shard } });
    return this.#pool.run(withShard, { transferList }) as Promise<ShardResult>;
  }
}
