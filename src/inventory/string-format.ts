/**
 * String format recognisers shared by path templating, parameter typing and
 * JSON schema inference. Each is a validator, not a bare pattern: dates must
 * be real calendar dates, IPv4 octets must be 0-255 without leading zeros.
 *
 * Format names follow JSON Schema 2020-12 §7.3 (`date-time`, `date`, `email`,
 * `uuid`, `ipv4`, `ipv6`, `uri`).
 */
import { isIPv6 } from 'node:net';

export type StringFormat = 'date-time' | 'date' | 'email' | 'uuid' | 'ipv4' | 'ipv6' | 'uri';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
// RFC 3339 §5.6 date-time; seconds fraction optional; `T`/`t`/space separator.
const DATE_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
// RFC 5321 §4.1.2 dot-atom local part (no quoted strings) and a dotted domain with an alphabetic TLD.
const EMAIL_RE = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const URI_RE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/?#]+[^\s]*$/;

/** True for a real Gregorian calendar date (month 1-12, day within the month). */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return day <= days;
}

export function isUuid(s: string): boolean {
  return s.length === 36 && UUID_RE.test(s);
}

/** `YYYY-MM-DD` (RFC 3339 full-date) that is a real date. */
export function isIsoDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  return m !== null && isCalendarDate(+m[1]!, +m[2]!, +m[3]!);
}

/** RFC 3339 date-time with a valid date, hour ≤ 23, minute ≤ 59, second ≤ 60. */
export function isDateTime(s: string): boolean {
  const m = DATE_TIME_RE.exec(s);
  return m !== null && isCalendarDate(+m[1]!, +m[2]!, +m[3]!) && +m[4]! <= 23 && +m[5]! <= 59 && +m[6]! <= 60;
}

/** Addr-spec with a dot-atom local part (≤ 64 bytes) and a dotted domain; total ≤ 254. */
export function isEmail(s: string): boolean {
  if (s.length > 254 || s.length < 6) return false;
  const at = s.lastIndexOf('@');
  return at > 0 && at <= 64 && EMAIL_RE.test(s);
}

export function isIpv4(s: string): boolean {
  return s.length >= 7 && s.length <= 15 && IPV4_RE.test(s);
}

/**
 * Necessary for node:net isIPv6: hex digits, `:` and `.` up to an optional
 * `%zone` (cheap pre-check that rejects timestamps and words early).
 */
const IPV6_CHARS_RE = /^[0-9a-fA-F:.]*(?:%|$)/;

export function isIpv6(s: string): boolean {
  return s.includes(':') && IPV6_CHARS_RE.test(s) && isIPv6(s);
}

/** Absolute URI with a scheme and an authority (`https://host/...`). */
export function isUri(s: string): boolean {
  return s.length <= 2048 && URI_RE.test(s);
}

/** The most specific format `s` satisfies, or null. */
export function stringFormatOf(s: string): StringFormat | null {
  if (s.length < 6 || s.length > 2048) return null;
  if (isUuid(s)) return 'uuid';
  if (isDateTime(s)) return 'date-time';
  if (isIsoDate(s)) return 'date';
  if (isIpv4(s)) return 'ipv4';
  if (s.includes('@') && isEmail(s)) return 'email';
  if (isUri(s)) return 'uri';
  if (isIpv6(s)) return 'ipv6';
  return null;
}
