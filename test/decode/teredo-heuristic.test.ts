/**
 * Teredo on UDP ports other than 3544 (DecoderOptions.teredoHeuristic).
 * Regression: zeek/Teredo carries HTTP over Teredo between UDP 3797 and
 * 32900, which Zeek finds heuristically and we used to skip as plain UDP.
 * Hand-built frames (layout of RFC 4380 §5.1.1) are checked against tshark
 * run with `-o teredo.heuristic_teredo:TRUE`; the strict checks that go
 * beyond tshark's heuristic (address prefix, next header) are asserted on
 * byte layouts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DecodedPacket, DecodeResult, TunnelKind } from '../../src/decode/decoded-packet.js';
import { PacketDecoder, type DecoderOptions } from '../../src/decode/packet-decoder.js';
import { EventCounter } from '../../src/stats/event-counter.js';
import { decodeCapture } from './decode-capture.js';
import { corpusFile, haveOracle, haveTshark } from './corpus.js';
import { ascii, concat, ethernet, frame, ipv4, ipv6, tcp, u16, udp, writePcap } from './packet-builder.js';
import { addressText, TEREDO_HEURISTIC_PREF, tsharkFields, tsharkTcpFrames } from './tshark-oracle.js';

const ETHERNET = 1;
const http = ascii('GET / HTTP/1.1\r\nHost: ipv6.example\r\n\r\n');
const seg = (): Uint8Array => tcp({ sport: 1286, dport: 80, seq: 0x0a0b0c0d }, http);
const TEREDO_CLIENT = '2001:0:4137:9e50:8000:f12a:b9c8:2815';
const SERVER = '2001:db8:4860::68';
/** Origin indication: 0x0000, obfuscated port, obfuscated IPv4 address (RFC 4380 §5.1.1). */
const ORIGIN = concat(u16(0), u16(0xf0e1), [0xbc, 0x66, 0x61, 0xc9]);
/** Authentication indicator: 0x0001, ID-len 2, AU-len 1, id "ab", auth value, nonce (8), confirmation (1). */
const AUTH = concat(u16(1), [2, 1], [0x61, 0x62], [0x7f], Array(8).fill(5), [0]);
/** IPv4/UDP frame between two ports that are not tunnel ports. */
const overUdp = (payload: Uint8Array, sport = 3797, dport = 32900): Uint8Array =>
  ethernet(0x0800, ipv4({ proto: 17, src: '192.168.2.16', dst: '83.170.1.38' }, udp(sport, dport, payload)));

function decodeOne(data: Uint8Array, options?: DecoderOptions): { result: number; events: Record<string, number>; out: DecodedPacket } {
  const events = new EventCounter();
  const out = new DecodedPacket();
  const result = new PacketDecoder(events, options).decode(frame(ETHERNET, data), out);
  return { result, events: events.toJSON(), out };
}

