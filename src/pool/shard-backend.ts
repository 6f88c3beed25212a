/**
 * Where shard engines run: inline on the calling thread (`--workers 0`) or in
 * a piscina pool with flow affinity. Both give identical results; the replay
 * loop does not know which one it drives.
 */
import { ShardEngine } from './shard-engine.js';
import type { ShardConfig, ShardResult } from './messages.js';

export interface ShardBackend {
  /** Number of shards (= worker threads, or 1 inline). */
  readonly shards: number;
  /** Creates the engines; resolves when every shard is ready. */
  start(config: ShardConfig): Promise<void>;
  /** Sends one sealed batch to `shard`; results resolve in submission order per shard. */
  submitBatch(shard: number, batch: ArrayBuffer): Promise<ShardResult>;
  finish(shard: number, packetIndex: number, tsSec: number, tsNsec: number): Promise<ShardResult>;
  close(): Promise<void>;
}

/** Runs one engine on the calling thread. */
export class InlineShardBackend implements ShardBackend {
  readonly shards = 1;
  #engine: ShardEngine | null = null;

  async start(config: ShardConfig): Promise<void> {
    this.#engine = new ShardEngine(0, config);
  }

  async submitBatch(_shard: number, batch: ArrayBuffer): Promise<ShardResult> {
    return this.#require().processBatch(batch);
  }

  async finish(_shard: number, packetIndex: number, tsSec: number, tsNsec: number): Promise<ShardResult> {
    return this.#require().finish(packetIndex, tsSec, tsNsec);
  }

  async close(): Promise<void> {
    this.#engine = null;
  }

  #require(): ShardEngine {
    if (!this.#engine) throw new Error('InlineShardBackend used before start()');
    return this.#engine;
  }
}
