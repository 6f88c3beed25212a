/**
 * FIFO pairing of requests and responses on one connection (pipelining
 * included), and in-order emission.
 *
 * Transactions are numbered (transDepth) when their first message starts: a
 * request, or a response that found no request waiting. A response pairs with
 * the oldest transaction without a final response; 1xx interim responses (not
 * 101) are recorded in `informational` and the next response pairs with the
 * same transaction. A transaction is emitted when its request (if any) and its
 * final response have ended, and all earlier ones have been emitted;
 * `flush()` emits the rest (close).
 *
 * Cap: at most `maxPendingRequests` transactions waiting for a response; the
 * next request forces the oldest out as unanswered (`http.pending_cap`).
 *
 * Packet-time evidence overrides FIFO in two cases (a response is never
 * paired with a request sent after it):
 * - a response that starts BEFORE the oldest waiting request was sent is a
 *   response without request (Zeek: http-09-content-length-confusion);
 * - response-side bytes that no parser could read (the start of a response
 *   lost, midstream pickup) that arrived after request i was sent, followed
 *   by request i+1 sent after them: those bytes answered request i (the
 *   client waited for them), so request i is emitted unanswered
 *   (`http.response_lost`) and the next response pairs with request i+1
 *   (tshark on nDPI 1kxun tcp.stream 51).
 *
 * TCP acknowledgment evidence, after a lost region of the response stream
 * (`responseStarted` with `lostFrom` ≥ 0). Offsets are byte offsets in the
 * response direction's stream (PacketContext.peerAckOffset). The next
 * response starts at R; the bytes [G, R) since the last parsed response
 * ended (or since the gap that cut it) were lost. Each request carries
 * ack(p) = how many response bytes the client had received when it sent the
 * request. Walking the waiting requests p1..pn in FIFO order: while
 * p(i+1) exists and max(G, ack(p_i)) < ack(p(i+1)) ≤ R, the client received
 * response bytes of the lost region after sending p_i and before sending
 * p(i+1); the oldest waiting request is answered first, so those bytes were
 * p_i's response: p_i is emitted unanswered (`http.response_lost`). Then the
 * response pairs FIFO as usual. Pipelined requests (sent before any of the
 * region arrived: same ACK) are left alone, and without a gap pairing is pure
 * FIFO. Peers (Zeek, tshark) pair FIFO here; example: Zeek's erspan.pcap
 * tcp.stream 3, request frame 210 (ack 41820) is followed by frame 238 (ack
 * 51072) while server bytes 41820–51072 are not captured: frame 244's 200
 * answers frame 238, not frame 210.
 */
import type { EventCounter } from '../stats/event-counter.js';
import type { HttpMessage } from './http-message.js';

export class PendingTransaction {
  readonly depth: number;
  request: HttpMessage | null = null;
  /** The final response (or an abandoned one). */
  response: HttpMessage | null = null;
  /** Time of the first byte of the first response message (interim included); -1 when none. */
  responseTsSec = -1;
  responseTsNsec = 0;
  informational: number[] = [];
  upgrade = false;
  connect = false;

  constructor(depth: number) {
    this.depth = depth;
  }

  /** No response will be paired any more (pending cap, response lost). */
  givenUp = false;
  /** Response-stream offset the client had acknowledged when the request's first segment was sent (-1: unknown). */
  requestAckOffset = -1;
  /** Packet time of unreadable response bytes seen while this request waited (-1: none). */
  lostTsSec = -1;
  lostTsNsec = 0;

  get ready(): boolean {
    const requestDone = this.request === null || this.request.done;
    return requestDone && (this.givenUp || (this.response !== null && this.response.done));
  }
}

export type PairedSink = (txn: PendingTransaction) => void;

export class TransactionPairer {
  readonly #events: EventCounter;
  readonly #maxPending: number;
  readonly #emit: PairedSink;
  /** Not yet emitted, in depth order. */
  readonly #txns: PendingTransaction[] = [];
  /** Index in #txns of the oldest transaction without a final response. */
  #cursor = 0;
  #nextDepth = 0;

  constructor(events: EventCounter, maxPendingRequests: number, emit: PairedSink) {
    this.#events = events;
    this.#maxPending = maxPendingRequests;
    this.#emit = emit;
  }

