/**
 * Data-class detection (issue 3 §4): PII, PHI and secrets in the query,
 * headers, cookies and bodies of requests and responses, each with a location
 * such as `response.body.user.email`, `request.query.email`,
 * `request.header.authorization`, `request.body.items[].card` (`[]` stands for
 * any array index).
 *
 * A value is classified by a validator (data-validators.ts) and, for the
 * classes that have no checkable shape (password, date of birth, postal
 * address, medical record), by its key name. Raw values are never kept: a hit
 * carries a masked example and a salted hash (HMAC-SHA256 with the
 * classifier's salt, first 16 hex digits), enough to count distinct values
 * and to correlate across endpoints without revealing them.
 *
 * Caps: `maxHits` per scanned message (`inventory.data_class_hits_cap`, once
 * per message; scanning stops there),
 * `maxDepth` JSON nesting (deeper values are not scanned), `maxValueLength`
 * characters per value scanned.
 */
import { createHmac } from 'node:crypto';
import type { EventCounter } from '../stats/event-counter.js';
import {
  isAwsAccessKeyId, isAwsSecretKey, isGithubToken, isIban, isIcd10, isJwt, isNpi, isPaymentCard,
  isPemPrivateKey, isPhone, isSlackToken, isStripeSecretKey, isUsSsn,
} from './data-validators.js';
import { isEmail, isIpv4, isIpv6, isDateTime, isIsoDate } from './string-format.js';

export type DataCategory = 'pii' | 'phi' | 'secret';

export type DataClassKind =
  | 'email' | 'phone' | 'payment_card' | 'us_ssn' | 'iban' | 'date_of_birth' | 'ip_address' | 'postal_address'
  | 'npi' | 'icd10' | 'medical_record'
  | 'password' | 'jwt' | 'private_key' | 'aws_access_key_id' | 'aws_secret_key' | 'github_token' | 'slack_token'
  | 'stripe_key';

export const DATA_CLASS_CATEGORY: Readonly<Record<DataClassKind, DataCategory>> = {
  email: 'pii', phone: 'pii', payment_card: 'pii', us_ssn: 'pii', iban: 'pii', date_of_birth: 'pii',
  ip_address: 'pii', postal_address: 'pii', npi: 'phi', icd10: 'phi', medical_record: 'phi',
  password: 'secret', jwt: 'secret', private_key: 'secret', aws_access_key_id: 'secret',
  aws_secret_key: 'secret', github_token: 'secret', slack_token: 'secret', stripe_key: 'secret',
};

export interface DataClassHit {
  kind: DataClassKind;
  category: DataCategory;
  location: string;
  /** Masked example, e.g. `j***@e***.com`, `************1111`. */
  masked: string;
  /** `HMAC-SHA256(salt, value)`, first 16 hex digits. */
  hash: string;
}

export interface DataClassifierOptions {
  /** HMAC salt; keep it in the store so hashes stay comparable across runs. Required. */
  salt: string;
  /** Hits per message. Default 64. */
  maxHits?: number;
  /** JSON nesting levels scanned. Default 12. */
  maxDepth?: number;
  /** Longest value scanned, in UTF-16 units. Default 8,192. */
  maxValueLength?: number;
  events?: EventCounter;
}

/** Key name normalized for matching: lower case, no `-`, `_`, `.` or spaces. */
function normKey(key: string): string {
  return key.toLowerCase().replace(/[-_. ]/g, '');
}

const PASSWORD_KEYS = new Set(['password', 'passwd', 'pwd', 'pass', 'passphrase', 'secret', 'clientsecret',
  'apisecret', 'secretkey', 'privatekey', 'currentpassword', 'newpassword', 'oldpassword', 'confirmpassword',
  'passwordconfirmation']);
const DOB_KEYS = new Set(['dob', 'dateofbirth', 'birthdate', 'birthday', 'birthdt']);
const ADDRESS_KEYS = new Set(['address', 'streetaddress', 'street', 'addressline1', 'addressline2', 'postalcode',
  'postcode', 'zip', 'zipcode', 'mailingaddress', 'billingaddress', 'shippingaddress', 'homeaddress']);
const MEDICAL_KEYS = new Set(['mrn', 'medicalrecordnumber', 'medicalrecordno', 'medicalrecord', 'patientid',
  'patientname', 'patient', 'diagnosis', 'diagnosiscode', 'diagnoses', 'healthplanid', 'healthplannumber',
  'prescription', 'medication', 'medications', 'labresult', 'labresults']);
/**
 * True for key names whose values are sensitive by name alone (password,
 * date of birth, postal address, medical-record keys): such values are never
 * kept, not even as schema enum candidates.
 */
