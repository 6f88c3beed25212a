/**
 * Wire protocol of the findings stream (`/v1/stream`), version 1.
 *
 * Encoding, negotiated by WebSocket subprotocol (RFC 6455 §1.9):
 *  - `apisensor.v1.json`: one JSON object per text frame (the default when
 *    the client offers neither);
 *  - `apisensor.v1.msgpack`: one MessagePack map per binary frame (msgpackr).
 * A browser adds its token as one more offered subprotocol `bearer.<token>`;
 * the server never selects that one.
 *
 * Server → client messages (every message has `channel`):
 *  - `{channel:'findings', seq, finding}` and
 *    `{channel:'inventory', seq, event:'new_endpoint'|'new_data_class', ts, endpoint, dataClass?}`
 *    (see finding-bus.ts);
 *  - `{channel:'control', type:'hello', version:1, encoding, lastSeq, oldestSeq, ringCapacity, filter}` first;
 *  - `{channel:'control', type:'gap', from, to}`: seqs from..to (inclusive) were published but
 *    cannot be replayed (beyond the ring buffer); sent before the replayed messages;
 *  - `{channel:'control', type:'subscribed', filter, lastSeq}`: answer to a subscribe message;
 *  - `{channel:'control', type:'error', code, message}`: a bad client message (`ERR_BAD_MESSAGE`, `ERR_BAD_FILTER`).
 *
 * Client → server: `{type:'subscribe', filter?:StreamFilter, since?:number}`
 * replaces the filter and, with `since`, replays from the ring buffer.
 *
 * Close codes (RFC 6455 §7.4; 4000-4999 private use):
 *  - 1001 server shutting down (reason `server shutting down`);
 *  - 4001 the client's token expired while connected;
 *  - 4008 slow consumer: more than `maxBufferedBytes` waiting to be sent;
 *    the client should reconnect with `since` (it will get a gap if it fell too far behind).
 */
import { Packr } from 'msgpackr';
import type { StreamFilter } from './stream-filter.js';

export const SUBPROTOCOL_JSON = 'apisensor.v1.json';
export const SUBPROTOCOL_MSGPACK = 'apisensor.v1.msgpack';
export type StreamEncoding = 'json' | 'msgpack';

export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_TOKEN_EXPIRED = 4001;
export const CLOSE_SLOW_CONSUMER = 4008;

export type ControlMessage =
  | { channel: 'control'; type: 'hello'; version: 1; encoding: StreamEncoding; lastSeq: number; oldestSeq: number | null; ringCapacity: number; filter: StreamFilter }
  | { channel: 'control'; type: 'gap'; from: number; to: number }
  | { channel: 'control'; type: 'subscribed'; filter: StreamFilter; lastSeq: number }
  | { channel: 'control'; type: 'error'; code: string; message: string };

export interface SubscribeRequest {
  type: 'subscribe';
  filter?: unknown;
  since?: number;
}

/** Shared msgpackr instance: plain maps, no records extension, so any MessagePack decoder reads it. */
const packr = new Packr({ useRecords: false, moreTypes: false });

/** Encode a message for one encoding: a string (JSON text frame) or a Buffer (msgpack binary frame). */
export function encodeMessage(msg: unknown, encoding: StreamEncoding): string | Buffer {
  return encoding === 'json' ? JSON.stringify(msg) : packr.pack(msg);
}

/** Decode a frame received in `encoding` (used by clients and for subscribe messages). Throws on bad input. */
export function decodeMessage(data: Buffer | string, encoding: StreamEncoding): unknown {
  if (encoding === 'json') return JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  return packr.unpack(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
}

/**
 * The encoding selected from a client's offered subprotocols (the first one
 * offered that we speak, in the client's order), and the subprotocol to
 * answer with (false: none offered, JSON without a subprotocol header).
 */
export function selectSubprotocol(offered: Iterable<string>): { encoding: StreamEncoding; protocol: string | false } {
  for (const p of offered) {
    if (p === SUBPROTOCOL_MSGPACK) return { encoding: 'msgpack', protocol: p };
    if (p === SUBPROTOCOL_JSON) return { encoding: 'json', protocol: p };
  }
  return { encoding: 'json', protocol: false };
}
