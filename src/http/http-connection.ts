/**
 * HTTP/1.x on one reassembled TCP connection: the ConnectionHandler that
 * reassembly drives, and the factory the worker registers.
 *
 *   onData(dir) ─► HttpStreamParser[dir] (llhttp) ─┐ messageStarted / headersComplete / messageEnded
 *   onGap(dir)  ─►        (gap / resync)           ├─► TransactionPairer (FIFO) ─► buildTransactionRecord ─► sink
 *   onEnd(dir)  ─► llhttp_finish                   │
 *   onClose     ─► close both, flush all ──────────┘
 *
 * Roles: dir 0 is the TCP originator, but midstream the guess can be wrong.
 * The first start line seen on either direction fixes the roles: a request
 * line on `d` makes `d` the client, a status line on `d` makes the other one
 * the client (event `http.direction_swapped` when the client is dir 1). Each
 * direction then parses only its kind.
 *
 * Upgrade / CONNECT: llhttp pauses a request stream after a CONNECT or an
 * `Upgrade` request; its later bytes are held until the response: 101 (or 2xx
 * to CONNECT) ends HTTP on both directions (flags `upgrade` / `connect`;
 * later bytes counted in `http.bytes_after_upgrade`), another status resumes
 * parsing. Exception (Suricata): after a 2xx to CONNECT, when the client's
 * first tunneled line is a plain request line, parsing goes on in the tunnel.
 * Such work is deferred until the running llhttp call returns.
 *
 * Stream offsets (for pairing by TCP acknowledgments, transaction-pairer.ts):
 * each direction's offset counts delivered bytes plus gap bytes, the base of
 * PacketContext.peerAckOffset. A request records the peerAckOffset of the
 * onData call in which its start line was recognized, a response the offset
 * of the onData chunk in which its status line was recognized (chunk
 * granularity: the parser does not report positions inside a chunk; a start
 * line split across segments gets the later segment's values). A lost region
 * of the response stream begins at a gap that no message spans: at the gap's
 * start, or where a Content-Length body ended inside it; it ends at the next
 * response.
 *
 * Events (EventCounter names): see HTTP_EVENT_NAMES.
 */
import type { EventCounter } from '../stats/event-counter.js';
import type {
  CloseReason,
  ConnectionHandler,
  ConnectionHandlerFactory,
  FlowDirection,
  PacketContext,
  TcpConnectionInfo,
} from '../reassembly/connection-handler.js';
import { UsageError } from '../errors.js';
import type { TransactionRecord } from './transaction-record.js';
import type { HttpMessage } from './http-message.js';
import { HeadersCompleteResult } from './llhttp.js';
import { HttpStreamParser } from './http-stream-parser.js';
import type { HttpStreamOwner } from './http-stream-parser.js';
import { classifyStartLine, MessageKind } from './start-line.js';
import { TransactionPairer } from './transaction-pairer.js';
import type { PendingTransaction } from './transaction-pairer.js';
import { buildTransactionRecord } from './transaction-builder.js';
import type { BuildContext } from './transaction-builder.js';

export interface HttpOptions {
  /** Body bytes kept per message, before and after content decoding. Default 65536. */
  maxBodySampleBytes?: number;
  /** Start line + header bytes kept per message; beyond: `http.header_cap`, flag `*_headers_truncated`. Default 65536. */
  maxHeaderBytes?: number;
  /** Requests waiting for a response per connection; beyond: `http.pending_cap`, oldest emitted unanswered. Default 64. */
  maxPendingRequests?: number;
  /** Decode gzip / deflate / br body samples. Default true. */
  decodeBodies?: boolean;
  /**
   * Attach header lists and body samples to records (non-enumerable
   * `requestHeaders` … `responseBodySample`). False when nobody reads them:
   * no header list strings, no sample copies of bodies that are not
   * content-decoded. Records are otherwise identical. Default true.
   */
  keepDetail?: boolean;
}

export type ResolvedHttpOptions = Readonly<Required<HttpOptions>>;

/** Tunneled bytes examined after an accepted CONNECT to decide whether HTTP goes on inside. */
export const TUNNEL_SNIFF_BYTES = 4096;

