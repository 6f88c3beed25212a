/**
 * Test helper: decode every frame of a classic pcap file with a fresh
 * PacketDecoder and keep, per frame, the result and a copy of the fields
 * the tests compare with tshark.
 */
import type { DecoderOptions } from '../../src/decode/packet-decoder.js';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { DecodedPacket, DecodeResult } from '../../src/decode/decoded-packet.js';
import { EventCounter } from '../../src/stats/event-counter.js';
import { readPcap } from './read-pcap.js';
import { addressText } from './tshark-oracle.js';

export interface FrameRecord {
  /** 1-based, as tshark's frame.number. */
  frame: number;
  result: DecodeResult;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  payloadLength: number;
  payloadWireLength: number;
  vlanOuter: number;
  vlanInner: number;
  tunnelKind: number;
  tunnelId: number;
  mss: number;
  windowScale: number;
}

export interface DecodedCapture {
  frames: FrameRecord[];
  /** Frames whose result was TCP. */
  tcp: FrameRecord[];
  events: Record<string, number>;
  stats: ReturnType<PacketDecoder['stats']>;
}

export function decodeCapture(path: string, options?: DecoderOptions): DecodedCapture {
  const events = new EventCounter();
  const decoder = new PacketDecoder(events, options);
  const out = new DecodedPacket();
  const frames: FrameRecord[] = [];
  readPcap(path).forEach((raw, i) => {
    const result = decoder.decode(raw, out);
    const tcp = result === DecodeResult.TCP;
    frames.push({
      frame: i + 1,
      result,
      src: tcp ? addressText(out.srcAddr, out.ipVersion) : '',
      dst: tcp ? addressText(out.dstAddr, out.ipVersion) : '',
      srcPort: tcp ? out.srcPort : 0,
      dstPort: tcp ? out.dstPort : 0,
      seq: tcp ? out.seq : 0,
      payloadLength: tcp ? out.payload.length : 0,
      payloadWireLength: tcp ? out.payloadWireLength : 0,
      vlanOuter: out.vlanOuter,
      vlanInner: out.vlanInner,
      tunnelKind: out.tunnelKind,
      tunnelId: out.tunnelId,
      mss: tcp ? out.mss : 0,
      windowScale: tcp ? out.windowScale : -1,
    });
  });
  return { frames, tcp: frames.filter((f) => f.result === DecodeResult.TCP), events: events.toJSON(), stats: decoder.stats() };
}
