/**
 * The seam between TCP reassembly and the application layer (Suricata/Zeek
 * split: reassembly hands bytes and gaps to a registered parser and knows
 * nothing of HTTP). Call order per connection:
 *
 *   factory(info) → (onData | onGap | onEnd)* → onClose (exactly once)
 *
 * Directions: 0 = client→server (originator), 1 = server→client.
 */
export type FlowDirection = 0 | 1;

/** Packet time and global packet index of the call; reused object, copy what you keep. */
export interface PacketContext {
  tsSec: number;
  tsNsec: number;
  packetIndex: number;
  /**
   * Set by reassembly for each onData call (callers building a context put -1):
   * the acknowledgment number of the segment that carried the first byte of
   * `bytes`, as a byte offset in the OPPOSITE direction's stream, i.e. how
   * many bytes of the other direction the sender had received when it sent
   * them. Offsets count from 0 = the first byte after the ISN (or the first
   * byte seen, midstream), gaps included, the same base in which that
   * direction's onData / onGap calls add up; not wrapped at 2^32. -1 when
   * unknown: the segment had no ACK flag, the opposite direction had not
   * started, the ACK was more than 2^30 ahead or before the stream start.
   * -1 during onGap / onEnd / onClose.
   */
  peerAckOffset: number;
}

export interface TcpConnectionInfo {
  /** Deterministic uid: 'C' + packetIndex of the connection's first packet. */
  uid: string;
  firstPacketIndex: number;
  ipVersion: 4 | 6;
  /** Text addresses (IPv6 compressed per RFC 5952). */
  clientIp: string;
  serverIp: string;
  clientPort: number;
  serverPort: number;
  vlanOuter: number;
  vlanInner: number;
  tunnelKind: number;
  tunnelId: number;
  /** True when the connection was picked up without seeing its SYN. */
  midstream: boolean;
}

export type CloseReason = 'fin' | 'rst' | 'idle' | 'evicted' | 'end';

export interface ConnectionHandler {
  /** In-order bytes of one direction; `bytes` is a view valid only during the call. */
  onData(dir: FlowDirection, bytes: Uint8Array, ctx: PacketContext): void;
  /** `length` bytes of direction `dir` will never be seen (ACKed hole, cap reached, capture end, snap length). */
  onGap(dir: FlowDirection, length: number, ctx: PacketContext): void;
  /** Direction `dir` finished (FIN seen, all data before it delivered). */
  onEnd?(dir: FlowDirection, ctx: PacketContext): void;
  /** Connection over; no more calls after this. */
  onClose(reason: CloseReason, ctx: PacketContext): void;
}

export type ConnectionHandlerFactory = (info: TcpConnectionInfo) => ConnectionHandler;