/** Called once per transaction, in transDepth order per connection; `completionPacketIndex` = packet that completed it. */
export type TransactionSink = (record: TransactionRecord, completionPacketIndex: number) => void;

/** Every event name this module counts (for summaries and docs). */
export const HTTP_EVENT_NAMES = [
  'http.parse_error', // + `http.parse_error.<llhttp error name>`, e.g. http.parse_error.invalid_method
  'http.gap_in_body',
  'http.gap_in_headers',
  'http.gap_between_messages',
  'http.resync',
  'http.resync_skipped_bytes',
  'http.midstream_skipped_bytes',
  'http.body_sample_truncated',
  'http.header_cap',
  'http.pending_cap',
  'http.held_cap',
  'http.unanswered_request',
  'http.response_without_request',
  'http.decompress_error',
  'http.bytes_after_upgrade',
  'http.bytes_after_end',
  'http.direction_swapped',
  'http.content_length_and_transfer_encoding',
  'http.content_length_overflow', // request Content-Length > 2^53: taken as no body
  'http.response_lost', // a request's response was unreadable (see transaction-pairer.ts): emitted unanswered
  'http.connect_tunnel_http', // plain HTTP inside an accepted CONNECT: parsing went on
] as const;

/** Validate once, fill defaults, freeze. Throws UsageError (ERR_USAGE) for a bad value. */
export function resolveHttpOptions(o: HttpOptions = {}): ResolvedHttpOptions {
  const int = (name: string, v: number | undefined, dflt: number, min: number): number => {
    if (v === undefined) return dflt;
    if (!Number.isInteger(v) || v < min) throw new UsageError(`http option ${name} must be an integer >= ${min} (got ${v})`);
    return v;
  };
  return Object.freeze({
    maxBodySampleBytes: int('maxBodySampleBytes', o.maxBodySampleBytes, 65536, 0),
    maxHeaderBytes: int('maxHeaderBytes', o.maxHeaderBytes, 65536, 256),
    maxPendingRequests: int('maxPendingRequests', o.maxPendingRequests, 64, 1),
    decodeBodies: o.decodeBodies ?? true,
    keepDetail: o.keepDetail ?? true,
  });
}

export function createHttpHandlerFactory(
  options: HttpOptions,
  events: EventCounter,
  sink: TransactionSink,
): ConnectionHandlerFactory {
  const opts = resolveHttpOptions(options);
  return (info) => new HttpConnection(info, opts, events, sink);
}

/** One connection's HTTP state (see file comment). */
export class HttpConnection implements ConnectionHandler, HttpStreamOwner {
  readonly #parsers: readonly [HttpStreamParser, HttpStreamParser];
  readonly #pairer: TransactionPairer;
  readonly #events: EventCounter;
  readonly #sink: TransactionSink;
  readonly #build: BuildContext;
  #clientDir: -1 | FlowDirection = -1;
  #packetIndex = 0;
  #resumePending = false;
  #stopPending = false;
  #tunnelPending = false;
  /** A 2xx answered CONNECT; the tunnel's content is not yet judged (#decideTunnel). */
  #connectAccepted = false;
  #closed = false;
  /** Per direction: stream offset of the next byte (delivered + gap bytes). */
  readonly #offset: [number, number] = [0, 0];
  /** Per direction: offset and peerAckOffset of the latest onData chunk. */
  readonly #chunkOffset: [number, number] = [0, 0];
  readonly #chunkAck: [number, number] = [-1, -1];
  /** Per direction: the announced message not yet ended. */
  readonly #open: [HttpMessage | null, HttpMessage | null] = [null, null];
  /** Per direction: start of bytes lost since the last message ended (-1: none). */
  readonly #lostFrom: [number, number] = [-1, -1];
  /** During onGap: its direction (-1 none), start offset, open message's body length at its start, where a message ended inside it. */
  #gapDir = -1;
  #gapStart = 0;
  #gapBody0 = 0;
  #gapEndedAt = -1;

