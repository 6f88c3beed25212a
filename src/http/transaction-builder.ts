/**
 * Builds the TransactionRecord of a paired transaction: exact key order of
 * transaction-record.ts, sorted flags, microsecond times, content decoding of
 * the body samples. Body samples and header lists are attached as
 * NON-enumerable properties, so JSON / structured clone / msgpack leave them
 * out (they are for in-worker extraction only).
 */
import type { EventCounter } from '../stats/event-counter.js';
import type { TcpConnectionInfo } from '../reassembly/connection-handler.js';
import { TunnelKindName } from '../decode/decoded-packet.js';
import type { TransactionRecord } from './transaction-record.js';
import type { HttpMessage } from './http-message.js';
import type { PendingTransaction } from './transaction-pairer.js';
import { decodeBody } from './body-decoder.js';

/** Seconds since the epoch, rounded to the microsecond (single rounding: integer µs / 1e6). */
export function packetTime(tsSec: number, tsNsec: number): number {
  return (tsSec * 1e6 + Math.round(tsNsec / 1000)) / 1e6;
}

interface BodyOut {
  decodedLength: number | null;
  truncated: boolean;
  sample: Uint8Array | undefined;
}

function body(msg: HttpMessage | null, decode: boolean, cap: number, events: EventCounter): BodyOut {
  if (msg === null) return { decodedLength: null, truncated: false, sample: undefined };
  const raw = msg.sample.bytes();
  let truncated = msg.sample.truncated;
  if (!decode) return { decodedLength: null, truncated, sample: raw };
  const d = decodeBody(raw, msg.contentEncoding, cap);
  if (d.error) events.add('http.decompress_error');
  if (d.bytes === null) return { decodedLength: null, truncated, sample: raw };
  truncated ||= d.truncated;
  return { decodedLength: d.bytes.length, truncated, sample: d.bytes };
}

function hidden(record: TransactionRecord, key: string, value: unknown): void {
  if (value !== undefined) Object.defineProperty(record, key, { value, enumerable: false, writable: true, configurable: true });
}

export interface BuildContext {
  info: TcpConnectionInfo;
  /** The TCP originator (dir 0) sent the requests. */
  clientIsOriginator: boolean;
  decodeBodies: boolean;
  maxBodySampleBytes: number;
  /** Attach samples and header lists (non-enumerable); false: leave them out. */
  keepDetail?: boolean;
  events: EventCounter;
}

export function buildTransactionRecord(txn: PendingTransaction, c: BuildContext): TransactionRecord {
  const { info, events } = c;
  const req = txn.request;
  const res = txn.response;
  const reqBody = body(req, c.decodeBodies, c.maxBodySampleBytes, events);
  const resBody = body(res, c.decodeBodies, c.maxBodySampleBytes, events);

  const flags: string[] = [];
  if (req?.gap || res?.gap) flags.push('gap');
  if (req?.incomplete) flags.push('request_incomplete');
  if (res?.incomplete) flags.push('response_incomplete');
  if (info.midstream) flags.push('midstream');
  if (req !== null && res === null) {
    flags.push('unanswered');
    events.add('http.unanswered_request');
  }
  if (req === null) {
    flags.push('response_without_request');
    events.add('http.response_without_request');
  }
  if (txn.upgrade) flags.push('upgrade');
  if (txn.connect) flags.push('connect');
  if (reqBody.truncated) flags.push('request_body_truncated');
  if (resBody.truncated) flags.push('response_body_truncated');
  if (req?.headersTruncated) flags.push('request_headers_truncated');
  if (res?.headersTruncated) flags.push('response_headers_truncated');
  if (req?.parseError || res?.parseError) flags.push('parse_error');
  flags.sort();

  const vlan: number[] = [];
  if (info.vlanOuter !== 0) vlan.push(info.vlanOuter);
  if (info.vlanInner !== 0) vlan.push(info.vlanInner);
  const orig = c.clientIsOriginator;
  const record: TransactionRecord = {
    uid: info.uid,
    transDepth: txn.depth,
    clientIp: orig ? info.clientIp : info.serverIp,
    clientPort: orig ? info.clientPort : info.serverPort,
    serverIp: orig ? info.serverIp : info.clientIp,
    serverPort: orig ? info.serverPort : info.clientPort,
    vlan,
    tunnel: info.tunnelKind === 0 ? null : { kind: TunnelKindName[info.tunnelKind] ?? `kind_${info.tunnelKind}`, id: info.tunnelId },
    requestTs: req === null ? null : packetTime(req.tsSec, req.tsNsec),
    responseTs: txn.responseTsSec < 0 ? null : packetTime(txn.responseTsSec, txn.responseTsNsec),
    method: req?.method ?? null,
    host: req?.host ?? null,
    uri: req?.uri ?? null,
    httpVersion: req?.httpVersion ?? res?.httpVersion ?? null,
    status: res?.status ?? null,
    reason: res?.reason ?? null,
    informational: txn.informational,
    requestBodyLength: req?.bodyLength ?? 0,
    responseBodyLength: res?.bodyLength ?? 0,
    requestBodyDecodedLength: reqBody.decodedLength,
    responseBodyDecodedLength: resBody.decodedLength,
    requestContentType: req?.contentType ?? null,
    responseContentType: res?.contentType ?? null,
    requestContentEncoding: req?.contentEncoding ?? null,
    responseContentEncoding: res?.contentEncoding ?? null,
    userAgent: req?.userAgent ?? null,
    flags,
  };
  if (c.keepDetail === false) return record;
  hidden(record, 'requestBodySample', reqBody.sample);
  hidden(record, 'responseBodySample', resBody.sample);
  hidden(record, 'requestHeaders', req?.headers);
  hidden(record, 'responseHeaders', res?.headers);
  return record;
}