export function isSensitiveKeyName(key: string): boolean {
  const k = normKey(key);
  return PASSWORD_KEYS.has(k) || DOB_KEYS.has(k) || ADDRESS_KEYS.has(k) || MEDICAL_KEYS.has(k) || SSN_HINT.test(k) || AWS_SECRET_HINT.test(k);
}

/** Cached value hashes per classifier. */
const HASH_CACHE_SIZE = 8192;

const NPI_HINT = /npi|provider/;
const ICD_HINT = /icd|diagnos|condition/;
const SSN_HINT = /ssn|socialsecurity/;
const AWS_SECRET_HINT = /secretaccesskey|awssecret/;

/** An ASCII digit anywhere (`\d` without the `u` flag is [0-9]). */
const DIGIT_RE = /\d/;
/** An ASCII digit or a colon: every shape validator after the prefixed secrets needs one (IPv6 `::` needs only the colon). */
const DIGIT_OR_COLON_RE = /[0-9:]/;

/**
 * Free-text candidates, scanned in this order. The third element is a cheap
 * necessary condition (a substring every match contains) tested before the
 * regular expression runs; it never changes the result, only skips scans
 * that cannot match.
 */
const CANDIDATES: readonly [RegExp, DataClassKind, (s: string) => boolean][] = [
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,63}/g, 'email', (s) => s.includes('@')],
  [/eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, 'jwt', (s) => s.includes('eyJ')],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/g, 'private_key', (s) => s.includes('-----BEGIN ')],
  [/\b(?:AKIA|ASIA)[A-Z2-7]{16}\b/g, 'aws_access_key_id', (s) => s.includes('AKIA') || s.includes('ASIA')],
  [/\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})\b/g, 'github_token', (s) => s.includes('gh')],
  [/\bxox[bpaers]-[0-9A-Za-z-]{14,}/g, 'slack_token', (s) => s.includes('xox')],
  [/\b[sr]k_(?:live|test)_[0-9A-Za-z]{16,}/g, 'stripe_key', (s) => s.includes('k_')],
  [/\b\d(?:[ -]?\d){11,18}\b/g, 'payment_card', (s) => DIGIT_RE.test(s)],
];

/**
 * What a key name says (after normKey), computed once per distinct key
 * (KEY_CACHE_SIZE entries per classifier, cleared when full): the key-name
 * and hint tests classifyValue would otherwise repeat for every value.
 */
interface KeyInfo {
  password: boolean;
  dob: boolean;
  address: boolean;
  medical: boolean;
  npi: boolean;
  ssn: boolean;
  icd: boolean;
  awsSecret: boolean;
}

/** Distinct key names remembered per classifier (JSON bodies repeat the same few keys). */
const KEY_CACHE_SIZE = 4096;

function keyInfoOf(key: string): KeyInfo {
  const k = normKey(key);
  return {
    password: PASSWORD_KEYS.has(k),
    dob: DOB_KEYS.has(k),
    address: ADDRESS_KEYS.has(k),
    medical: MEDICAL_KEYS.has(k),
    npi: NPI_HINT.test(k),
    ssn: SSN_HINT.test(k),
    icd: ICD_HINT.test(k),
    awsSecret: AWS_SECRET_HINT.test(k),
  };
}

const VALIDATOR: Partial<Record<DataClassKind, (s: string) => boolean>> = {
  email: isEmail, jwt: isJwt, private_key: isPemPrivateKey, aws_access_key_id: isAwsAccessKeyId,
  github_token: isGithubToken, slack_token: isSlackToken, stripe_key: isStripeSecretKey, payment_card: isPaymentCard,
};

/** Masked rendering of a sensitive value of `kind` (never more than a few real characters). */
export function maskValue(kind: DataClassKind, value: string): string {
  const stars = (n: number) => '*'.repeat(Math.max(3, Math.min(n, 16)));
  switch (kind) {
    case 'email': {
      const at = value.lastIndexOf('@');
      const domain = value.slice(at + 1);
      const dot = domain.lastIndexOf('.');
      return `${value[0]}***@${domain[0]}***${domain.slice(dot)}`;
    }
    case 'payment_card': {
      const d = value.replace(/\D/g, '');
      return '*'.repeat(d.length - 4) + d.slice(-4);
    }
    case 'us_ssn':
      return '***-**-****';
    case 'phone':
      return stars(value.length - 2) + value.slice(-2);
    case 'iban':
      return value.replace(/ /g, '').slice(0, 2) + stars(value.length - 2);
    case 'password':
    case 'aws_secret_key':
      return '********';
    case 'private_key':
      return '-----BEGIN PRIVATE KEY-----***';
    case 'jwt':
      return 'eyJ***';
    case 'aws_access_key_id':
    case 'github_token':
    case 'slack_token':
    case 'stripe_key': {
      const cut = kind === 'github_token' || kind === 'stripe_key' ? value.indexOf('_', 3) + 1 : 4;
      return value.slice(0, Math.max(4, cut)) + stars(value.length - 4);
    }
    case 'ip_address':
      return value.includes(':') ? value.split(':')[0] + ':***' : value.split('.')[0] + '.***.***.***';
    default:
      return value.length <= 2 ? '***' : value[0] + stars(value.length - 2) + value[value.length - 1];
  }
}

