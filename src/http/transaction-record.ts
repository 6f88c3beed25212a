/**
 * TransactionRecord: the compact, serializable summary of one HTTP/1.x
 * transaction (a request and its response, or one of them alone). Workers build
 * these and send them to the main thread; `--transactions FILE.jsonl` writes one
 * per line, with exactly these keys in this order.
 *
 * Times are packet time (capture timestamps), seconds since the Unix epoch as
 * a JS number (microsecond-exact). Sizes are bytes.
 */
export interface TransactionRecord {
  /** Connection uid: `C` + global index of the connection's first packet (deterministic). */
  uid: string;
  /** 0-based index of this transaction within its connection. */
  transDepth: number;
  /** Client (request sender) and server addresses as text; ports as numbers. */
  clientIp: string;
  clientPort: number;
  serverIp: string;
  serverPort: number;
  /** 802.1Q/802.1ad VLAN ids, outermost first; empty when untagged. */
  vlan: number[];
  /** Mirror/tunnel encapsulation of the flow, or null. */
  tunnel: { kind: string; id: number } | null;
  /** Time of the first request byte / first response byte; null when absent. */
  requestTs: number | null;
  responseTs: number | null;
  /** Request method as sent (e.g. `GET`), null for a response without request. */
  method: string | null;
  /** Host header value (first one), null when absent. */
  host: string | null;
  /** Request target exactly as on the wire (RFC 9112 §3.2), not percent-decoded. */
  uri: string | null;
  /** `1.0`, `1.1` (of the request, else of the response). */
  httpVersion: string | null;
  /** Final status code (1xx interim responses are in `informational`). */
  status: number | null;
  /** Reason phrase of the final response. */
  reason: string | null;
  /** Interim 1xx status codes received before the final response, in order. */
  informational: number[];
  /** Body bytes as carried on the wire (after de-chunking, before content decoding). */
  requestBodyLength: number;
  responseBodyLength: number;
  /** Body bytes after content decoding (gzip/deflate/br) of the sampled part; null when not decoded. */
  requestBodyDecodedLength: number | null;
  responseBodyDecodedLength: number | null;
  requestContentType: string | null;
  responseContentType: string | null;
  requestContentEncoding: string | null;
  responseContentEncoding: string | null;
  userAgent: string | null;
  /**
   * Flags, sorted, each present only when true:
   * `gap` (a TCP gap fell inside this transaction), `request_incomplete`,
   * `response_incomplete` (message ended early: gap, parse error, capture end),
   * `midstream` (connection picked up without its handshake),
   * `unanswered` (request without response), `response_without_request`,
   * `upgrade` (Upgrade/101 ended HTTP parsing), `connect` (CONNECT tunnel),
   * `request_body_truncated` / `response_body_truncated` (sample cap reached),
   * `parse_error`, `request_headers_truncated` / `response_headers_truncated`
   * (header section passed maxHeaderBytes; kept values may be missing).
   */
  flags: string[];
  /**
   * In-worker extras, set as NON-enumerable properties (not in JSON, structured
   * clone or msgpack): the body sample (decoded when a content coding was
   * decoded, else as on the wire; at most maxBodySampleBytes) and every header
   * as [name as sent, value] (at most 128 entries, within maxHeaderBytes).
   */
  requestBodySample?: Uint8Array;
  responseBodySample?: Uint8Array;
  requestHeaders?: [string, string][];
  responseHeaders?: [string, string][];
}
