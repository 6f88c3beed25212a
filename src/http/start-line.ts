/**
 * Plausible HTTP/1.x start lines, for picking up a stream midstream and for
 * resynchronising after a gap or a parse error (Zeek/Suricata behaviour:
 * skip bytes until something that looks like a message start).
 *
 *   request-line = method SP request-target SP HTTP-version   (RFC 9112 §3)
 *   status-line  = HTTP-version SP status-code [ SP reason ]  (RFC 9112 §4)
 *
 * Stricter than request-line.ts on purpose: the method must be one llhttp
 * knows, the target must be non-empty without controls (spaces inside are
 * allowed, not first), the version must be `HTTP/d.d`, so that body bytes
 * rarely look like a start line.
 */
import { LLHTTP_METHODS } from './llhttp.js';

/** What a stream carries: 1 requests (client side), 2 responses (server side), 0 unknown / either. */
export const MessageKind = { NONE: 0, REQUEST: 1, RESPONSE: 2 } as const;
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind];

const SP = 0x20;
const CR = 0x0d;
const METHOD_SET = new Set(LLHTTP_METHODS);
const MAX_METHOD = Math.max(...LLHTTP_METHODS.map((m) => m.length));
/** `HTTP/` as bytes. */
export const HTTP_SLASH = Uint8Array.of(0x48, 0x54, 0x54, 0x50, 0x2f);

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;

/** True when `buf[at..]` holds `HTTP/d.d` (8 bytes) within `end`. */
function isVersion(buf: Uint8Array, at: number, end: number): boolean {
  if (end - at < 8) return false;
  for (let k = 0; k < 5; k++) if (buf[at + k] !== HTTP_SLASH[k]) return false;
  return isDigit(buf[at + 5]) && buf[at + 6] === 0x2e && isDigit(buf[at + 7]);
}

/**
 * Classify the line `buf[start .. end)` (without its LF; a trailing CR is
 * ignored). Returns REQUEST, RESPONSE or NONE.
 */
export function classifyStartLine(buf: Uint8Array, start: number, end: number): MessageKind {
  if (end > start && buf[end - 1] === CR) end--;
  if (isVersion(buf, start, end)) {
    const s = start + 8;
    if (end - s < 4 || buf[s] !== SP || !isDigit(buf[s + 1]) || !isDigit(buf[s + 2]) || !isDigit(buf[s + 3])) {
      return MessageKind.NONE;
    }
    return end === s + 4 || buf[s + 4] === SP ? MessageKind.RESPONSE : MessageKind.NONE;
  }
  // method
  let i = start;
  while (i < end && i - start <= MAX_METHOD && buf[i] !== SP) i++;
  if (i >= end || buf[i] !== SP || i === start || i - start > MAX_METHOD) return MessageKind.NONE;
  let method = '';
  for (let k = start; k < i; k++) method += String.fromCharCode(buf[k]!);
  if (!METHOD_SET.has(method)) return MessageKind.NONE;
  // target: up to the last SP; may hold spaces (tshark and Zeek accept `GET /a b HTTP/1.1`), not controls
  const t = i + 1;
  const v = end - 8;
  if (v - 1 <= t || buf[v - 1] !== SP || buf[t] === SP || !isVersion(buf, v, end)) return MessageKind.NONE;
  for (let j = t; j < v - 1; j++) if (buf[j]! < SP || buf[j] === 0x7f) return MessageKind.NONE;
  return MessageKind.REQUEST;
}
