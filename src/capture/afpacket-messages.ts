/**
 * Messages between the main thread and the AF_PACKET capture workers
 * (workers/afpacket-worker.ts): discriminated unions with a literal `type`.
 *
 *   main ──workerData: AfPacketShardInit──► worker: opens its fanout socket ──'ready' | 'error'──► main
 *   main ──'round' (wall-clock tick)──► worker ──'round': transactions since the last round + counters──► main
 *   main ──'finish'──► worker: drains its ring, flushes every flow ──'finished'──► main
 *   worker ──'error' (reading failed)──► main (unsolicited; main then stops the run)
 */
import type { DecoderOptions } from '../decode/packet-decoder.js';
import type { KeyedTransaction, ShardConfig } from '../pool/messages.js';
import type { ReassemblyStats } from '../reassembly/tcp-reassembler.js';
import type { AfPacketSourceOptions, AfPacketSourceStats } from './afpacket-source.js';

/** Everything a capture worker needs; plain data (structured-cloneable). */
export interface AfPacketShardInit {
  /** This worker's shard number, 0-based. */
  shard: number;
  /** Sockets in the fanout group (= workers). */
  shards: number;
  source: AfPacketSourceOptions;
  shardConfig: ShardConfig;
  decode: DecoderOptions;
  /** `--write` file of this worker (one file per socket), or null. */
  write: string | null;
  writeMaxBytes: number;
  /** At finish, keep reading what the ring holds for at most this long, ms. */
  stopDrainMs: number;
}

/** A transaction with the capture time of the packet that completed it (the merge key across workers). */
export interface TimedTransaction extends KeyedTransaction {
  completionTsSec: number;
  completionTsNsec: number;
}

/** Per-worker frame counters (the FramePipeline's, for this socket's share). */
export interface AfPacketShardCounters {
  packets: number;
  /** Captured bytes. */
  bytes: number;
  wireBytes: number;
  tcpPackets: number;
  /** Decoded TCP packets inside a tunnel (VXLAN, GENEVE, GRE...). With fanout 'cbpf' they were spread by their inner 5-tuple; with 'hash', by the outer header. */
  tunneledPackets: number;
  transactions: number;
}

export type AfPacketWorkerRequest = { type: 'round'; round: number } | { type: 'finish' };

export type AfPacketWorkerReply =
  | {
      type: 'ready';
      shard: number;
      linkType: number;
      snaplen: number;
      ringBytes: number;
      fanoutGroup: number;
      /** Fanout type this socket joined (AfPacketSource.fanoutMode). */
      fanoutMode: 'cbpf' | 'hash';
      /** Why 'cbpf' was asked for and 'hash' used, else null. */
      fanoutFallback: string | null;
    }
  | {
      type: 'round';
      shard: number;
      round: number;
      transactions: TimedTransaction[];
      stats: AfPacketSourceStats;
      counters: AfPacketShardCounters;
    }
  | {
      type: 'finished';
      shard: number;
      transactions: TimedTransaction[];
      stats: AfPacketSourceStats;
      counters: AfPacketShardCounters;
      events: Record<string, number>;
      reassembly: ReassemblyStats;
      decoder: Record<string, number>;
    }
  /** `phase: 'open'`: the socket could not be opened (the run does not start); 'read': capture failed later. */
  | { type: 'error'; shard: number; phase: 'open' | 'read'; code: string; message: string; exitCode: number };