  /** The transaction of the most recent request, or null. */
  lastRequestTxn(): PendingTransaction | null {
    for (let k = this.#txns.length - 1; k >= 0; k--) if (this.#txns[k]!.request !== null) return this.#txns[k]!;
    return null;
  }

  /** A request began; `ackOffset`: its PacketContext.peerAckOffset (-1 unknown). */
  requestStarted(msg: HttpMessage, ackOffset = -1): void {
    if (this.#txns.length - this.#cursor >= this.#maxPending) {
      this.#events.add('http.pending_cap');
      this.#txns[this.#cursor]!.givenUp = true;
      this.#cursor++;
      this.#drain(false);
    }
    const txn = new PendingTransaction(this.#nextDepth++);
    txn.request = msg;
    txn.requestAckOffset = ackOffset;
    msg.txn = txn;
    this.#txns.push(txn);
  }

  /** Response-side bytes that no message could be read from arrived at tsSec.tsNsec. */
  responseBytesSkipped(tsSec: number, tsNsec: number): void {
    const txn = this.#txns[this.#cursor];
    const req = txn?.request;
    if (txn === undefined || req == null || txn.responseTsSec >= 0 || txn.lostTsSec >= 0) return;
    if (later(req.tsSec, req.tsNsec, tsSec, tsNsec)) return;
    txn.lostTsSec = tsSec;
    txn.lostTsNsec = tsNsec;
  }

  /**
   * A response began at response-stream offset `startOffset` (-1 unknown);
   * `lostFrom` ≥ 0: the response stream lost the bytes [lostFrom, startOffset)
   * since the previous response (see the file comment), -1: no loss.
   */
  responseStarted(msg: HttpMessage, startOffset = -1, lostFrom = -1): void {
    if (lostFrom >= 0 && startOffset >= lostFrom) this.#skipByAcks(lostFrom, startOffset);
    this.#skipLostResponses();
    let txn = this.#txns[this.#cursor];
    const req = txn?.request;
    if (txn !== undefined && req != null && txn.responseTsSec < 0 && later(req.tsSec, req.tsNsec, msg.tsSec, msg.tsNsec)) {
      // the response began before the request was sent: it cannot answer it
      txn = new PendingTransaction(this.#nextDepth++);
      this.#txns.push(txn);
    } else if (txn === undefined) {
      txn = new PendingTransaction(this.#nextDepth++);
      this.#txns.push(txn);
    }
    msg.txn = txn;
    if (txn.responseTsSec < 0) {
      txn.responseTsSec = msg.tsSec;
      txn.responseTsNsec = msg.tsNsec;
    }
  }

  /** `msg` (a response) is the final one of its transaction: the next response pairs with the next request. */
  responseFinal(msg: HttpMessage): void {
    const txn = msg.txn as PendingTransaction;
    if (txn.response !== null) return;
    txn.response = msg;
    const k = this.#txns.indexOf(txn);
    // a response-only transaction placed after waiting requests leaves the cursor on them
    if (k === this.#cursor) this.#cursor = k + 1;
    while (this.#cursor < this.#txns.length && this.#txns[this.#cursor]!.response !== null) this.#cursor++;
  }

  /** Give up waiting requests whose response was in the lost region [lost, start) by the ACK rule (file comment). */
  #skipByAcks(lost: number, start: number): void {
    for (;;) {
      const txn = this.#txns[this.#cursor];
      const next = this.#txns[this.#cursor + 1];
      if (txn === undefined || txn.request === null || next === undefined || next.request === null) return;
      const ack = next.requestAckOffset;
      if (!(ack > Math.max(lost, txn.requestAckOffset) && ack <= start)) return;
      this.#events.add('http.response_lost');
      txn.givenUp = true;
      this.#cursor++;
    }
  }

  /** Give up waiting requests whose response was lost (see the file comment). */
  #skipLostResponses(): void {
    for (;;) {
      const txn = this.#txns[this.#cursor];
      const next = this.#txns[this.#cursor + 1]?.request;
      if (txn === undefined || txn.lostTsSec < 0 || next == null) return;
      if (!later(next.tsSec, next.tsNsec, txn.lostTsSec, txn.lostTsNsec)) return;
      this.#events.add('http.response_lost');
      txn.givenUp = true;
      this.#cursor++;
    }
  }

  /** A message ended: emit what is ready. Call after the owner has marked interim responses. */
  messageEnded(msg: HttpMessage): void {
    if (!msg.isRequest && !msg.interim) this.responseFinal(msg);
    this.#drain(false);
  }

  /** Emit everything (connection closed), in order. */
  flush(): void {
    this.#drain(true);
  }

  #drain(all: boolean): void {
    const txns = this.#txns;
    while (txns.length > 0 && (all || txns[0]!.ready)) {
      const txn = txns.shift()!;
      if (this.#cursor > 0) this.#cursor--;
      this.#emit(txn);
    }
  }
}

/** Packet time a (sec, nsec) is strictly after b. */
function later(aSec: number, aNsec: number, bSec: number, bNsec: number): boolean {
  return aSec > bSec || (aSec === bSec && aNsec > bNsec);
}
