/**
 * Per-worker TCP reassembly: flow lookup, connection lifecycle, caps.
 *
 *   DecodedPacket ─► FlowTable.lookup (either direction, tenant-tagged key)
 *        │              ├─ hit, open      → TcpConnection.segment
 *        │              ├─ hit, tombstone → late packet dropped, or new SYN = port reuse
 *        │              └─ miss           → new TcpConnection (SYN / SYN-ACK / midstream)
 *        ▼
 *   TcpStream (per direction) ─► handler.onData / onGap / onEnd / onClose
 *
 * Time is packet time (`ctx`), never the wall clock, so a replay is
 * deterministic. Lists in the flow table: LIVE (oldest activity first) and
 * CLOSED (tombstones, oldest close first).
 *
 * Events (EventCounter): `tcp.overlap_inconsistent` (a later copy of buffered
 * bytes differs), `tcp.reassembly_cap_gap` (a buffer cap turned a hole into a
 * gap), `tcp.connection_evicted` (maxConnections), `tcp.syn_seq_changed` (a
 * SYN with another ISN on an open connection: ignored), `tcp.data_after_fin`
 * (bytes beyond the FIN: dropped), `tcp.ack_above_window` (an ACK more than
 * 2^30 ahead: ignored), `tcp.data_after_reset` (a SYN-ACK or new data after
 * an RST: the endpoints ignored it, so a new connection is started; Zeek's
 * weird of the same name).
 *
 * Differences from the peers: a SYN with a new ISN on an *open* connection is
 * ignored (Zeek may start a new one); trailing bytes the peer ACKed but the
 * capture never showed become a gap only at close.
 */
import { TcpFlag, type DecodedPacket } from '../decode/decoded-packet.js';
import { FlowTable } from '../flow/flow-table.js';
import type { EventCounter } from '../stats/event-counter.js';
import { addressText } from './address-text.js';
import type { CloseReason, ConnectionHandlerFactory, PacketContext, TcpConnectionInfo } from './connection-handler.js';
import { midstreamSenderIsServer } from './originator-guess.js';
import { ReassemblyBudget, resolveReassemblyOptions, type ReassemblyOptions } from './reassembly-budget.js';
import { TcpConnection } from './tcp-connection.js';
import { seqGeq } from './tcp-seq.js';

export type { ReassemblyOptions } from './reassembly-budget.js';
export { REASSEMBLY_DEFAULTS } from './reassembly-budget.js';

export interface ReassemblyStats {
  /** Open connections now (tombstones excluded). */
  connections: number;
  connectionsPeak: number;
  /** Connections created since start. */
  connectionsTotal: number;
  /** Connections created from a packet without SYN. */
  midstreamConnections: number;
  /** Open connections closed because the table was full (capHits.maxConnections counts these too). */
  evictedConnections: number;
  /** Connections closed by the idle timeout. */
  idleConnections: number;
  /** Closed connections kept to absorb late packets. */
  tombstones: number;
  gaps: number;
  gapBytes: number;
  /** Out-of-order bytes buffered now / at most. */
  bufferedBytes: number;
  bufferedBytesPeak: number;
  /** Most out-of-order bytes / segments a single direction held at once. */
  bufferedBytesPerDirectionPeak: number;
  bufferedSegmentsPerDirectionPeak: number;
  /** Times each cap was hit, by option name. */
  capHits: Record<string, number>;
  retransmittedSegments: number;
  inconsistentOverlaps: number;
  keepAliveProbes: number;
  zeroWindowProbes: number;
  /** Packets that hit a closed connection's tombstone and were dropped. */
  lateSegments: number;
  /** RST packets of no known connection (no connection is created for them). */
  orphanResets: number;
}

/**
 * After an RST, does `pkt` show that the endpoints kept talking (the RST was
 * not honoured: out-of-window, failed timestamp check, an evasion attempt)?
 * True for a new SYN-ACK, or for data at or beyond the sender's next expected
 * byte. Retransmissions of delivered bytes and bare ACKs are not.
 */
