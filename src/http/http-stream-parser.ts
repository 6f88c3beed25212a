/**
 * HTTP/1.x parsing of ONE direction of a connection: llhttp plus the states a
 * passive observer needs around it.
 *
 *   START ──first bytes──► PARSE ◄──plausible start line── SYNC ◄─┐
 *     │ (midstream)          │  gap in headers / chunked body,    │
 *     └──────────────────────┼─ parse error ─────────────────────┘
 *                            ├─ PAUSED_UPGRADE ─► HELD ─► PARSE (resume) | STOPPED
 *                            └─ FIN ─► ENDED
 *
 * START (connection seen from its handshake): the first bytes decide the kind
 * when the connection's roles are still open: `HTTP/` → responses, anything
 * else → requests (llhttp then reports garbage as a parse error).
 * SYNC: skip to the next plausible request/status line (start-line.ts),
 * counting `http.midstream_skipped_bytes` or `http.resync_skipped_bytes`.
 * HELD: after a CONNECT / Upgrade request, bytes wait (at most HELD_CAP) until
 * the owner knows whether the server accepted (STOPPED) or not (resume).
 * MESSAGE START (inside PARSE, between messages): llhttp pauses at every
 * message end; we parse each request line ourselves (request-line.ts: unknown
 * and lower-case methods, `HTTP/1.`, no version, spaces in the target) and
 * give llhttp a normalized line, and accept `http/` status lines.
 *
 * Owner calls happen inside llhttp callbacks: the owner must not call
 * `data()`/`gap()`/`end()`/`resumeAfterUpgrade()` from them (see Llhttp).
 */
import type { EventCounter } from '../stats/event-counter.js';
import type { FlowDirection } from '../reassembly/connection-handler.js';
import { CONTENT_LENGTH_OVERFLOW, HeaderCollector } from './header-collector.js';
import { framingOf, HttpMessage } from './http-message.js';
import { HeldBytes } from './held-bytes.js';
import { CALLBACK_PAUSE, HeadersCompleteResult, Llhttp, LlhttpError, LlhttpType, llhttpErrorName, llhttpMethodName } from './llhttp.js';
import type { LlhttpCallbacks } from './llhttp.js';
import { MessageKind, HTTP_SLASH } from './start-line.js';
import { StartLineScanner } from './start-line-scanner.js';
import { isTchar, LLHTTP_LINE_BYTES, parseRequestLine, RequestLineParts, writeLlhttpRequestLine } from './request-line.js';

/** Bytes kept while an upgrade/CONNECT request waits for its response. */
export const HELD_CAP = 64 * 1024;

/** What the parser tells its connection. */
export interface HttpStreamOwner {
  /** Kind this direction must parse; NONE while the connection's roles are open. */
  expectedKind(dir: FlowDirection): MessageKind;
  /** First start line of `kind` found on `dir`: fixes the roles if still open; returns the kind to parse. */
  claimKind(dir: FlowDirection, kind: MessageKind): MessageKind;
  /** The start line of `msg` is known (method / status code set; strings come at headers end). */
  messageStarted(msg: HttpMessage): void;
  /** End of the header section; returns a HeadersCompleteResult code. */
  headersComplete(msg: HttpMessage): number;
  /** `msg` is complete, or abandoned (`msg.incomplete`). */
  messageEnded(msg: HttpMessage): void;
  /** The parser stopped at an upgrade / CONNECT boundary (state HELD). */
  upgradePaused(dir: FlowDirection): void;
  /** SYNC skipped bytes of `dir` that arrived at packet time tsSec.tsNsec (not part of any parsed message). */
  bytesSkipped(dir: FlowDirection, tsSec: number, tsNsec: number): void;
  /** More bytes were held on `dir` (state HELD). */
  heldData(dir: FlowDirection): void;
}

export interface StreamParserLimits {
  maxHeaderBytes: number;
  maxBodySampleBytes: number;
  /**
   * Build each message's header list and keep its body sample bytes. When
   * false (nobody reads them), the header list stays empty and a body is only
   * counted (no copy) unless it will be content-decoded (`decodeBodies` and a
   * Content-Encoding); lengths, truncation flags and events are unchanged.
   * Default true.
   */
  keepDetail?: boolean;
  decodeBodies?: boolean;
}

