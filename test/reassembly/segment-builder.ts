/**
 * Test helper: feed hand-built TCP segments to a TcpReassembler through ONE
 * reused DecodedPacket and ONE reused payload buffer that is overwritten with
 * 0xEE after every call, so a reassembler that kept a view instead of a copy
 * delivers garbage and fails the test.
 */
import { DecodedPacket, TcpFlag } from '../../src/decode/decoded-packet.js';
import type { PacketContext } from '../../src/reassembly/connection-handler.js';
import type { TcpReassembler } from '../../src/reassembly/tcp-reassembler.js';

export const F = TcpFlag;

export interface SegmentSpec {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq: number;
  ack?: number;
  flags: number;
  payload?: string | Uint8Array;
  /** Bytes on the wire when larger than the payload (snap-length cut). */
  wireLength?: number;
  window?: number;
  vlanOuter?: number;
  tunnelKind?: number;
  tunnelId?: number;
  /** Packet time in seconds (default: packet index / 1000). */
  ts?: number;
}

function parseAddr(text: string, out: Uint8Array): 4 | 6 {
  out.fill(0);
  if (text.includes(':')) {
    const [head, tail] = text.split('::') as [string, string | undefined];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
    groups.forEach((g, i) => { const v = parseInt(g, 16); out[2 * i] = v >> 8; out[2 * i + 1] = v & 0xff; });
    return 6;
  }
  text.split('.').forEach((p, i) => { out[i] = Number(p); });
  return 4;
}

export class SegmentFeeder {
  readonly pkt = new DecodedPacket();
  readonly ctx: PacketContext = { tsSec: 0, tsNsec: 0, packetIndex: 0, peerAckOffset: -1 };
  #scratch = new Uint8Array(65536);
  #index = 0;
  readonly reassembler: TcpReassembler;

  constructor(reassembler: TcpReassembler) {
    this.reassembler = reassembler;
  }

  /** Packet index the next `send` will use. */
  get nextIndex(): number {
    return this.#index;
  }

  #setTime(ts: number | undefined): void {
    const t = ts ?? this.#index / 1000;
    this.ctx.tsSec = Math.floor(t);
    this.ctx.tsNsec = Math.round((t - Math.floor(t)) * 1e9);
    this.ctx.packetIndex = this.#index;
  }

  send(s: SegmentSpec): void {
    const p = this.pkt;
    p.ipVersion = parseAddr(s.src, p.srcAddr);
    parseAddr(s.dst, p.dstAddr);
    p.srcPort = s.sport;
    p.dstPort = s.dport;
    p.seq = s.seq >>> 0;
    p.ack = (s.ack ?? 0) >>> 0;
    p.tcpFlags = s.flags;
    p.window = s.window ?? 65535;
    p.vlanOuter = s.vlanOuter ?? 0;
    p.vlanInner = 0;
    p.tunnelKind = s.tunnelKind ?? 0;
    p.tunnelId = s.tunnelId ?? 0;
    const bytes = typeof s.payload === 'string' ? Buffer.from(s.payload, 'latin1') : (s.payload ?? new Uint8Array(0));
    this.#scratch.set(bytes, 0);
    p.payload = this.#scratch.subarray(0, bytes.length);
    p.payloadWireLength = s.wireLength ?? bytes.length;
    this.#setTime(s.ts);
    this.reassembler.process(p, this.ctx);
    this.#scratch.fill(0xee, 0, bytes.length);
    this.#index++;
  }

  expireIdle(ts: number): void {
    this.#setTime(ts);
    this.reassembler.expireIdle(this.ctx);
  }

  flushAll(ts?: number): void {
    this.#setTime(ts);
    this.reassembler.flushAll(this.ctx);
  }
}

/** A client/server pair with sequence bookkeeping for concise scenarios. */
export class Endpoints {
  constructor(
    readonly feeder: SegmentFeeder,
    readonly client = '10.0.0.1',
    readonly server = '10.0.0.2',
    readonly cport = 40000,
    readonly sport = 80,
  ) {}

  /** Client → server segment. */
  c(seq: number, ack: number, flags: number, payload?: string, extra: Partial<SegmentSpec> = {}): void {
    this.feeder.send({ src: this.client, dst: this.server, sport: this.cport, dport: this.sport, seq, ack, flags, payload, ...extra });
  }

  /** Server → client segment. */
  s(seq: number, ack: number, flags: number, payload?: string, extra: Partial<SegmentSpec> = {}): void {
    this.feeder.send({ src: this.server, dst: this.client, sport: this.sport, dport: this.cport, seq, ack, flags, payload, ...extra });
  }
}