export class DataClassifier {
  readonly #salt: string;
  readonly #maxHits: number;
  readonly #maxDepth: number;
  readonly #maxValueLength: number;
  readonly #events: EventCounter | undefined;
  readonly #hashCache = new Map<string, string>();
  readonly #keyCache = new Map<string, KeyInfo>();
  /** Inside scanJsonKinds: hits get no masked example and no hash. */
  #kindsOnly = false;
  readonly #capped = new WeakSet<DataClassHit[]>();

  constructor(options: DataClassifierOptions) {
    this.#salt = options.salt;
    this.#maxHits = options.maxHits ?? 64;
    this.#maxDepth = options.maxDepth ?? 12;
    this.#maxValueLength = options.maxValueLength ?? 8_192;
    this.#events = options.events;
  }

  /**
   * Salted hash of a value: HMAC-SHA256 hex, first 16 digits. Recent results
   * are cached (at most HASH_CACHE_SIZE entries, keyed by the value, cleared
   * when full): traffic repeats the same values and HMAC costs microseconds.
   */
  hash(value: string): string {
    let h = this.#hashCache.get(value);
    if (h === undefined) {
      if (this.#hashCache.size >= HASH_CACHE_SIZE) this.#hashCache.clear();
      h = createHmac('sha256', this.#salt).update(value).digest('hex').slice(0, 16);
      this.#hashCache.set(value, h);
    }
    return h;
  }

  /** True once `out` holds maxHits hits: scanning stops; the cap event counts once per message. */
  #full(out: DataClassHit[]): boolean {
    if (out.length < this.#maxHits) return false;
    if (!this.#capped.has(out)) {
      this.#capped.add(out);
      this.#events?.add('inventory.data_class_hits_cap');
    }
    return true;
  }

  #push(out: DataClassHit[], kind: DataClassKind, location: string, value: string): void {
    if (this.#full(out)) return;
    if (this.#kindsOnly) out.push({ kind, category: DATA_CLASS_CATEGORY[kind], location, masked: '', hash: '' });
    else out.push({ kind, category: DATA_CLASS_CATEGORY[kind], location, masked: maskValue(kind, value), hash: this.hash(value) });
  }

  /**
   * Classify one scalar at `location` whose key (last name) is `key` (may be
   * ''); appends at most one hit per class. Numbers are classified by their
   * decimal text with key hints only (NPI, SSN).
   */
  classifyValue(location: string, key: string, value: string | number | boolean | null, out: DataClassHit[]): void {
    if (value === null || typeof value === 'boolean') return;
    const ki = this.#keyInfo(key);
    if (typeof value === 'number') {
      if (!Number.isInteger(value) || !(ki.npi || ki.ssn)) return;
      const s = String(value);
      if (ki.npi && isNpi(s)) this.#push(out, 'npi', location, s);
      else if (ki.ssn && isUsSsn(s.padStart(9, '0'), true)) this.#push(out, 'us_ssn', location, s);
      return;
    }
    const s = value.trim();
    if (s.length === 0) return;
    if (ki.password) return this.#push(out, 'password', location, s);
    if (s.length > this.#maxValueLength) return;
    const whole = this.#wholeValueKind(s, ki);
    if (whole) return this.#push(out, whole, location, s);
    if (ki.dob && (isIsoDate(s) || isDateTime(s) || /^\d{1,2}\/\d{1,2}\/\d{4}$/.test(s))) {
      return this.#push(out, 'date_of_birth', location, s);
    }
    if (ki.address) return this.#push(out, 'postal_address', location, s);
    if (ki.medical) return this.#push(out, 'medical_record', location, s);
    if (s.length >= 20) this.#scanText(location, s, out);
  }

  #keyInfo(key: string): KeyInfo {
    let ki = this.#keyCache.get(key);
    if (ki === undefined) {
      if (this.#keyCache.size >= KEY_CACHE_SIZE) this.#keyCache.clear();
      ki = keyInfoOf(key);
      this.#keyCache.set(key, ki);
    }
    return ki;
  }

  /**
   * The class a whole value has, checked in a fixed order (the first match
   * wins). The prefixed secrets are only tried when the first character fits
   * their prefix, and the remaining validators (card, SSN, NPI, IBAN, phone,
   * IP address, ICD-10) all need an ASCII digit or a colon: these guards skip
   * validators that cannot succeed and never change the result.
   */
  #wholeValueKind(s: string, ki: KeyInfo): DataClassKind | null {
    if (s.includes('@')) return isEmail(s) ? 'email' : null;
    if (s.startsWith('eyJ')) return isJwt(s) ? 'jwt' : null;
    if (s.startsWith('-----BEGIN')) return isPemPrivateKey(s) ? 'private_key' : null;
    const c0 = s.charCodeAt(0);
    if (c0 === 0x41 /* A */ && isAwsAccessKeyId(s)) return 'aws_access_key_id';
    if (c0 === 0x67 /* g */ && isGithubToken(s)) return 'github_token';
    if (c0 === 0x78 /* x */ && isSlackToken(s)) return 'slack_token';
    if ((c0 === 0x73 /* s */ || c0 === 0x72 /* r */) && isStripeSecretKey(s)) return 'stripe_key';
    if (ki.awsSecret && isAwsSecretKey(s)) return 'aws_secret_key';
    if (!DIGIT_OR_COLON_RE.test(s)) return null;
    if (isPaymentCard(s)) return 'payment_card';
    if (isUsSsn(s, ki.ssn)) return 'us_ssn';
    if (ki.npi && isNpi(s)) return 'npi';
    if (isIban(s)) return 'iban';
    if (isPhone(s)) return 'phone';
    if (isIpv4(s) || isIpv6(s)) return 'ip_address';
    if (isIcd10(s) && (s.includes('.') || ki.icd)) return 'icd10';
    return null;
  }

  /** Candidates inside free text (a log line, a note): each validated, one hit per class. */
  #scanText(location: string, s: string, out: DataClassHit[]): void {
    for (const [re, kind, may] of CANDIDATES) {
      if (!may(s)) continue;
      re.lastIndex = 0;
      for (let m = re.exec(s); m !== null; m = re.exec(s)) {
        if (VALIDATOR[kind]!(m[0])) {
          this.#push(out, kind, location, m[0]);
          break;
        }
      }
    }
  }

  /** Walk a parsed JSON value; `location` is the prefix (`response.body`). */
  scanJson(location: string, value: unknown, out: DataClassHit[], key = '', depth = 0): void {
    if (this.#full(out)) return;
    if (value === null || typeof value !== 'object') {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null) {
        this.classifyValue(location, key, value, out);
      }
      return;
    }
    if (depth >= this.#maxDepth) return;
    if (Array.isArray(value)) {
      const at = `${location}[]`;
      for (const item of value) {
        if (this.#full(out)) break;
        this.scanJson(at, item, out, key, depth + 1);
      }
      return;
    }
    for (const k of Object.keys(value)) {
      if (this.#full(out)) break;
      this.scanJson(`${location}.${k}`, (value as Record<string, unknown>)[k], out, k, depth + 1);
    }
  }

  /**
   * scanJson for callers that read only `kind`, `category` and `location`:
   * the same hits in the same order (caps included), with `masked` and `hash`
   * left empty, which saves an HMAC and a mask per hit.
   */
  scanJsonKinds(location: string, value: unknown, out: DataClassHit[]): void {
    this.#kindsOnly = true;
    try {
      this.scanJson(location, value, out);
    } finally {
      this.#kindsOnly = false;
    }
  }

  /** Classify name/value pairs (query, form fields, headers, cookies): location = `${prefix}.${name}`. */
  scanPairs(prefix: string, pairs: readonly (readonly [string, string])[], out: DataClassHit[]): void {
    for (const [name, value] of pairs) this.classifyValue(`${prefix}.${name}`, name, value, out);
  }

  /**
   * Classify an Authorization header value: the credential inside a Bearer or
   * Basic value is a secret (`jwt`, or `password` for Basic credentials).
   */
  scanAuthorization(location: string, value: string, out: DataClassHit[]): void {
    const sp = value.indexOf(' ');
    const scheme = sp > 0 ? value.slice(0, sp).toLowerCase() : '';
    const cred = value.slice(sp + 1).trim();
    if (scheme === 'basic' && cred) this.#push(out, 'password', location, cred);
    else if (scheme === 'bearer' && isJwt(cred)) this.#push(out, 'jwt', location, cred);
    else if (cred) this.classifyValue(location, '', cred, out);
  }
}
