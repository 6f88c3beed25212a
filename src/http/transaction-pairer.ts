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

  /** No response will be paired any more (pending cap). */
  givenUp = false;

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

  requestStarted(msg: HttpMessage): void {
    if (this.#txns.length - this.#cursor >= this.#maxPending) {
      this.#events.add('http.pending_cap');
      this.#txns[this.#cursor]!.givenUp = true;
      this.#cursor++;
      this.#drain(false);
    }
    const txn = new PendingTransaction(this.#nextDepth++);
    txn.request = msg;
    msg.txn = txn;
    this.#txns.push(txn);
  }

  responseStarted(msg: HttpMessage): void {
    let txn = this.#txns[this.#cursor];
    if (txn === undefined) {
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
    if (k >= this.#cursor) this.#cursor = k + 1;
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
