/**
 * Lenient parsing of an HTTP/1.x request line, done by us ahead of llhttp
 * (which refuses unknown or lower-case methods, odd versions, targets with
 * spaces, missing targets and missing versions, all of which servers, Zeek
 * and tshark accept):
 *
 *   request-line = method SP request-target SP HTTP-version     (RFC 9112 §3)
 *
 * What we accept (the line without its LF; a trailing CR is ignored;
 * SP / HTAB runs separate the tokens):
 * - method: a token (RFC 9110 §5.6.2 tchar), case kept (`CCM_POST`,
 *   `RPC_IN_DATA`, `get`);
 * - version: the LAST token when it is `HTTP/<digits>[.<digits>]`, case
 *   insensitive (`http/1.1`, `HTTP/1.` = 1.0);
 * - target: the token after the method (tshark's choice; Zeek keeps spaces):
 *   `GET /uri afterspace HTTP/1.1` → `/uri`. When the only token after the
 *   method is a version, it is both the target and the version
 *   (`GET HTTP/1.1` → target `HTTP/1.1`, as Zeek and tshark report it);
 * - no version: HTTP/0.9-style line (`GET /bad.html`), version `0.9`, accepted
 *   for a method llhttp knows, or any method when the target has a version
 *   glued to it (`CCM_POST /HTTP/1.1`, as Zeek logs it); refused when the
 *   last token is another protocol's version (`SIP/2.0`, `RTSP/1.0`);
 * - a known method alone on its line (`OPTIONS`): target `` (tshark).
 *
 * The parsed line is then fed to llhttp as a normalized line (see
 * `writeLlhttpRequestLine`), so body framing still comes from llhttp, which
 * depends only on the header section for requests (RFC 9112 §6.3).
 */
import { LLHTTP_HTTP_METHODS } from './llhttp.js';

const SP = 0x20;
const HTAB = 0x09;
const CR = 0x0d;

/** RFC 9110 §5.6.2 tchar. */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

/** True for a byte that can start a request line (a tchar). */
export const isTchar = (c: number): boolean => TCHAR[c] === 1;

const HTTP_METHODS = new Set(LLHTTP_HTTP_METHODS);
/** Longest method we accept (bytes); longer tokens are not request lines. */
export const MAX_METHOD_BYTES = 32;

/**
 * Result of `parseRequestLine`, reused between calls: offsets into the parsed
 * buffer (valid as long as that buffer is) and the method / version as text.
 */
export class RequestLineParts {
  /** Method as sent (latin1). */
  method = '';
  /** Method llhttp is given: the upper-cased method when llhttp knows it, else `POST` (same framing). */
  llhttpMethod = 'GET';
  targetStart = 0;
  targetEnd = 0;
  /** `1.1`, `1.0`, `0.9` (no version on the line). */
  version = '1.1';
  /** llhttp error-style name of the reason a line was refused (`invalid_method`, `invalid_url`). */
  error = '';
}

const isSpace = (c: number | undefined): boolean => c === SP || c === HTAB;

/** `HTTP/<digits>[.<digits>]` (case-insensitive) in `buf[s..e)` → `M.m`, else null. */
function versionOf(buf: Uint8Array, s: number, e: number): string | null {
  if (e - s < 6) return null;
  if ((buf[s]! | 0x20) !== 0x68 || (buf[s + 1]! | 0x20) !== 0x74 || (buf[s + 2]! | 0x20) !== 0x74) return null;
  if ((buf[s + 3]! | 0x20) !== 0x70 || buf[s + 4] !== 0x2f) return null;
  let i = s + 5;
  let major = '';
  while (i < e && buf[i]! >= 0x30 && buf[i]! <= 0x39 && major.length < 3) major += String.fromCharCode(buf[i++]!);
  if (major === '') return null;
  let minor = '';
  if (i < e && buf[i] === 0x2e) {
    i++;
    while (i < e && buf[i]! >= 0x30 && buf[i]! <= 0x39 && minor.length < 3) minor += String.fromCharCode(buf[i++]!);
  }
  if (i !== e) return null;
  return `${major}.${minor === '' ? '0' : minor}`;
}

/**
 * Parse the request line `buf[start .. end)` (without its LF) into `out`.
 * Returns false (with `out.error`) when the line is not a request line by
 * the rules in the file comment. Never throws.
 */
