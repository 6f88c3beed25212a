import { TcpFlag, type DecodedPacket } from '../decode/decoded-packet.js';
import { FlowEntry } from '../flow/flow-table.js';
import type { CloseReason, ConnectionHandler, FlowDirection, PacketContext, TcpConnectionInfo } from './connection-handler.js';
import type { ReassemblyBudget } from './reassembly-budget.js';
import { seqAdd } from './tcp-seq.js';
import { TcpStream } from './tcp-stream.js';

/**
 * One TCP connection: the flow-table entry (side A = client), both stream
 * directions and the connection state. Closing is final: after `close()` the
 * entry only serves as a tombstone that absorbs late retransmissions.
 *
 * Per segment, in this order (RFC 9293 §3.10.7 reduced to what a passive
 * observer can know): window, SYN (ISN; a SYN-ACK's ACK also fixes the
 * client's start), payload (starts at ISN+1 on a SYN: TCP Fast Open data is
 * data), FIN (after the payload), ACK (may turn a hole of the other direction
 * into a gap), RST (close 'rst') or both directions ended (close 'fin').
 * The payload of an RST is diagnostic text (RFC 9293 §3.5.3), not stream data:
 * ignored. The ACK of a data segment, as an offset in the other direction's
 * stream, travels with its bytes to onData (PacketContext.peerAckOffset).
 */
export class TcpConnection extends FlowEntry {
  readonly info: TcpConnectionInfo;
  readonly handler: ConnectionHandler;
  /** [client→server, server→client]. */
  readonly streams: readonly [TcpStream, TcpStream];
  /** Packet time (seconds) of the last packet. */
  lastSeenSec = 0;
  /** Packet time (seconds) of close(); meaningful when `closed`. */
  closedAtSec = 0;
  closed = false;
  closeReason: CloseReason | null = null;

  constructor(info: TcpConnectionInfo, handler: ConnectionHandler, budget: ReassemblyBudget) {
    super();
    this.info = info;
    this.handler = handler;
    const c = new TcpStream(0, handler, budget);
    const s = new TcpStream(1, handler, budget);
    c.peer = s;
    s.peer = c;
    this.streams = [c, s];
  }

  /** One segment of direction `dir`; `pkt.payload` is a view valid during the call. */
  segment(dir: FlowDirection, pkt: DecodedPacket, ctx: PacketContext): void {
    const s = this.streams[dir];
    const p = this.streams[dir === 0 ? 1 : 0];
    const flags = pkt.tcpFlags;
    s.window = pkt.window;
    let dataSeq = pkt.seq >>> 0;
    if ((flags & TcpFlag.SYN) !== 0) {
      s.syn(dataSeq);
      if ((flags & TcpFlag.ACK) !== 0) p.startAt(pkt.ack);
      dataSeq = seqAdd(dataSeq, 1);
    }
    if ((flags & TcpFlag.RST) === 0) {
      const wireLength = Math.max(pkt.payloadWireLength, pkt.payload.length);
      if (wireLength > 0) s.segment(dataSeq, pkt.payload, wireLength, (flags & TcpFlag.ACK) !== 0 ? p.ackOffset(pkt.ack) : -1, ctx);
      if ((flags & TcpFlag.FIN) !== 0) s.fin(seqAdd(dataSeq, wireLength), ctx);
    }
    if ((flags & TcpFlag.ACK) !== 0) p.peerAcked(pkt.ack, ctx);
    if ((flags & TcpFlag.RST) !== 0) this.close('rst', ctx);
    else if (s.ended && p.ended) this.close('fin', ctx);
  }

  /**
   * Deliver what can be delivered (holes before buffered data or a FIN become
   * gaps), then onClose(reason). Idempotent.
   */
  close(reason: CloseReason, ctx: PacketContext): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.closedAtSec = ctx.tsSec + ctx.tsNsec / 1e9;
    try {
      this.streams[0].flush(ctx);
      this.streams[1].flush(ctx);
      ctx.peerAckOffset = -1;
      this.handler.onClose(reason, ctx);
    } finally {
      this.streams[0].discard();
      this.streams[1].discard();
    }
  }
}