function continuesAfterReset(conn: TcpConnection, dir: 0 | 1, pkt: DecodedPacket): boolean {
  const flags = pkt.tcpFlags;
  if ((flags & TcpFlag.RST) !== 0) return false;
  const s = conn.streams[dir];
  if ((flags & (TcpFlag.SYN | TcpFlag.ACK)) === (TcpFlag.SYN | TcpFlag.ACK)) return !(s.synSeen && s.isn === pkt.seq >>> 0);
  if ((flags & TcpFlag.SYN) !== 0) return false; // a plain SYN is handled as port reuse
  if (pkt.payloadWireLength === 0 && pkt.payload.length === 0) return false;
  return !s.started || seqGeq(pkt.seq >>> 0, s.nextSeq);
}

const LIVE = 0;
const CLOSED = 1;

export class TcpReassembler {
  #factory: ConnectionHandlerFactory;
  #events: EventCounter;
  #budget: ReassemblyBudget;
  #table = new FlowTable<TcpConnection>(2);
  #connectionsPeak = 0;
  #connectionsTotal = 0;
  #midstream = 0;
  #evicted = 0;
  #idle = 0;
  #late = 0;
  #orphanResets = 0;

  /** @throws UsageError when an option is out of range (see resolveReassemblyOptions). */
  constructor(factory: ConnectionHandlerFactory, events: EventCounter, options?: ReassemblyOptions) {
    this.#factory = factory;
    this.#events = events;
    this.#budget = new ReassemblyBudget(resolveReassemblyOptions(options), events);
  }