export function parseRequestLine(buf: Uint8Array, start: number, end: number, out: RequestLineParts): boolean {
  if (end > start && buf[end - 1] === CR) end--;
  let i = start;
  while (i < end && TCHAR[buf[i]!] === 1) i++;
  const methodEnd = i;
  if (methodEnd === start || methodEnd - start > MAX_METHOD_BYTES || (i < end && !isSpace(buf[i]))) {
    out.error = 'invalid_method';
    return false;
  }
  const method = Buffer.from(buf.buffer, buf.byteOffset + start, methodEnd - start).toString('latin1');
  const upper = method.toUpperCase();
  const known = HTTP_METHODS.has(upper);
  out.method = method;
  out.llhttpMethod = known ? upper : 'POST';
  if (methodEnd === end) {
    // a method alone on its line
    if (!known) {
      out.error = 'invalid_method';
      return false;
    }
    out.targetStart = out.targetEnd = end;
    out.version = '0.9';
    return true;
  }
  while (end > i && isSpace(buf[end - 1])) end--;
  while (i < end && isSpace(buf[i])) i++;
  const t0 = i;
  while (i < end && buf[i]! > SP && buf[i] !== 0x7f) i++;
  const t1 = i;
  if (t1 === t0 || (i < end && !isSpace(buf[i]))) {
    out.error = 'invalid_url';
    return false;
  }
  // last token
  let v0 = end;
  while (v0 > t1 && !isSpace(buf[v0 - 1])) v0--;
  out.targetStart = t0;
  out.targetEnd = t1;
  const version = v0 > t1 ? versionOf(buf, v0, end) : versionOf(buf, t0, t1);
  if (version !== null) {
    out.version = version;
    return true;
  }
  if (v0 > t1 && isOtherProtocol(buf, v0, end)) {
    out.error = 'invalid_version'; // `OPTIONS sip:x SIP/2.0`, RTSP: not HTTP
    return false;
  }
  if (!known && indexOfHttpSlash(buf, t0, t1) < 0) {
    out.error = 'invalid_method'; // unknown method without version: only with a version glued to the target
    return false;
  }
  out.version = '0.9';
  return true;
}

/** `<letters>/<digit>…` (SIP/2.0, RTSP/1.0): the version token of another protocol. */
function isOtherProtocol(buf: Uint8Array, s: number, e: number): boolean {
  let i = s;
  while (i < e && ((buf[i]! | 0x20) >= 0x61 && (buf[i]! | 0x20) <= 0x7a)) i++;
  return i > s && i + 1 < e && buf[i] === 0x2f && buf[i + 1]! >= 0x30 && buf[i + 1]! <= 0x39;
}

/** Offset of `HTTP/` (any case) in `buf[s..e)`, or -1. */
function indexOfHttpSlash(buf: Uint8Array, s: number, e: number): number {
  for (let i = s; i + 5 <= e; i++) {
    if ((buf[i]! | 0x20) === 0x68 && (buf[i + 1]! | 0x20) === 0x74 && (buf[i + 2]! | 0x20) === 0x74 && (buf[i + 3]! | 0x20) === 0x70 && buf[i + 4] === 0x2f) return i;
  }
  return -1;
}

/** Bytes `writeLlhttpRequestLine` may write: method + ` / HTTP/d.d\r\n`. */
export const LLHTTP_LINE_BYTES = MAX_METHOD_BYTES + 16;

/**
 * Write the line llhttp is given for `parts` into `dst` (at least
 * LLHTTP_LINE_BYTES long): `<llhttpMethod> / HTTP/<M.m>\r\n`, with version
 * 1.0 for a line without version and 1.1 for one llhttp cannot take. The
 * real target is recorded by the caller. Returns the length written.
 */
export function writeLlhttpRequestLine(parts: RequestLineParts, dst: Uint8Array): number {
  const v = parts.version;
  const version = v === '0.9' ? '1.0' : v.length === 3 && v !== '0.0' ? v : '1.1';
  const m = parts.llhttpMethod;
  let n = 0;
  for (let k = 0; k < m.length; k++) dst[n++] = m.charCodeAt(k);
  const tail = m === 'CONNECT' ? ' a:1 HTTP/' : m === 'PRI' ? ' * HTTP/' : ' / HTTP/';
  for (let k = 0; k < tail.length; k++) dst[n++] = tail.charCodeAt(k);
  for (let k = 0; k < version.length; k++) dst[n++] = version.charCodeAt(k);
  dst[n++] = CR;
  dst[n++] = 0x0a;
  return n;
}
