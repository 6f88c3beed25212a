/**
 * Validators for sensitive data classes (issue 3 §4). Each checks structure
 * AND the number's own rules (check digits, reserved ranges), so random digit
 * strings are rejected. Inputs are the whole candidate value (trimmed).
 *
 * Sources: Luhn (ISO/IEC 7812-1 Annex B); payment card IIN ranges (ISO/IEC
 * 7812, network published ranges); SSN validity (SSA, "Social Security Number
 * Randomization" and POMS RM 10201.060); IBAN (ISO 13616-1, mod-97 per ISO
 * 7064); NANP numbering (ATIS-0300115: NXX with N = 2-9, no N11); E.164 (ITU-T,
 * at most 15 digits); NPI (CMS, "Luhn with the 80840 prefix"); ICD-10-CM code
 * shape (CDC/NCHS); AWS access key ids (AKIA/ASIA + 16 base32 characters).
 */
import { decodeJwt } from './auth-detect.js';

/** Luhn check over a string of ASCII digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

function iinLengthOk(d: string): boolean {
  const n = d.length;
  const p2 = +d.slice(0, 2);
  const p3 = +d.slice(0, 3);
  const p4 = +d.slice(0, 4);
  const p6 = +d.slice(0, 6);
  if (d[0] === '4') return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // American Express
  if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925)) return n >= 16 && n <= 19; // Discover
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19; // JCB
  if (p2 === 36 || p2 === 38 || p2 === 39 || (p3 >= 300 && p3 <= 305)) return n >= 14 && n <= 19; // Diners Club
  if (p2 === 62) return n >= 16 && n <= 19; // UnionPay
  if (['50', '56', '57', '58', '67'].includes(d.slice(0, 2)) || d.startsWith('6304')) return n >= 12 && n <= 19; // Maestro
  return false;
}

/**
 * Payment card number (PAN): 12-19 digits, optionally grouped by single spaces
 * or dashes (one separator kind), a known IIN range with its lengths, Luhn
 * valid, not one repeated digit.
 */
export function isPaymentCard(s: string): boolean {
  if (s.length < 12 || s.length > 23) return false;
  if (!/^\d+(?:([ -])\d+(?:\1\d+)*)?$/.test(s)) return false;
  const d = s.replace(/[ -]/g, '');
  if (d.length < 12 || d.length > 19 || /^(\d)\1+$/.test(d)) return false;
  return iinLengthOk(d) && luhnValid(d);
}

/**
 * US Social Security Number `AAA-GG-SSSS` (bare 9 digits only with `allowBare`):
 * area not 000, 666 or 900-999; group not 00; serial not 0000; not a number
 * the SSA voided after public misuse (078-05-1120, 219-09-9999, 123-45-6789).
 */
export function isUsSsn(s: string, allowBare = false): boolean {
  const m = /^(\d{3})-(\d{2})-(\d{4})$/.exec(s) ?? (allowBare ? /^(\d{3})(\d{2})(\d{4})$/.exec(s) : null);
  if (!m) return false;
  const area = +m[1]!;
  if (area === 0 || area === 666 || area >= 900) return false;
  if (m[2] === '00' || m[3] === '0000') return false;
  const flat = m[1]! + m[2]! + m[3]!;
  return flat !== '078051120' && flat !== '219099999' && flat !== '123456789';
}

/** IBAN lengths by country (ISO 13616 registry, a subset of the most common). */
const IBAN_LENGTH: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, CH: 21, CR: 22, CY: 28, CZ: 24,
  DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18,
  GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LI: 21,
  LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24,
  PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SE: 24, SI: 19, SK: 24, SM: 27, TN: 24, TR: 26,
  UA: 29, VG: 24, XK: 20,
};

/** IBAN (ISO 13616): known country, its exact length, mod-97 of the rearranged number = 1. Spaces allowed in groups of 4. */
export function isIban(s: string): boolean {
  const v = s.replace(/ /g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(v)) return false;
  if (IBAN_LENGTH[v.slice(0, 2)] !== v.length) return false;
  const re = v.slice(4) + v.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < re.length; i++) {
    const c = re.charCodeAt(i);
    const val = c >= 65 ? c - 55 : c - 48;
    rem = val >= 10 ? (rem * 100 + val) % 97 : (rem * 10 + val) % 97;
  }
  return rem === 1;
}

