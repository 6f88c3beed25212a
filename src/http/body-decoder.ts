/**
 * Content decoding of a body sample (RFC 9110 §8.4.1): gzip / x-gzip,
 * deflate (zlib-wrapped per RFC 1950, or raw RFC 1951 as some servers send),
 * br (RFC 7932); a list of codings is undone right to left. Synchronous
 * node:zlib with `maxOutputLength` = the sample cap, and a SYNC_FLUSH finish so
 * a truncated sample still yields its decodable prefix.
 *
 * When the output would pass the cap, zlib throws ERR_BUFFER_TOO_LARGE without
 * a partial result; we then binary-search the longest input prefix whose output
 * fits, so the decoded sample is a true prefix of the decoded body (at most
 * ~17 extra decodes, bounded by the cap) and `truncated` is set.
 */
import * as zlib from 'node:zlib';

export interface DecodeOutcome {
  /** Decoded prefix of the body; null when not decoded (no/identity/unknown coding, or error). */
  bytes: Uint8Array | null;
  /** The decoded output reached the cap. */
  truncated: boolean;
  /** The coding was known but the data did not decode. */
  error: boolean;
}

type Decoder = (input: Uint8Array, cap: number) => Uint8Array;

const zOpts = (cap: number): zlib.ZlibOptions => ({ maxOutputLength: cap, finishFlush: zlib.constants.Z_SYNC_FLUSH });

const gunzip: Decoder = (input, cap) => zlib.gunzipSync(input, zOpts(cap));
const inflate: Decoder = (input, cap) =>
  // zlib header: CM = 8 in the low nibble and (CMF*256 + FLG) % 31 == 0 (RFC 1950 §2.2)
  input.length >= 2 && (input[0]! & 0x0f) === 8 && ((input[0]! << 8) | input[1]!) % 31 === 0
    ? zlib.inflateSync(input, zOpts(cap))
    : zlib.inflateRawSync(input, zOpts(cap));
const brotli: Decoder = (input, cap) =>
  zlib.brotliDecompressSync(input, {
    maxOutputLength: cap,
    finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
  });

const DECODERS: Record<string, Decoder> = { gzip: gunzip, 'x-gzip': gunzip, deflate: inflate, br: brotli };

const tooLarge = (e: unknown): boolean => (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';

/** Decode with `dec`, capping the output at `cap` bytes (see file comment). Throws on corrupt data. */
function decodeCapped(dec: Decoder, input: Uint8Array, cap: number): { out: Uint8Array; truncated: boolean } {
  try {
    return { out: dec(input, cap), truncated: false };
  } catch (e) {
    if (!tooLarge(e)) throw e;
  }
  let lo = 0;
  let hi = input.length; // decode(input[0..hi)) is too large; decode(input[0..lo)) fits
  let best: Uint8Array = new Uint8Array(0);
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    try {
      best = dec(input.subarray(0, mid), cap);
      lo = mid;
    } catch (e) {
      if (!tooLarge(e)) {
        hi = mid; // a prefix cut inside a header can fail: treat as "does not fit"
        continue;
      }
      hi = mid;
    }
  }
  return { out: best, truncated: true };
}

/**
 * Decode `sample` (a body prefix) per the Content-Encoding value `coding`
 * (an empty sample is not decoded).
 * Never throws: corrupt data gives `{bytes: null, error: true}`.
 */
export function decodeBody(sample: Uint8Array, coding: string | null, cap: number): DecodeOutcome {
  if (coding === null || sample.length === 0) return { bytes: null, truncated: false, error: false };
  const codings = coding
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0 || !codings.every((c) => c in DECODERS)) return { bytes: null, truncated: false, error: false };
  let data = sample;
  let truncated = false;
  try {
    for (let k = codings.length - 1; k >= 0; k--) {
      const r = decodeCapped(DECODERS[codings[k]!]!, data, cap);
      data = r.out;
      truncated ||= r.truncated;
    }
  } catch {
    return { bytes: null, truncated: false, error: true };
  }
  return { bytes: data, truncated, error: false };
}