const State = { START: 0, SYNC: 1, PARSE: 2, HELD: 3, STOPPED: 4, ENDED: 5 } as const;
type State = (typeof State)[keyof typeof State];
const Phase = { IDLE: 0, HEADERS: 1, BODY: 2 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

/** Zero bytes fed to llhttp to step over a gap inside a body of known framing. */
const ZEROS = new Uint8Array(64 * 1024);
const CR = 0x0d;
const LF = 0x0a;
/** `http/` lower case: status lines are matched case-insensitively (`c | 0x20`). */
const HTTP_LOWER = Uint8Array.of(0x68, 0x74, 0x74, 0x70, 0x2f);

export class HttpStreamParser implements LlhttpCallbacks {
  readonly dir: FlowDirection;
  readonly #owner: HttpStreamOwner;
  readonly #events: EventCounter;
  readonly #limits: StreamParserLimits;
  readonly #llhttp = Llhttp.get();
  #ptr = 0;
  #kind: MessageKind = MessageKind.NONE;
  #state: State;
  #phase: Phase = Phase.IDLE;
  /** SYNC was entered for midstream pickup (true) or resync (false). */
  #midstreamSync: boolean;
  readonly #scanner: StartLineScanner;
  readonly #headers: HeaderCollector;
  #msg: HttpMessage | null = null;
  #announced = false;
  /** Packet time of the bytes being executed. */
  #tsSec = 0;
  #tsNsec = 0;
  /** Feeding ZEROS for a gap: count body bytes, do not sample. */
  #gapFill = false;
  /** START: up to 5 first bytes when they could still begin `HTTP/`. */
  readonly #startBuf = new Uint8Array(5);
  #startLen = 0;
  readonly #held: HeldBytes;
  /**
   * Start line being collected (MESSAGE START, see `#startLine`): a request
   * line up to its LF (at most maxHeaderBytes), or the first 5 bytes of a
   * status line. Copied; `#lineTs*` = time of its first byte.
   */
  #line = new Uint8Array(256);
  #lineLen = 0;
  #lineTsSec = 0;
  #lineTsNsec = 0;
  readonly #parts = new RequestLineParts();
  /** The normalized request line given to llhttp (reused). */
  readonly #llhttpLine = new Uint8Array(LLHTTP_LINE_BYTES);
  /** Parsed request line of the current request (method / version as sent); null for responses. */
  #reqMethod: string | null = null;
  #reqVersion: string | null = null;
  /** Feeding the normalized request line: ignore llhttp's URL. */
  #synthetic = false;
  /** The current response began with `HTTP/` (else llhttp's status code is stale). */
  #statusPrefixOk = false;
  /** Inside `execute()` (not `finish()`): onMessageComplete may pause llhttp. */
  #inExecute = false;

  constructor(
    dir: FlowDirection,
    owner: HttpStreamOwner,
    events: EventCounter,
    limits: StreamParserLimits,
    midstream: boolean,
  ) {
    this.dir = dir;
    this.#owner = owner;
    this.#events = events;
    this.#limits = limits;
    this.#scanner = new StartLineScanner(limits.maxHeaderBytes);
    this.#headers = new HeaderCollector(limits.maxHeaderBytes, limits.keepDetail ?? true);
    this.#held = new HeldBytes(HELD_CAP, events);
    this.#state = midstream ? State.SYNC : State.START;
    this.#midstreamSync = midstream;
  }

  get held(): boolean {
    return this.#state === State.HELD;
  }

  /** Copy of the first `max` held bytes (HELD state; see HeldBytes.peek). */
  peekHeld(max: number): Uint8Array {
    return this.#held.peek(max);
  }

  /** In-order bytes of this direction; `bytes` is valid only during the call. */
  data(bytes: Uint8Array, tsSec: number, tsNsec: number): void {
    let off = 0;
    while (off < bytes.length) {
      switch (this.#state) {
        case State.START:
          off = this.#start(bytes, off, tsSec, tsNsec);
          break;
        case State.SYNC: {
          const accept = this.#owner.expectedKind(this.dir);
          const at = this.#scanner.scan(off === 0 ? bytes : bytes.subarray(off), tsSec, tsNsec, accept);
          if (this.#countSkipped() > 0) this.#owner.bytesSkipped(this.dir, tsSec, tsNsec);
          if (at < 0) return;
          this.#beginParse(this.#owner.claimKind(this.dir, this.#scanner.foundKind));
          const carry = this.#scanner.takeCarry();
          if (carry.length > 0) this.data(carry, this.#scanner.carryTsSec, this.#scanner.carryTsNsec);
          off += at;
          break;
        }
        case State.PARSE:
          off =
            this.#phase === Phase.IDLE
              ? this.#startLine(bytes, off, tsSec, tsNsec)
              : this.#execute(bytes, off, tsSec, tsNsec);
          break;
        case State.HELD:
          this.#held.add(bytes.subarray(off));
          this.#owner.heldData(this.dir);
          return;
        case State.STOPPED:
          this.#events.add('http.bytes_after_upgrade', bytes.length - off);
          return;
        case State.ENDED:
          this.#events.add('http.bytes_after_end', bytes.length - off);
          return;
      }
    }
  }

  /** `length` bytes of this direction were lost. */
  gap(length: number): void {
    switch (this.#state) {
      case State.START:
        this.#startLen = 0;
        this.#enterSync(false);
        return;
      case State.SYNC:
        this.#scanner.reset();
        this.#countSkipped();
        return;
      case State.HELD:
        this.#held.lost = true;
        return;
      case State.PARSE:
        break;
      default:
        return;
    }
    const msg = this.#msg;
    if (this.#phase === Phase.IDLE || msg === null) {
      this.#events.add('http.gap_between_messages');
      this.#enterSync(true);
      return;
    }
    if (this.#phase === Phase.HEADERS) {
      this.#events.add('http.gap_in_headers');
      msg.gap = true;
      this.#abandon();
      this.#enterSync(true);
      return;
    }
    this.#events.add('http.gap_in_body');
    msg.gap = true;
    msg.sample.stop();
    if (msg.framing === 'chunked') {
      this.#abandon();
      this.#enterSync(true);
      return;
    }
    // Content-Length or close-delimited: llhttp only counts body bytes, so step over the gap with zeros.
    let fill = msg.framing === 'length' ? Math.min(length, msg.contentLengthValue - msg.bodyLength) : length;
    const rest = length - fill;
    this.#gapFill = true;
    while (fill > 0 && this.#state === State.PARSE) {
      const n = Math.min(fill, ZEROS.length);
      this.#execute(ZEROS.subarray(0, n), 0, this.#tsSec, this.#tsNsec);
      fill -= n;
    }
    this.#gapFill = false;
    if (rest > 0 && this.#state === State.PARSE) {
      this.#events.add('http.gap_between_messages');
      this.#enterSync(true);
    }
  }

  /** FIN: this direction finished. Completes a close-delimited body; abandons a partial message. */
  end(): void {
    switch (this.#state) {
      case State.PARSE: {
        if (this.#lineLen > 0 && this.#kind === MessageKind.REQUEST && this.#phase === Phase.IDLE) {
          // a request line cut by FIN: parse what we have as the whole line
          this.#requestLine(this.#line, 0, this.#lineLen);
          if (this.#state !== State.PARSE) break;
        }
        this.#lineLen = 0;
        const errno = this.#llhttp.finish(this.#ptr);
        if (errno !== LlhttpError.OK && this.#msg !== null) this.#abandon();
        break;
      }
      case State.START:
      case State.SYNC:
        this.#scanner.reset();
        this.#countSkipped();
        break;
      default:
        return; // HELD waits for the owner's decision; STOPPED / ENDED stay
    }
    this.#state = State.ENDED;
  }

  /** The server refused the upgrade / CONNECT: parse the held bytes as HTTP again. */
  resumeAfterUpgrade(): void {
    if (this.#state !== State.HELD) return;
    const lost = this.#held.lost;
    const held = this.#held.take();
    this.#llhttp.resumeAfterUpgrade(this.#ptr);
    this.#state = State.PARSE;
    for (const chunk of held) this.data(chunk, this.#tsSec, this.#tsNsec);
    if (lost) this.gap(0);
  }

  /** HTTP is over on this direction (upgrade / CONNECT accepted): abandon any message; count later bytes. */
  stop(): void {
    if (this.#state === State.STOPPED) return;
    if (this.#msg !== null) this.#abandon();
    this.#events.add('http.bytes_after_upgrade', this.#held.length);
    this.#held.take();
    this.#state = State.STOPPED;
  }

  /** Connection closed: end, abandon whatever is partial, free the llhttp parser. */
  close(): void {
    if (this.#state !== State.ENDED && this.#state !== State.STOPPED) this.end();
    if (this.#msg !== null) this.#abandon();
    if (this.#held.length > 0) this.#events.add('http.bytes_after_upgrade', this.#held.length);
    this.#held.take();
    if (this.#ptr !== 0) this.#llhttp.free(this.#ptr);
    this.#ptr = 0;
    this.#state = State.ENDED;
  }

  // ── states ─────────────────────────────────────────────────────────────

  #start(bytes: Uint8Array, off: number, tsSec: number, tsNsec: number): number {
    let kind = this.#owner.expectedKind(this.dir);
    if (kind === MessageKind.NONE) {
      // Collect up to 5 bytes while they still match `HTTP/`.
      while (this.#startLen < 5 && off < bytes.length && bytes[off] === HTTP_SLASH[this.#startLen]) {
        this.#startBuf[this.#startLen++] = bytes[off++]!;
      }
      if (this.#startLen < 5 && off === bytes.length) return off; // undecided, all bytes buffered
      // The responder's bytes that cannot start a request (an HTTP/0.9 reply, `<html>`) do not make it the client.
      const first = this.#startLen > 0 ? this.#startBuf[0]! : bytes[off]!;
      const response = this.#startLen === 5 || (this.dir === 1 && !isTchar(first));
      kind = this.#owner.claimKind(this.dir, response ? MessageKind.RESPONSE : MessageKind.REQUEST);
    }
    this.#beginParse(kind);
    if (this.#startLen > 0) {
      const first = this.#startBuf.slice(0, this.#startLen);
      this.#startLen = 0;
      this.data(first, tsSec, tsNsec);
    }
    return off;
  }

  #beginParse(kind: MessageKind): void {
    if (this.#ptr === 0 || kind !== this.#kind) {
      if (this.#ptr !== 0) this.#llhttp.free(this.#ptr);
      this.#ptr = this.#llhttp.alloc(kind === MessageKind.RESPONSE ? LlhttpType.RESPONSE : LlhttpType.REQUEST, this);
      this.#kind = kind;
    } else {
      this.#llhttp.reset(this.#ptr);
    }
    this.#state = State.PARSE;
    this.#phase = Phase.IDLE;
    this.#lineLen = 0;
  }

  /** Stop parsing; look for the next start line. `resync`: count an `http.resync`. */
  #enterSync(resync: boolean): void {
    if (this.#msg !== null) this.#abandon();
    if (resync) this.#events.add('http.resync');
    this.#state = State.SYNC;
    this.#midstreamSync = false;
    this.#scanner.reset();
    this.#lineLen = 0;
  }

  // ── message start ──────────────────────────────────────────────────────

  /**
   * PARSE between messages. Requests: collect the request line, parse it
   * leniently (request-line.ts) and give llhttp a normalized line; the bytes
   * after it go to llhttp as they are. Responses: collect `HTTP/`
   * (case-insensitive) and give llhttp `HTTP/`. Bytes that cannot start a
   * message go straight to llhttp, which reports the error. Blank lines
   * between messages are skipped (as llhttp does). Returns the next offset.
   */
  #startLine(bytes: Uint8Array, off: number, tsSec: number, tsNsec: number): number {
    const n = bytes.length;
    if (this.#lineLen === 0) {
      while (off < n && (bytes[off] === CR || bytes[off] === LF)) off++;
      if (off === n) return n;
      this.#lineTsSec = tsSec;
      this.#lineTsNsec = tsNsec;
    }
    return this.#kind === MessageKind.RESPONSE ? this.#statusPrefix(bytes, off) : this.#requestStart(bytes, off);
  }

  #requestStart(bytes: Uint8Array, off: number): number {
    if (this.#lineLen === 0 && !isTchar(bytes[off]!)) return this.#execute(bytes, off, this.#lineTsSec, this.#lineTsNsec);
    const lf = bytes.indexOf(LF, off);
    const to = lf < 0 ? bytes.length : lf + 1;
    if (this.#lineLen === 0 && lf >= 0) {
      this.#requestLine(bytes, off, lf);
      return this.#state === State.PARSE ? to : this.#afterRefusedLine(bytes, off, to, false);
    }
    if (this.#lineLen + (to - off) > this.#limits.maxHeaderBytes) {
      // longer than the header cap: let llhttp take it as it is (the URL is then truncated)
      const carried = this.#line.slice(0, this.#lineLen);
      this.#lineLen = 0;
      this.#execute(carried, 0, this.#lineTsSec, this.#lineTsNsec);
      return this.#state === State.PARSE ? this.#execute(bytes, off, this.#lineTsSec, this.#lineTsNsec) : off;
    }
    this.#appendLine(bytes, off, to);
    if (lf < 0) return to;
    const len = this.#lineLen;
    this.#lineLen = 0;
    this.#requestLine(this.#line, 0, len - 1);
    if (this.#state !== State.PARSE) this.#afterRefusedLine(this.#line.slice(0, len), 0, len, true);
    return to;
  }

  /**
   * A refused request line (state is now SYNC): rescan from its second byte.
   * `carried`: the line is a copy (it began in an earlier chunk) that is
   * rescanned whole, then the caller continues after it.
   */
  #afterRefusedLine(bytes: Uint8Array, start: number, end: number, carried: boolean): number {
    this.#scanner.addSkipped(1);
    if (!carried) return start + 1;
    if (end > start + 1) this.data(bytes.subarray(start + 1, end), this.#lineTsSec, this.#lineTsNsec);
    return end;
  }

  /** Parse the request line `buf[start..end)` (no LF); feed llhttp its normalized form, or enter SYNC. */
  #requestLine(buf: Uint8Array, start: number, end: number): void {
    const p = this.#parts;
    if (!parseRequestLine(buf, start, end, p)) {
      this.#events.add('http.parse_error');
      this.#events.add(`http.parse_error.${p.error}`);
      this.#enterSync(true);
      return;
    }
    this.#reqMethod = p.method;
    this.#reqVersion = p.version;
    const len = writeLlhttpRequestLine(p, this.#llhttpLine);
    this.#synthetic = true;
    try {
      this.#execute(this.#llhttpLine.subarray(0, len), 0, this.#lineTsSec, this.#lineTsNsec);
    } finally {
      this.#synthetic = false;
    }
    if (this.#state === State.PARSE && this.#msg !== null) {
      if (!this.#announced) this.#announce(this.#msg);
      this.#capHit(this.#headers.url(buf, p.targetStart, p.targetEnd - p.targetStart));
    }
  }

  /** Collect up to 5 bytes matching `http/` (any case), then give llhttp `HTTP/` and the rest. */
  #statusPrefix(bytes: Uint8Array, off: number): number {
    const n = bytes.length;
    while (this.#lineLen < 5 && off < n && (bytes[off]! | 0x20) === HTTP_LOWER[this.#lineLen]) this.#line[this.#lineLen++] = bytes[off++]!;
    if (this.#lineLen < 5 && off === n) return n;
    const len = this.#lineLen;
    this.#lineLen = 0;
    this.#statusPrefixOk = len === 5;
    if (len === 5) {
      this.#execute(HTTP_SLASH, 0, this.#lineTsSec, this.#lineTsNsec);
    } else if (len > 0) {
      this.#execute(this.#line.slice(0, len), 0, this.#lineTsSec, this.#lineTsNsec);
    } else {
      return this.#execute(bytes, off, this.#lineTsSec, this.#lineTsNsec);
    }
    return off;
  }

  /** Append `bytes[from..to)` to the start-line buffer (the caller checked the cap). */
  #appendLine(bytes: Uint8Array, from: number, to: number): void {
    const need = this.#lineLen + (to - from);
    if (need > this.#line.length) {
      const grown = new Uint8Array(Math.max(need, 2 * this.#line.length));
      grown.set(this.#line.subarray(0, this.#lineLen));
      this.#line = grown;
    }
    this.#line.set(bytes.subarray(from, to), this.#lineLen);
    this.#lineLen = need;
  }

  #execute(bytes: Uint8Array, off: number, tsSec: number, tsNsec: number): number {
    this.#tsSec = tsSec;
    this.#tsNsec = tsNsec;
    const view = off === 0 ? bytes : bytes.subarray(off);
    this.#inExecute = true;
    let r;
    try {
      r = this.#llhttp.execute(this.#ptr, view);
    } finally {
      this.#inExecute = false;
    }
    if (r.errno === LlhttpError.OK) return bytes.length;
    const at = off + r.errorOffset;
    if (r.errno === LlhttpError.PAUSED) {
      // onMessageComplete paused: the next message starts at `at` (MESSAGE START)
      this.#llhttp.resume(this.#ptr);
      return at;
    }
    if (r.errno === LlhttpError.PAUSED_UPGRADE) {
      this.#state = State.HELD;
      this.#held.add(bytes.subarray(at));
      this.#owner.upgradePaused(this.dir);
      return bytes.length;
    }
    this.#events.add('http.parse_error');
    this.#events.add(`http.parse_error.${llhttpErrorName(r.errno)}`);
    if (this.#msg !== null) {
      this.#msg.parseError = true;
      this.#abandon();
    }
    this.#enterSync(true);
    // Resume scanning one byte on, so a start line llhttp rejected at its first byte cannot loop.
    if (at < bytes.length) {
      this.#scanner.addSkipped(1);
      return at + 1;
    }
    return at;
  }

  /** Count the scanner's skipped bytes; returns how many. */
  #countSkipped(): number {
    const n = this.#scanner.takeSkipped();
    if (n > 0) this.#events.add(this.#midstreamSync ? 'http.midstream_skipped_bytes' : 'http.resync_skipped_bytes', n);
    return n;
  }

  /** End the current message early (flags already set by the caller). */
  #abandon(): void {
    const msg = this.#msg;
    this.#msg = null;
    this.#phase = Phase.IDLE;
    if (msg === null) return;
    msg.incomplete = true;
    if (!msg.headersDone) {
      // llhttp keeps the previous message's status code until a new one is parsed
      const status = msg.isRequest || !this.#statusPrefixOk ? 0 : this.#llhttp.statusCode(this.#ptr);
      if (!this.#announced && (msg.isRequest ? this.#headers.urlSeen : status >= 100)) this.#announce(msg);
      if (!this.#announced) return; // not even a start line: nothing to report
      this.#headers.fill(msg);
      if (msg.headersTruncated) this.#events.add('http.header_cap');
    }
    msg.done = true;
    this.#owner.messageEnded(msg);
  }

  #announce(msg: HttpMessage): void {
    this.#announced = true;
    if (msg.isRequest) {
      msg.method = this.#reqMethod ?? llhttpMethodName(this.#llhttp.method(this.#ptr));
      if (this.#reqVersion !== null) msg.httpVersion = this.#reqVersion;
    } else {
      msg.status = this.#llhttp.statusCode(this.#ptr);
      msg.httpVersion = `${this.#llhttp.httpMajor(this.#ptr)}.${this.#llhttp.httpMinor(this.#ptr)}`;
    }
    this.#owner.messageStarted(msg);
  }

  #capHit(hit: boolean): number {
    if (hit && this.#msg !== null) this.#msg.headersTruncated = true;
    return 0;
  }

  // ── llhttp callbacks ───────────────────────────────────────────────────

  onMessageBegin(): number {
    if (!this.#synthetic) this.#reqMethod = this.#reqVersion = null;
    const msg = new HttpMessage(this.#kind === MessageKind.REQUEST, this.#limits.maxBodySampleBytes);
    msg.tsSec = this.#tsSec;
    msg.tsNsec = this.#tsNsec;
    this.#msg = msg;
    this.#announced = false;
    this.#phase = Phase.HEADERS;
    this.#headers.clear();
    return 0;
  }

  onUrl(buf: Uint8Array, off: number, len: number): number {
    const msg = this.#msg;
    if (msg === null) return 0;
    if (!this.#announced) this.#announce(msg);
    if (this.#synthetic) return 0; // the real target is recorded by #requestLine
    return this.#capHit(this.#headers.url(buf, off, len));
  }

  onStatus(buf: Uint8Array, off: number, len: number): number {
    const msg = this.#msg;
    if (msg === null) return 0;
    if (!this.#announced) this.#announce(msg);
    return this.#capHit(this.#headers.reason(buf, off, len));
  }

  onHeaderField(buf: Uint8Array, off: number, len: number): number {
    const msg = this.#msg;
    if (msg === null || this.#phase !== Phase.HEADERS) return 0; // trailers are not kept
    if (!this.#announced) this.#announce(msg);
    return this.#capHit(this.#headers.field(buf, off, len));
  }

  onHeaderValue(buf: Uint8Array, off: number, len: number): number {
    if (this.#msg === null || this.#phase !== Phase.HEADERS) return 0;
    return this.#capHit(this.#headers.value(buf, off, len));
  }

  onHeadersComplete(statusCode: number, upgrade: boolean): number {
    const msg = this.#msg;
    if (msg === null) return 0;
    if (!this.#announced) this.#announce(msg);
    if (!msg.isRequest) msg.status = statusCode;
    msg.httpVersion = (msg.isRequest ? this.#reqVersion : null) ?? `${this.#llhttp.httpMajor(this.#ptr)}.${this.#llhttp.httpMinor(this.#ptr)}`;
    msg.upgradeRequested = msg.isRequest && upgrade;
    this.#headers.fill(msg);
    if (msg.headersTruncated) this.#events.add('http.header_cap');
    if (msg.contentLength !== null && msg.transferEncoding !== null) {
      this.#events.add('http.content_length_and_transfer_encoding');
    }
    msg.headersDone = true;
    let ret = this.#owner.headersComplete(msg);
    if (msg.isRequest && msg.contentLengthValue === CONTENT_LENGTH_OVERFLOW && msg.transferEncoding === null) {
      // Content-Length beyond 2^53 (e.g. UINT64_MAX): no server reads that; like Zeek, take no body and parse on
      this.#events.add('http.content_length_overflow');
      ret = HeadersCompleteResult.SKIP_BODY;
    }
    msg.framing = framingOf(msg, ret);
    if (!(this.#limits.keepDetail ?? true) && !((this.#limits.decodeBodies ?? true) && msg.contentEncoding !== null)) {
      msg.sample.countOnly();
    }
    if (msg.framing === 'length') msg.sample.hint(msg.contentLengthValue);
    this.#phase = Phase.BODY;
    return ret;
  }

  onBody(buf: Uint8Array, off: number, len: number): number {
    const msg = this.#msg;
    if (msg === null) return 0;
    msg.bodyLength += len;
    if (!this.#gapFill && msg.sample.append(buf, off, len)) this.#events.add('http.body_sample_truncated');
    return 0;
  }

  onMessageComplete(): number {
    const msg = this.#msg;
    this.#msg = null;
    this.#phase = Phase.IDLE;
    if (msg === null) return 0;
    msg.done = true;
    this.#owner.messageEnded(msg);
    // Pause so that the next message goes through #startLine (not after CONNECT / Upgrade: llhttp pauses itself).
    return this.#inExecute && !this.#llhttp.upgrade(this.#ptr) ? CALLBACK_PAUSE : 0;
  }
}