/** NANP 10-digit number (optional +1 / 1 prefix, usual separators): NPA and NXX start 2-9 and are not N11. */
export function isNanpPhone(s: string): boolean {
  const m = /^(?:\+?1[ .-]?)?(?:\((\d{3})\)\s?|(\d{3})[ .-]?)(\d{3})[ .-]?(\d{4})$/.exec(s);
  if (!m) return false;
  const npa = m[1] ?? m[2]!;
  const nxx = m[3]!;
  const ok = (x: string) => x[0]! >= '2' && !(x[1] === '1' && x[2] === '1');
  return ok(npa) && ok(nxx);
}

/** E.164: `+`, country code not starting with 0, 8-15 digits in all (spaces allowed); +1 numbers must be valid NANP. */
export function isE164Phone(s: string): boolean {
  if (!s.startsWith('+')) return false;
  const d = s.slice(1).replace(/[ ]/g, '');
  if (!/^[1-9]\d{7,14}$/.test(d)) return false;
  return d[0] === '1' ? d.length === 11 && isNanpPhone(s) : true;
}

export function isPhone(s: string): boolean {
  return isE164Phone(s) || isNanpPhone(s);
}

/** US National Provider Identifier: 10 digits starting 1 or 2, Luhn valid with the `80840` prefix (CMS). */
export function isNpi(s: string): boolean {
  return /^[12]\d{9}$/.test(s) && luhnValid('80840' + s);
}

/** ICD-10(-CM) code: letter (not U), digit, digit or letter, optional `.` and 1-4 more characters. */
export function isIcd10(s: string): boolean {
  return /^[A-TV-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?$/.test(s);
}

/** PEM private key block (RFC 7468 §2): matching BEGIN/END `… PRIVATE KEY` labels around base64 lines. */
export function isPemPrivateKey(s: string): boolean {
  const m = /-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY)-----\s*([A-Za-z0-9+/=\s:,-]+?)\s*-----END \1-----/.exec(s);
  return m !== null && m[2]!.replace(/\s/g, '').length >= 32;
}

/** AWS access key id: `AKIA` (long-term) or `ASIA` (temporary) + 16 base32 characters (A-Z, 2-7). */
export function isAwsAccessKeyId(s: string): boolean {
  return /^(?:AKIA|ASIA)[A-Z2-7]{16}$/.test(s);
}

/** AWS secret access key shape: 40 base64 characters with upper, lower and digit (use with a key-name hint). */
export function isAwsSecretKey(s: string): boolean {
  return /^[A-Za-z0-9/+]{40}$/.test(s) && /[A-Z]/.test(s) && /[a-z]/.test(s) && /\d/.test(s);
}

/** GitHub token: classic `ghp_/gho_/ghu_/ghs_/ghr_` + 36 base62, or fine-grained `github_pat_` + 82. */
export function isGithubToken(s: string): boolean {
  return /^gh[pousr]_[A-Za-z0-9]{36}$/.test(s) || /^github_pat_[A-Za-z0-9_]{82}$/.test(s);
}

/** Slack token: `xoxb-`, `xoxp-`, `xoxa-`, `xoxr-`, `xoxs-`, `xoxe-` + numeric ids and a secret part. */
export function isSlackToken(s: string): boolean {
  return /^xox[bpaers]-\d{6,}-[0-9A-Za-z-]{8,}$/.test(s);
}

/** Stripe secret or restricted key: `sk_live_`, `sk_test_`, `rk_live_`, `rk_test_` + ≥ 16 base62 (publishable `pk_` keys are not secret). */
export function isStripeSecretKey(s: string): boolean {
  return /^[sr]k_(?:live|test)_[0-9A-Za-z]{16,247}$/.test(s);
}

/** JWS compact token whose header decodes to JSON with `alg`. */
export function isJwt(s: string): boolean {
  return s.length >= 20 && s.startsWith('eyJ') && decodeJwt(s) !== null;
}
