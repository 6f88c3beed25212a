/**
 * Resolves replay options into one frozen configuration with every cap at a
 * finite default (validated once at start, then frozen: pino/fastify habit).
 * The defaults live with their layers: DEFAULT_DECODER_OPTIONS,
 * REASSEMBLY_DEFAULTS, resolveHttpOptions.
 * The README's "Caps" table lists the same defaults.
 */
import { DEFAULT_DECODER_OPTIONS, type DecoderOptions } from '../decode/packet-decoder.js';
import type { ReassemblyOptions } from '../reassembly/tcp-reassembler.js';
import { REASSEMBLY_DEFAULTS } from '../reassembly/reassembly-budget.js';
import { resolveHttpOptions, type HttpOptions } from '../http/http-connection.js';
import type { ReplayOptions } from './replay-types.js';

export interface ReplayConfig {
  readonly decode: Readonly<Required<Pick<DecoderOptions, 'maxFragmentDatagrams' | 'maxFragmentBytes' | 'fragmentTimeoutSec'>>> & DecoderOptions;
  readonly reassembly: Readonly<Required<ReassemblyOptions>>;
  /** `keepDetail` is not a replay option: the shard engines set it from `withDetail`. */
  readonly http: Readonly<Required<Omit<HttpOptions, 'keepDetail'>>>;
}

/**
 * Each layer owns its defaults (decoder, reassembly budget, HTTP options);
 * this only combines them with the caller's options and freezes the result.
 * Throws UsageError for an invalid HTTP option.
 */
export function resolveReplayConfig(options: ReplayOptions): ReplayConfig {
  const { keepDetail: _shardSetsThis, ...http } = resolveHttpOptions({ ...options.http });
  return Object.freeze({
    decode: Object.freeze({ ...DEFAULT_DECODER_OPTIONS, ...options.decode }),
    reassembly: Object.freeze({ ...REASSEMBLY_DEFAULTS, ...options.reassembly }),
    http: Object.freeze(http),
  });
}
