// @ts-check
/**
 * Zeek oracle: reads an `http.log` (ASCII writer: `#fields` header, tab
 * separated, `-` unset, `(empty)` empty) or a `zeek-cut` projection
 * (`*.log.cut`: first non-comment line holds the column names).
 *
 * Zeek's `uri` is percent-decoded (`unescape_URI`) and bytes that cannot be
 * printed are logged as `\xNN`; `zeekUriForm()` maps a raw request target to
 * that form so a raw URI can be compared with Zeek's.
 * `100 Continue` goes into `info_code`; `status_code` is the final status
 * (`-` or 0 when no response was seen).
 */
import { readFileSync } from 'node:fs';

/**
 * A Zeek row. `undefined` means the projection has no such column (unknown,
 * matches anything); `null` means unset in the log.
 * @typedef {{ method: string|null|undefined, host: string|null|undefined,
 *             uri: string|null|undefined, status: number|null|undefined,
 *             uid: string|undefined, transDepth: number|undefined }} ZeekTransaction
 */

/**
 * @param {string} file
 * @returns {ZeekTransaction[]} rows in log order, without Zeek's empty
 *   placeholder rows (no method and no status: Zeek opens a transaction for
 *   bytes after an HTTP/0.9 exchange or at connection end)
 */
export function parseZeekHttpLog(file) {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
  /** @type {string[]|null} */
  let fields = null;
  /** @type {ZeekTransaction[]} */
  const out = [];
  for (const line of lines) {
    if (line.startsWith('#fields\t')) {
      fields = line.split('\t').slice(1);
      continue;
    }
    if (line.startsWith('#')) continue;
    const values = line.split('\t');
    if (fields === null) {
      fields = values; // zeek-cut projection: first line names the columns
      continue;
    }
    /** @param {string} name */
    const get = (name) => {
      const i = /** @type {string[]} */ (fields).indexOf(name);
      if (i < 0) return undefined;
      const v = values[i];
      if (v === '-') return null;
      if (v === '(empty)') return '';
      return v;
    };
    const code = get('status_code');
    const depth = get('trans_depth');
    const row = {
      method: get('method'),
      host: get('host'),
      uri: get('uri'),
      status: code === undefined ? undefined : code === null || code === '0' ? null : Number(code),
      uid: get('uid') ?? undefined,
      transDepth: depth === undefined || depth === null ? undefined : Number(depth),
    };
    if (row.method === null && (row.status === null || row.status === undefined)) continue;
    out.push(row);
  }
  return out;
}

/**
 * Maps a raw request target (as on the wire, a JS string of Latin-1 code
 * units) to Zeek's logged form: `%XX` with two hex digits is decoded, other
 * `%` stay; then bytes outside 0x20..0x7e are written as `\xNN` (lower-case
 * hex), as in www-odd-url's http.log (`%FC` logged as `\xfc`).
 * @param {string} raw
 * @returns {string}
 */
export function zeekUriForm(raw) {
  /** @type {number[]} */
  const bytes = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25 && i + 2 < raw.length && /^[0-9a-fA-F]{2}$/.test(raw.slice(i + 1, i + 3))) {
      bytes.push(parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(c & 0xff);
    }
  }
  let s = '';
  for (const b of bytes) {
    s += b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return s;
}