  constructor(info: TcpConnectionInfo, opts: ResolvedHttpOptions, events: EventCounter, sink: TransactionSink) {
    this.#events = events;
    this.#sink = sink;
    this.#build = {
      info,
      clientIsOriginator: true,
      decodeBodies: opts.decodeBodies,
      maxBodySampleBytes: opts.maxBodySampleBytes,
      keepDetail: opts.keepDetail,
      events,
    };
    const limits = {
      maxHeaderBytes: opts.maxHeaderBytes,
      maxBodySampleBytes: opts.maxBodySampleBytes,
      keepDetail: opts.keepDetail,
      decodeBodies: opts.decodeBodies,
    };
    this.#parsers = [
      new HttpStreamParser(0, this, events, limits, info.midstream),
      new HttpStreamParser(1, this, events, limits, info.midstream),
    ];
    this.#pairer = new TransactionPairer(events, opts.maxPendingRequests, (txn) => this.#emit(txn));
  }

  // ── ConnectionHandler ──────────────────────────────────────────────────

  onData(dir: FlowDirection, bytes: Uint8Array, ctx: PacketContext): void {
    if (this.#closed) return;
    this.#packetIndex = ctx.packetIndex;
    this.#chunkOffset[dir] = this.#offset[dir];
    this.#chunkAck[dir] = ctx.peerAckOffset;
    this.#offset[dir] += bytes.length;
    this.#parsers[dir].data(bytes, ctx.tsSec, ctx.tsNsec);
    this.#runDeferred();
  }

  onGap(dir: FlowDirection, length: number, ctx: PacketContext): void {
    if (this.#closed) return;
    this.#packetIndex = ctx.packetIndex;
    const start = this.#offset[dir];
    this.#offset[dir] = start + length;
    this.#gapDir = dir;
    this.#gapStart = start;
    this.#gapBody0 = this.#open[dir]?.bodyLength ?? 0;
    this.#gapEndedAt = -1;
    try {
      this.#parsers[dir].gap(length);
    } finally {
      this.#gapDir = -1;
    }
    if (this.#open[dir] === null && this.#lostFrom[dir] < 0) {
      // no message spans the gap's end: bytes between messages were lost
      const from = this.#gapEndedAt >= 0 ? this.#gapEndedAt : start;
      if (from < start + length) this.#lostFrom[dir] = from;
    }
    this.#runDeferred();
  }

  onEnd(dir: FlowDirection, ctx: PacketContext): void {
    if (this.#closed) return;
    this.#packetIndex = ctx.packetIndex;
    this.#parsers[dir].end();
    this.#runDeferred();
  }

  onClose(_reason: CloseReason, ctx: PacketContext): void {
    if (this.#closed) return;
    this.#packetIndex = ctx.packetIndex;
    this.#runDeferred();
    this.#parsers[0].close();
    this.#parsers[1].close();
    this.#closed = true;
    this.#pairer.flush();
  }

  // ── HttpStreamOwner ────────────────────────────────────────────────────

  expectedKind(dir: FlowDirection): MessageKind {
    if (this.#clientDir < 0) return MessageKind.NONE;
    return dir === this.#clientDir ? MessageKind.REQUEST : MessageKind.RESPONSE;
  }

  claimKind(dir: FlowDirection, kind: MessageKind): MessageKind {
    if (this.#clientDir < 0) {
      this.#clientDir = kind === MessageKind.REQUEST ? dir : dir === 0 ? 1 : 0;
      this.#build.clientIsOriginator = this.#clientDir === 0;
      if (this.#clientDir === 1) this.#events.add('http.direction_swapped');
    }
    return this.expectedKind(dir);
  }

  messageStarted(msg: HttpMessage): void {
    const dir = this.#dirOf(msg);
    this.#open[dir] = msg;
    if (msg.isRequest) this.#pairer.requestStarted(msg, this.#chunkAck[dir]);
    else this.#pairer.responseStarted(msg, this.#chunkOffset[dir], this.#lostFrom[dir]);
    this.#lostFrom[dir] = -1;
  }

  headersComplete(msg: HttpMessage): number {
    if (msg.isRequest) return HeadersCompleteResult.BODY;
    const txn = msg.txn as PendingTransaction;
    const status = msg.status ?? 0;
    if (status >= 100 && status < 200 && status !== 101) {
      msg.interim = true;
      txn.informational.push(status);
      return HeadersCompleteResult.BODY;
    }
    const method = txn.request?.method ?? null;
    let ret: number = HeadersCompleteResult.BODY;
    if (status === 101) {
      txn.upgrade = true;
      ret = HeadersCompleteResult.UPGRADE;
    } else if (method?.toUpperCase() === 'CONNECT' && status >= 200 && status < 300) {
      txn.connect = true;
      this.#connectAccepted = true;
      ret = HeadersCompleteResult.UPGRADE;
    } else if (method === 'HEAD') {
      ret = HeadersCompleteResult.SKIP_BODY;
    }
    this.#pairer.responseFinal(msg);
    if (ret !== HeadersCompleteResult.UPGRADE && txn.request?.upgradeRequested && this.#clientParser()?.held) {
      this.#resumePending = true;
    }
    return ret;
  }

  messageEnded(msg: HttpMessage): void {
    const dir = this.#dirOf(msg);
    if (this.#open[dir] === msg) {
      this.#open[dir] = null;
      // a Content-Length body completed by the gap's zero fill: the message ends inside the gap
      if (this.#gapDir === dir && !msg.incomplete) this.#gapEndedAt = this.#gapStart + (msg.bodyLength - this.#gapBody0);
    }
    this.#pairer.messageEnded(msg);
  }

  upgradePaused(dir: FlowDirection): void {
    if (dir !== this.#clientDir) {
      if (this.#connectAccepted) this.#tunnelPending = true;
      else this.#stopPending = true;
      return;
    }
    const txn = this.#pairer.lastRequestTxn();
    if (txn?.response?.headersDone) {
      if (txn.upgrade) this.#stopPending = true;
      else if (txn.connect) this.#tunnelPending = true;
      else this.#resumePending = true;
    }
  }

  bytesSkipped(dir: FlowDirection, tsSec: number, tsNsec: number): void {
    if (this.expectedKind(dir) === MessageKind.RESPONSE) this.#pairer.responseBytesSkipped(tsSec, tsNsec);
  }

  heldData(dir: FlowDirection): void {
    if (dir === this.#clientDir && this.#connectAccepted) this.#tunnelPending = true;
  }

  // ── internals ──────────────────────────────────────────────────────────

  /** Direction `msg` travels on (roles are fixed once a message exists). */
  #dirOf(msg: HttpMessage): FlowDirection {
    const client = this.#clientDir === 1 ? 1 : 0;
    return msg.isRequest ? client : client === 0 ? 1 : 0;
  }

  #clientParser(): HttpStreamParser | null {
    const d = this.#clientDir;
    return d === -1 ? null : this.#parsers[d];
  }

  /**
   * CONNECT accepted (2xx): like Suricata, go on parsing HTTP when the
   * client's first tunneled bytes are a plain request line (a proxy that
   * forwards HTTP); stop for anything else (TLS). Waits for the first line
   * (at most TUNNEL_SNIFF_BYTES) while both parsers hold their bytes.
   */
  #decideTunnel(): void {
    const client = this.#clientParser();
    const server = this.#parsers[this.#clientDir === 0 ? 1 : 0];
    if (client === null || !client.held || !server.held) return; // both must have paused
    const head = client.peekHeld(TUNNEL_SNIFF_BYTES);
    if (head.length === 0) return;
    const lf = head.indexOf(0x0a);
    if (lf < 0 && head.length < TUNNEL_SNIFF_BYTES && head.every((c) => c >= 0x20 && c < 0x7f)) return; // wait for the line
    if (lf >= 0 && classifyStartLine(head, 0, lf) === MessageKind.REQUEST) {
      this.#events.add('http.connect_tunnel_http');
      this.#connectAccepted = false;
      client.resumeAfterUpgrade();
      server.resumeAfterUpgrade();
    } else {
      this.#connectAccepted = false;
      this.#stopPending = true;
    }
  }

  #runDeferred(): void {
    if (this.#tunnelPending) {
      this.#tunnelPending = false;
      this.#decideTunnel();
    }
    while (this.#stopPending || this.#resumePending) {
      if (this.#stopPending) {
        this.#stopPending = false;
        this.#resumePending = false;
        this.#parsers[0].stop();
        this.#parsers[1].stop();
      } else {
        this.#resumePending = false;
        this.#clientParser()?.resumeAfterUpgrade();
      }
    }
  }

  #emit(txn: PendingTransaction): void {
    this.#sink(buildTransactionRecord(txn, this.#build), this.#packetIndex);
  }
}
