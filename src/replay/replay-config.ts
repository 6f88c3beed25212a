/**
 * Resolves replay options into one frozen configuration with every cap at a
 * finite default (validated once at start, then frozen: pino/fastify habit).
 * The README's "Caps" table lists the same defaults.
 */
import type { DecoderOptions } from '../decode/packet-decoder.js';
import type { ReassemblyOptions } from '../reassembly/tcp-reassembler.js';
import type { HttpOptions } from '../http/http-connection.js';
import type { ReplayOptions } from './replay-types.js';

export interface ReplayConfig {
  readonly decode: Readonly<Required<Pick<DecoderOptions, 'maxFragmentDatagrams' | 'maxFragmentBytes' | 'fragmentTimeoutSec'>>> & DecoderOptions;
  readonly reassembly: Readonly<Required<ReassemblyOptions>>;
  /** `keepDetail` is not a replay option: the shard engines set it from `withDetail`. */
  readonly http: Readonly<Required<Omit<HttpOptions, 'keepDetail'>>>;
}

export const DEFAULT_DECODE = Object.freeze({
  maxFragmentDatagrams: 4096,
  maxFragmentBytes: 32 << 20,
  fragmentTimeoutSec: 30,
});

export const DEFAULT_REASSEMBLY: Readonly<Required<ReassemblyOptions>> = Object.freeze({
  maxConnections: 262_144,
  maxBufferedBytesPerDirection: 1 << 20,
  maxBufferedBytesTotal: 256 << 20,
  maxBufferedSegmentsPerDirection: 4096,
  idleTimeoutSec: 300,
  closedTimeoutSec: 5,
});

export const DEFAULT_HTTP: ReplayConfig['http'] = Object.freeze({
  maxBodySampleBytes: 64 << 10,
  maxHeaderBytes: 64 << 10,
  maxPendingRequests: 64,
  decodeBodies: true,
});

export function resolveReplayConfig(options: ReplayOptions): ReplayConfig {
  return Object.freeze({
    decode: Object.freeze({ ...DEFAULT_DECODE, ...options.decode }),
    reassembly: Object.freeze({ ...DEFAULT_REASSEMBLY, ...options.reassembly }),
    http: Object.freeze({ ...DEFAULT_HTTP, ...options.http }),
  });
}
