/**
 * Classification of one path segment (or one query/header value) into a
 * typed identifier kind, for path templating (issue 3 §1) and parameter
 * typing.
 *
 * Rules (first match wins), applied to the percent-decoded segment:
 *  - `integer`: ASCII digits only, at most 19 (`7`, `12345`);
 *  - `uuid`: RFC 9562 8-4-4-4-12 hex;
 *  - `objectid`: 24 hex digits (MongoDB ObjectId);
 *  - `date`: RFC 3339 full-date or date-time that is a real date;
 *  - `email`: an addr-spec (see string-format.ts);
 *  - `hex`: ≥ 8 lower-case (or ≥ 16 upper-case) hex digits, with at least one digit and one letter
 *    (so the words `deadbeef`, `facade` stay words);
 *  - `token`: base64url alphabet, ≥ 16 characters, upper case, lower case and
 *    digits all present and frequent class changes (random-looking; camelCase
 *    words such as `getUserProfileSettings` are not tokens);
 *  - `alnum_id`: letters and digits, ≥ 6 characters, ≥ 2 digits, not a word
 *    with a short numeric suffix or prefix (`sha256`, `oauth2`, `2fa`): `AB12CD34`;
 *  - `version`: `v1`, `v2.1`, `V3` — never a parameter;
 *  - `word`: letters, digits, `-`, `_`, `.` otherwise — a parameter only by cardinality;
 *  - `other`: anything else (spaces, punctuation).
 */
import { isDateTime, isEmail, isIsoDate, isUuid } from './string-format.js';

export type SegmentKind =
  | 'integer'
  | 'uuid'
  | 'objectid'
  | 'date'
  | 'email'
  | 'hex'
  | 'token'
  | 'alnum_id'
  | 'version'
  | 'word'
  | 'other';

/** Kinds that make a segment a parameter by type alone. */
export const TYPED_KINDS: ReadonlySet<SegmentKind> = new Set<SegmentKind>([
  'integer', 'uuid', 'objectid', 'date', 'email', 'hex', 'token', 'alnum_id',
]);

/** Confidence (0..1) that a segment of this kind is an identifier, not a fixed path word. */
export const KIND_CONFIDENCE: Readonly<Record<SegmentKind, number>> = {
  uuid: 0.99, objectid: 0.99, email: 0.99, date: 0.97, integer: 0.95, hex: 0.9,
  token: 0.85, alnum_id: 0.8, version: 0, word: 0, other: 0,
};

const DIGITS_RE = /^\d{1,19}$/;
const HEX_RE = /^(?:[0-9a-f]{8,}|[0-9A-F]{16,})$/;
const OBJECTID_RE = /^[0-9a-f]{24}$/i;
const B64URL_RE = /^[A-Za-z0-9_-]{16,}$/;
const ALNUM_RE = /^[A-Za-z0-9]{6,}$/;
const WORD_SUFFIX_RE = /^[A-Za-z]+\d{1,4}$/;
const WORD_PREFIX_RE = /^\d{1,3}[A-Za-z]+$/;
const VERSION_RE = /^[vV]\d{1,3}(?:\.\d{1,3}){0,2}$/;
const WORD_RE = /^[A-Za-z0-9._~-]+$/;

function classOf(c: number): number {
  if (c >= 0x30 && c <= 0x39) return 1;
  if (c >= 0x41 && c <= 0x5a) return 2;
  if (c >= 0x61 && c <= 0x7a) return 3;
  return 4;
}

/** Random-looking base64url: all three classes present and a class change at ≥ 1 in 3 positions. */
function isToken(s: string): boolean {
  if (!B64URL_RE.test(s)) return false;
  let seen = 0;
  let changes = 0;
  let prev = classOf(s.charCodeAt(0));
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const k = classOf(s.charCodeAt(i));
    seen |= 1 << k;
    if (k === 1) digits++;
    if (k !== prev) changes++;
    prev = k;
  }
  return (seen & 0b1110) === 0b1110 && digits >= 2 && changes * 3 >= s.length;
}

function countDigits(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) n++;
  }
  return n;
}

/** Kind of one decoded path segment or value (see the rules above). */
export function classifySegment(s: string): SegmentKind {
  if (s.length === 0) return 'other';
  if (DIGITS_RE.test(s)) return 'integer';
  if (s.length === 36 && isUuid(s)) return 'uuid';
  if (s.length === 24 && OBJECTID_RE.test(s)) return 'objectid';
  if (isIsoDate(s) || isDateTime(s)) return 'date';
  if (s.includes('@')) return isEmail(s) ? 'email' : 'other';
  if (VERSION_RE.test(s)) return 'version';
  const digits = countDigits(s);
  if (digits > 0 && digits < s.length && HEX_RE.test(s)) return 'hex';
  if (s.length >= 16 && isToken(s)) return 'token';
  if (digits >= 2 && digits < s.length && ALNUM_RE.test(s) && !WORD_SUFFIX_RE.test(s) && !WORD_PREFIX_RE.test(s)) {
    return 'alnum_id';
  }
  if (WORD_RE.test(s)) return 'word';
  return 'other';
}

/** Percent-decode a segment; a malformed escape leaves the segment as is. */
export function decodeSegment(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
