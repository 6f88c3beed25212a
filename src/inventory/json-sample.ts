/**
 * parseJsonSample: JSON.parse of a body sample, shared by the inventory and
 * the detectors, which read the same sample of the same transaction one
 * after the other on the main thread (replay/analysis-session.ts): the
 * second reader gets the value the first one parsed.
 *
 * A one-entry memo keyed by the sample's identity (the Uint8Array object) and
 * length. Only samples that are valid UTF-8 without a byte order mark are
 * memoized: for those every UTF-8 decoder gives the same text, so the value
 * is exactly what the caller's own decoder would have produced. Other samples
 * are decoded by the caller's `decode` every time (TextDecoder strips a BOM,
 * Buffer#toString keeps it; replacement of invalid bytes is left to each).
 *
 * The returned value is shared: callers must not modify it. The memo holds
 * one parsed document until the next sample is parsed.
 */
import { isUtf8 } from 'node:buffer';

/** `{ ok: true, value }` on success, `{ ok: false }` when the text is not JSON. */
export type JsonSampleResult = { ok: true; value: unknown } | { ok: false };

const FAILED: JsonSampleResult = { ok: false };

let lastSample: Uint8Array | null = null;
let lastLength = -1;
let lastResult: JsonSampleResult = FAILED;

/** True when `sample` starts with the UTF-8 byte order mark EF BB BF. */
function hasBom(sample: Uint8Array): boolean {
  return sample.length >= 3 && sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf;
}

/**
 * Parses `sample` as JSON text decoded by `decode` (the caller's decoder).
 * Never throws. The sample is read during the call only; no view is kept
 * beyond the memo's identity check.
 */
export function parseJsonSample(sample: Uint8Array, decode: (bytes: Uint8Array) => string): JsonSampleResult {
  if (sample === lastSample && sample.length === lastLength) return lastResult;
  const shareable = !hasBom(sample) && isUtf8(sample);
  let result: JsonSampleResult;
  try {
    result = { ok: true, value: JSON.parse(decode(sample)) as unknown };
  } catch {
    result = FAILED;
  }
  if (shareable) {
    lastSample = sample;
    lastLength = sample.length;
    lastResult = result;
  }
  return result;
}
