/**
 * Test helper: a ConnectionHandlerFactory that records every call, copying the
 * bytes at call time (views are only valid during the call).
 */
import type {
  CloseReason, ConnectionHandler, ConnectionHandlerFactory, FlowDirection, PacketContext, TcpConnectionInfo,
} from '../../src/reassembly/connection-handler.js';

export type Call =
  | { kind: 'data'; dir: FlowDirection; text: string; packetIndex: number }
  | { kind: 'gap'; dir: FlowDirection; length: number; packetIndex: number }
  | { kind: 'end'; dir: FlowDirection; packetIndex: number }
  | { kind: 'close'; reason: CloseReason; packetIndex: number };

export interface RecordedConnection {
  info: TcpConnectionInfo;
  calls: Call[];
  /** Per direction: bytes with each gap shown as `[gap N]`. */
  streams: [string, string];
  /** Per direction: the raw delivered bytes (gaps omitted). */
  raw: [number[], number[]];
  /** Per onData call: its direction, the stream offset of its first byte (data + gap bytes before it) and ctx.peerAckOffset. */
  acks: { dir: FlowDirection; offset: number; peerAckOffset: number }[];
  /** ctx.peerAckOffset seen by onGap / onEnd / onClose calls. */
  otherAcks: number[];
  closed: CloseReason | null;
}

export class Recorder {
  readonly connections: RecordedConnection[] = [];
  /** Order of onClose calls across connections (uids). */
  readonly closeOrder: string[] = [];

  readonly factory: ConnectionHandlerFactory = (info) => {
    const rec: RecordedConnection = { info: { ...info }, calls: [], streams: ['', ''], raw: [[], []], acks: [], otherAcks: [], closed: null };
    const offset: [number, number] = [0, 0];
    this.connections.push(rec);
    const closeOrder = this.closeOrder;
    const handler: ConnectionHandler = {
      onData(dir: FlowDirection, bytes: Uint8Array, ctx: PacketContext) {
        if (rec.closed !== null) throw new Error('onData after onClose');
        if (bytes.length === 0) throw new Error('empty onData');
        const text = Buffer.from(bytes).toString('latin1');
        rec.calls.push({ kind: 'data', dir, text, packetIndex: ctx.packetIndex });
        rec.acks.push({ dir, offset: offset[dir], peerAckOffset: ctx.peerAckOffset });
        offset[dir] += bytes.length;
        rec.streams[dir] += text;
        for (const b of bytes) rec.raw[dir].push(b);
      },
      onGap(dir: FlowDirection, length: number, ctx: PacketContext) {
        if (rec.closed !== null) throw new Error('onGap after onClose');
        rec.calls.push({ kind: 'gap', dir, length, packetIndex: ctx.packetIndex });
        rec.otherAcks.push(ctx.peerAckOffset);
        offset[dir] += length;
        rec.streams[dir] += `[gap ${length}]`;
      },
      onEnd(dir: FlowDirection, ctx: PacketContext) {
        rec.calls.push({ kind: 'end', dir, packetIndex: ctx.packetIndex });
        rec.otherAcks.push(ctx.peerAckOffset);
      },
      onClose(reason: CloseReason, ctx: PacketContext) {
        if (rec.closed !== null) throw new Error('onClose twice');
        rec.closed = reason;
        closeOrder.push(rec.info.uid);
        rec.calls.push({ kind: 'close', reason, packetIndex: ctx.packetIndex });
        rec.otherAcks.push(ctx.peerAckOffset);
      },
    };
    return handler;
  };
}