  /** One decoded TCP segment. `pkt.payload` is a view valid only during the call (buffered bytes are copied). */
  process(pkt: DecodedPacket, ctx: PacketContext): void {
    const opts = this.#budget.options;
    const now = ctx.tsSec + ctx.tsNsec / 1e9;
    const flags = pkt.tcpFlags;
    let conn = this.#table.lookup(pkt);
    let dir = this.#table.lastDirection;
    if (conn !== undefined && conn.closed) {
      const isNewSyn = (flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN;
      const client = conn.streams[0];
      const sameSyn = isNewSyn && dir === 0 && client.synSeen && client.isn === pkt.seq >>> 0;
      const revived = conn.closeReason === 'rst' && continuesAfterReset(conn, dir, pkt);
      if (revived) this.#events.add('tcp.data_after_reset');
      if (revived || now - conn.closedAtSec > opts.closedTimeoutSec || (isNewSyn && !sameSyn)) {
        this.#table.remove(conn); // tombstone expired, port reuse, or a reset the endpoints ignored
        conn = undefined;
      } else {
        this.#late++;
        return;
      }
    } else if (conn !== undefined && now - conn.lastSeenSec > opts.idleTimeoutSec) {
      this.#closeIdle(conn, ctx);
      conn = undefined;
    }
    if (conn === undefined) {
      if ((flags & TcpFlag.RST) !== 0) {
        this.#orphanResets++;
        return;
      }
      let swap: boolean;
      if ((flags & TcpFlag.SYN) !== 0) swap = (flags & TcpFlag.ACK) !== 0;
      else swap = midstreamSenderIsServer(pkt.srcPort, pkt.dstPort);
      conn = this.#create(pkt, ctx, swap, (flags & TcpFlag.SYN) === 0);
      dir = swap ? 1 : 0;
    } else {
      this.#table.moveToTail(conn, LIVE);
    }
    conn.lastSeenSec = now;
    conn.segment(dir, pkt, ctx);
    if (conn.closed) this.#table.moveToTail(conn, CLOSED);
  }

  /** Close connections idle longer than idleTimeoutSec as of packet time `ctx`; drop expired tombstones. */
  expireIdle(ctx: PacketContext): void {
    const opts = this.#budget.options;
    const now = ctx.tsSec + ctx.tsNsec / 1e9;
    for (let c = this.#table.head(LIVE); c !== undefined && now - c.lastSeenSec > opts.idleTimeoutSec; c = this.#table.head(LIVE)) {
      this.#closeIdle(c, ctx);
    }
    for (let c = this.#table.head(CLOSED); c !== undefined && now - c.closedAtSec > opts.closedTimeoutSec; c = this.#table.head(CLOSED)) {
      this.#table.remove(c);
    }
  }

  /**
   * End of capture: for every open connection in order of firstPacketIndex,
   * deliver what can be delivered (holes before buffered data become gaps)
   * and close it with reason 'end'. The table is empty afterwards.
   */
  flushAll(ctx: PacketContext): void {
    const open = this.#table.entries(LIVE).sort((a, b) => a.info.firstPacketIndex - b.info.firstPacketIndex);
    try {
      for (const c of open) c.close('end', ctx);
    } finally {
      this.#table.clear();
    }
  }

  stats(): ReassemblyStats {
    const b = this.#budget;
    return {
      connections: this.#table.listSize(LIVE),
      connectionsPeak: this.#connectionsPeak,
      connectionsTotal: this.#connectionsTotal,
      midstreamConnections: this.#midstream,
      evictedConnections: this.#evicted,
      idleConnections: this.#idle,
      tombstones: this.#table.listSize(CLOSED),
      gaps: b.gaps,
      gapBytes: b.gapBytes,
      bufferedBytes: b.bufferedBytes,
      bufferedBytesPeak: b.bufferedBytesPeak,
      bufferedBytesPerDirectionPeak: b.directionBytesPeak,
      bufferedSegmentsPerDirectionPeak: b.directionSegmentsPeak,
      capHits: { ...b.capHits },
      retransmittedSegments: b.retransmittedSegments,
      inconsistentOverlaps: b.inconsistentOverlaps,
      keepAliveProbes: b.keepAliveProbes,
      zeroWindowProbes: b.zeroWindowProbes,
      lateSegments: this.#late,
      orphanResets: this.#orphanResets,
    };
  }

  #create(pkt: DecodedPacket, ctx: PacketContext, swap: boolean, midstream: boolean): TcpConnection {
    this.#makeRoom(ctx);
    const src = addressText(pkt.srcAddr, pkt.ipVersion);
    const dst = addressText(pkt.dstAddr, pkt.ipVersion);
    const info: TcpConnectionInfo = {
      uid: `C${ctx.packetIndex}`,
      firstPacketIndex: ctx.packetIndex,
      ipVersion: pkt.ipVersion,
      clientIp: swap ? dst : src,
      serverIp: swap ? src : dst,
      clientPort: swap ? pkt.dstPort : pkt.srcPort,
      serverPort: swap ? pkt.srcPort : pkt.dstPort,
      vlanOuter: pkt.vlanOuter,
      vlanInner: pkt.vlanInner,
      tunnelKind: pkt.tunnelKind,
      tunnelId: pkt.tunnelId,
      midstream,
    };
    const conn = new TcpConnection(info, this.#factory(info), this.#budget);
    this.#table.assignKey(conn, pkt, swap);
    this.#table.insert(conn, LIVE);
    this.#connectionsTotal++;
    if (midstream) this.#midstream++;
    const open = this.#table.listSize(LIVE);
    if (open > this.#connectionsPeak) this.#connectionsPeak = open;
    return conn;
  }

  /** Keep the table below maxConnections: drop the oldest tombstone, else evict the least-recently-active connection. */
  #makeRoom(ctx: PacketContext): void {
    while (this.#table.size >= this.#budget.options.maxConnections) {
      const tomb = this.#table.head(CLOSED);
      if (tomb !== undefined) {
        this.#table.remove(tomb);
        continue;
      }
      const victim = this.#table.head(LIVE)!;
      this.#budget.capHit('maxConnections');
      this.#events.add('tcp.connection_evicted');
      this.#evicted++;
      this.#end(victim, 'evicted', ctx);
    }
  }

  #closeIdle(conn: TcpConnection, ctx: PacketContext): void {
    this.#idle++;
    this.#end(conn, 'idle', ctx);
  }

  /** Close and forget (no tombstone: Zeek also forgets an expired connection). */
  #end(conn: TcpConnection, reason: CloseReason, ctx: PacketContext): void {
    this.#table.remove(conn);
    conn.close(reason, ctx);
  }
}
