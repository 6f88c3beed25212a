/**
 * Field extraction from request parts: query strings, url-encoded forms,
 * multipart form field names, media types, and value typing for parameter
 * statistics. Strings returned are copies; no view on the body is kept.
 */
import { classifySegment, type SegmentKind } from './segment-kind.js';

export type ValueKind = SegmentKind | 'boolean' | 'number' | 'empty';

/** Decode one `application/x-www-form-urlencoded` component (`+` is a space); bad escapes are kept as is. */
export function decodeFormComponent(s: string): string {
  const v = s.includes('+') ? s.replace(/\+/g, ' ') : s;
  if (!v.includes('%')) return v;
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/**
 * Name/value pairs of a query string or url-encoded form (WHATWG URL
 * "application/x-www-form-urlencoded parser"), at most `max` pairs.
 */
export function parseUrlEncoded(s: string, max = 64): [string, string][] {
  const out: [string, string][] = [];
  if (!s) return out;
  for (const part of s.split('&')) {
    if (!part) continue;
    if (out.length >= max) break;
    const eq = part.indexOf('=');
    out.push(eq >= 0 ? [decodeFormComponent(part.slice(0, eq)), decodeFormComponent(part.slice(eq + 1))] : [decodeFormComponent(part), '']);
  }
  return out;
}

/** Query part of a request target (without `?` and fragment), '' when none. */
export function queryOfTarget(uri: string): string {
  const q = uri.indexOf('?');
  if (q < 0) return '';
  const h = uri.indexOf('#', q);
  return h >= 0 ? uri.slice(q + 1, h) : uri.slice(q + 1);
}

/** Media type of a Content-Type value, lower case, without parameters (`application/json`); '' when absent. */
export function mediaTypeOf(contentType: string | null | undefined): string {
  if (!contentType) return '';
  const semi = contentType.indexOf(';');
  return (semi >= 0 ? contentType.slice(0, semi) : contentType).trim().toLowerCase();
}

/** True for `application/json` and `+json` structured syntax suffixes (RFC 6839). */
export function isJsonMediaType(mt: string): boolean {
  return mt === 'application/json' || mt.endsWith('+json') || mt === 'text/json';
}

/** Field names of a multipart/form-data body (RFC 7578 §4.2 Content-Disposition `name`), in order, deduplicated. */
export function multipartFieldNames(contentType: string, body: string, max = 64): string[] {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!m) return [];
  const boundary = '--' + (m[1] ?? m[2]!);
  const names: string[] = [];
  for (const part of body.split(boundary)) {
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = headerEnd >= 0 ? part.slice(0, headerEnd) : part.slice(0, 1024);
    const n = /content-disposition:\s*form-data;[^\r\n]*?\bname="([^"]*)"/i.exec(headers);
    if (n && !names.includes(n[1]!)) {
      names.push(n[1]!);
      if (names.length >= max) break;
    }
  }
  return names;
}

/** Kind of a parameter value: `empty`, `boolean`, `number` (decimal), else the segment kind. */
export function valueKindOf(v: string): ValueKind {
  if (v.length === 0) return 'empty';
  if (v === 'true' || v === 'false') return 'boolean';
  if (/^-?\d+\.\d+$/.test(v)) return 'number';
  if (/^-\d{1,18}$/.test(v)) return 'integer';
  return classifySegment(v);
}

/** `Set-Cookie` cookie name (RFC 6265 §4.1), '' when none. */
export function setCookieName(value: string): string {
  const eq = value.indexOf('=');
  return eq > 0 ? value.slice(0, eq).trim() : '';
}
