/**
 * One HTTP/1.x message (request or response) as seen on one direction of a
 * connection: the parts a TransactionRecord needs, filled by HttpStreamParser
 * while llhttp runs. Strings are built once, at the end of the header section
 * (or when the message is abandoned); header bytes are decoded as latin1 (one
 * char per byte, lossless).
 */
import { BodySample } from './body-sample.js';

/** How the body of a message is delimited (RFC 9112 §6.3). */
export type BodyFraming = 'none' | 'length' | 'chunked' | 'eof';

export class HttpMessage {
  readonly isRequest: boolean;
  /** Packet time of the first byte of the message. */
  tsSec = 0;
  tsNsec = 0;
  method: string | null = null;
  uri: string | null = null;
  /** `1.1`; null when the start line did not get that far. */
  httpVersion: string | null = null;
  status: number | null = null;
  reason: string | null = null;
  host: string | null = null;
  contentType: string | null = null;
  contentEncoding: string | null = null;
  contentLength: string | null = null;
  transferEncoding: string | null = null;
  userAgent: string | null = null;
  upgrade: string | null = null;
  connection: string | null = null;
  /** Every header as [name as sent, value], at most HEADER_LIST_CAP entries and maxHeaderBytes bytes. */
  headers: [string, string][] = [];
  /** Body bytes on the wire after de-chunking, including bytes of gaps skipped inside a body. */
  bodyLength = 0;
  readonly sample: BodySample;
  framing: BodyFraming = 'none';
  /** Content-Length as a number (-1 absent or not a plain decimal, -2 a decimal of more than 15 digits). */
  contentLengthValue = -1;
  /** The Transfer-Encoding coding list ends in `chunked`. */
  chunked = false;
  /** llhttp saw CONNECT or `Connection: upgrade` + Upgrade on a request. */
  upgradeRequested = false;
  /** 1xx other than 101: an interim response. */
  interim = false;
  headersDone = false;
  /** Ended (complete or abandoned); no more changes. */
  done = false;
  gap = false;
  incomplete = false;
  parseError = false;
  headersTruncated = false;
  /** The owner's transaction slot (opaque to the parser). */
  txn: unknown = null;

  constructor(isRequest: boolean, sampleCap: number) {
    this.isRequest = isRequest;
    this.sample = new BodySample(sampleCap);
  }
}

/**
 * Body framing per RFC 9112 §6.3, as llhttp applies it (lenient flags on), given
 * the on_headers_complete code `ret` we returned (non-zero: no body).
 */
export function framingOf(msg: HttpMessage, ret: number): BodyFraming {
  if (ret !== 0 /* HeadersCompleteResult.BODY */) return 'none';
  const s = msg.status ?? 0;
  if (!msg.isRequest && (s < 200 || s === 204 || s === 304)) return 'none';
  if (msg.transferEncoding !== null) return msg.chunked ? 'chunked' : 'eof';
  if (msg.contentLength !== null) return msg.contentLengthValue > 0 ? 'length' : 'none';
  return msg.isRequest ? 'none' : 'eof';
}