const dir = mkdtempSync(join(tmpdir(), 'decode-teredo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Teredo found on non-standard UDP ports', () => {
  const accepted: Array<[string, Uint8Array]> = [
    ['plain IPv6, Teredo source', overUdp(ipv6({ next: 6, src: TEREDO_CLIENT, dst: SERVER }, seg()))],
    ['Teredo destination (reply direction)', overUdp(ipv6({ next: 6, src: SERVER, dst: TEREDO_CLIENT }, seg()), 32900, 3797)],
    ['origin indication first', overUdp(concat(ORIGIN, ipv6({ next: 6, src: SERVER, dst: TEREDO_CLIENT }, seg())))],
    ['authentication then origin indication', overUdp(concat(AUTH, ORIGIN, ipv6({ next: 6, src: TEREDO_CLIENT, dst: SERVER }, seg())))],
    ['link-local source (fe80::/64)', overUdp(ipv6({ next: 6, src: 'fe80::708d:fe83:4114:a512', dst: SERVER }, seg()))],
  ];
  accepted.forEach(([name, data], i) => {
    it(name, () => {
      const { result, events, out } = decodeOne(data);
      expect(result).toBe(DecodeResult.TCP);
      expect(events).toEqual({ 'decode.teredo_heuristic': 1 });
      expect([out.tunnelKind, out.tunnelId]).toEqual([TunnelKind.TEREDO, 0]);
      expect(Buffer.from(out.payload).toString('latin1')).toBe(Buffer.from(http).toString('latin1'));
      if (!haveTshark) return;
      const path = join(dir, `accepted-${i}.pcap`);
      writePcap(path, ETHERNET, [data]);
      const [row] = tsharkTcpFrames(path).rows;
      expect(row, 'tshark (teredo heuristic on) dissects TCP inside').toBeDefined();
      expect(`${addressText(out.srcAddr, 6)} ${addressText(out.dstAddr, 6)} ${out.srcPort} ${out.dstPort} ${out.seq} ${out.payloadWireLength}`)
        .toBe(`${row!.src} ${row!.dst} ${row!.srcPort} ${row!.dstPort} ${row!.seqRaw} ${row!.tcpLen}`);
    });
  });

  it('is off with teredoHeuristic: false', () => {
    const { result, events } = decodeOne(accepted[0]![1], { teredoHeuristic: false });
    expect(result).toBe(DecodeResult.NOT_TCP);
    expect(events).toEqual({ 'decode.not_tcp': 1 });
  });

  it('rejects a non-boolean teredoHeuristic', () => {
    expect(() => new PacketDecoder(new EventCounter(), { teredoHeuristic: 'yes' as unknown as boolean })).toThrow(/teredoHeuristic/);
  });
});

describe('the heuristic is strict: look-alikes stay plain UDP', () => {
  const inner = seg();
  const rejected: Array<[string, Uint8Array, boolean]> = [
    // [name, frame, whether tshark's looser heuristic (version + length only) still calls it Teredo]
    ['neither address Teredo nor link-local', overUdp(ipv6({ next: 6, src: '2001:db8::1', dst: SERVER }, inner)), true],
    ['2001:0001::/32 is not the Teredo prefix', overUdp(ipv6({ next: 6, src: '2001:1::1', dst: SERVER }, inner)), true],
    ['fe80:0:0:1::/64 is not link-local /64', overUdp(ipv6({ next: 6, src: 'fe80:0:0:1::1', dst: SERVER }, inner)), true],
    ['next header hop-by-hop (0)', overUdp(ipv6({ next: 0, src: TEREDO_CLIENT, dst: SERVER }, inner)), true],
    ['IPv6 payload length one short of the UDP payload', overUdp(ipv6({ next: 6, src: TEREDO_CLIENT, dst: SERVER, payloadLength: inner.length - 1 }, inner)), false],
    ['IPv6 payload length one past the UDP payload', overUdp(ipv6({ next: 6, src: TEREDO_CLIENT, dst: SERVER, payloadLength: inner.length + 1 }, inner)), false],
    ['version nibble 4', overUdp(concat([0x40], ipv6({ next: 6, src: TEREDO_CLIENT, dst: SERVER }, inner).subarray(1))), false],
    ['shorter than an IPv6 header', overUdp(ipv6({ next: 59, src: TEREDO_CLIENT, dst: SERVER }, new Uint8Array(0)).subarray(0, 39)), false],
  ];
  rejected.forEach(([name, data, tsharkTeredo], i) => {
    it(name, () => {
      const { result, events } = decodeOne(data);
      expect(result).toBe(DecodeResult.NOT_TCP);
      expect(events).toEqual({ 'decode.not_tcp': 1 });
      if (!haveTshark) return;
      const path = join(dir, `rejected-${i}.pcap`);
      writePcap(path, ETHERNET, [data]);
      expect(tsharkFields(path, 'teredo', ['frame.number'], [TEREDO_HEURISTIC_PREF]).length).toBe(tsharkTeredo ? 1 : 0);
    });
  });

  it('a configured tunnel port wins over the heuristic (VXLAN 4789)', () => {
    const { result, events } = decodeOne(overUdp(ipv6({ next: 6, src: TEREDO_CLIENT, dst: SERVER }, seg()), 50000, 4789));
    expect(result).not.toBe(DecodeResult.TCP);
    expect(events['decode.teredo_heuristic']).toBeUndefined();
  });
});

describe.skipIf(!haveOracle)('zeek/Teredo: heuristic matches equal tshark teredo.heuristic_teredo', () => {
  it('frames decapsulated heuristically = tshark Teredo frames off port 3544', () => {
    const path = corpusFile('zeek/Teredo', 'Teredo.pcap');
    const offPort = tsharkFields(path, 'teredo && !(udp.port == 3544)', ['frame.number'], [TEREDO_HEURISTIC_PREF]).length;
    const { events, tcp: tcpFrames } = decodeCapture(path);
    expect(offPort).toBeGreaterThan(0);
    expect(events['decode.teredo_heuristic']).toBe(offPort);
    // The HTTP connection 1286 -> 80 rides UDP 3797 <-> 32900: all its frames are tagged Teredo.
    const http6 = tcpFrames.filter((f) => f.srcPort === 1286 || f.dstPort === 1286);
    const tshark6 = tsharkFields(path, 'tcp.port == 1286', ['frame.number'], [TEREDO_HEURISTIC_PREF]).map((c) => Number(c[0]));
    expect(http6.map((f) => f.frame)).toEqual(tshark6);
    for (const f of http6) expect(f.tunnelKind).toBe(TunnelKind.TEREDO);
  });
});
