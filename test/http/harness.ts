/** Test driver: feeds byte streams straight to an HttpConnection (no TCP) and collects records. */
import { EventCounter } from '../../src/stats/event-counter.js';
import { createHttpHandlerFactory } from '../../src/http/http-connection.js';
import type { HttpOptions } from '../../src/http/http-connection.js';
import type { TcpConnectionInfo, FlowDirection } from '../../src/reassembly/connection-handler.js';
import type { TransactionRecord } from '../../src/http/transaction-record.js';

export type Step =
  /** `ack`: PacketContext.peerAckOffset of the chunk (offset in the other direction's stream; default -1). */
  | { d: FlowDirection; data: string | Uint8Array; ts?: number; ack?: number }
  | { d: FlowDirection; gap: number; ts?: number }
  | { d: FlowDirection; end: true; ts?: number };

export interface RunResult {
  records: TransactionRecord[];
  /** completionPacketIndex of each record. */
  completions: number[];
  events: Record<string, number>;
}

export const INFO: TcpConnectionInfo = {
  uid: 'C7',
  firstPacketIndex: 7,
  ipVersion: 4,
  clientIp: '10.0.0.1',
  serverIp: '10.0.0.2',
  clientPort: 40000,
  serverPort: 80,
  vlanOuter: 0,
  vlanInner: 0,
  tunnelKind: 0,
  tunnelId: 0,
  midstream: false,
};

export const bytes = (s: string | Uint8Array): Uint8Array => (typeof s === 'string' ? Buffer.from(s, 'latin1') : s);

/**
 * Run `steps` (packet index = step index + 1; time = `ts` seconds, default
 * 1000 + index) then close at packet index steps.length + 1.
 */
export function run(steps: Step[], opts: HttpOptions = {}, info: Partial<TcpConnectionInfo> = {}): RunResult {
  const events = new EventCounter();
  const records: TransactionRecord[] = [];
  const completions: number[] = [];
  const factory = createHttpHandlerFactory(opts, events, (r, i) => {
    records.push(r);
    completions.push(i);
  });
  const h = factory({ ...INFO, ...info });
  const ctx = { tsSec: 0, tsNsec: 0, packetIndex: 0, peerAckOffset: -1 };
  steps.forEach((s, k) => {
    const ts = s.ts ?? 1000 + k;
    ctx.tsSec = Math.floor(ts);
    ctx.tsNsec = Math.round((ts - Math.floor(ts)) * 1e9);
    ctx.packetIndex = k + 1;
    ctx.peerAckOffset = 'data' in s ? (s.ack ?? -1) : -1;
    if ('data' in s) {
      // hand over a copy and scribble on it afterwards: the handler must not keep views
      const b = Uint8Array.from(bytes(s.data));
      h.onData(s.d, b, ctx);
      b.fill(0x21);
    } else if ('gap' in s) h.onGap(s.d, s.gap, ctx);
    else h.onEnd?.(s.d, ctx);
  });
  ctx.packetIndex = steps.length + 1;
  h.onClose('fin', ctx);
  return { records, completions, events: events.toJSON() };
}

/** A record with every field at its "absent" value, overridden by `o`. */
export function rec(o: Partial<TransactionRecord>): TransactionRecord {
  return {
    uid: 'C7',
    transDepth: 0,
    clientIp: '10.0.0.1',
    clientPort: 40000,
    serverIp: '10.0.0.2',
    serverPort: 80,
    vlan: [],
    tunnel: null,
    requestTs: null,
    responseTs: null,
    method: null,
    host: null,
    uri: null,
    httpVersion: null,
    status: null,
    reason: null,
    informational: [],
    requestBodyLength: 0,
    responseBodyLength: 0,
    requestBodyDecodedLength: null,
    responseBodyDecodedLength: null,
    requestContentType: null,
    responseContentType: null,
    requestContentEncoding: null,
    responseContentEncoding: null,
    userAgent: null,
    flags: [],
    ...o,
  };
}
