/**
 * Byte-stream scenarios: hand-built segments, every expected stream derived
 * by hand from the sequence numbers in the test.
 */
import { describe, expect, it } from 'vitest';
import { F, handshake, scenario } from './scenario.js';

const A = F.ACK;
const PA = F.PSH | F.ACK;

describe('TcpReassembler: in-order, reordered, retransmitted', () => {
  it('handshake, one request, one response, FIN both ways', () => {
    const { ep, conn, reassembler, recorder } = scenario();
    handshake(ep); // packets 0-2
    ep.c(1001, 5001, PA, 'GET / HTTP/1.1\r\n\r\n'); // 3: 18 bytes → 1001..1018
    ep.s(5001, 1019, PA, 'HTTP/1.1 200 OK\r\n\r\n'); // 4: 19 bytes → 5001..5019
    ep.c(1019, 5020, F.FIN | A); // 5
    ep.s(5020, 1020, F.FIN | A); // 6
    ep.c(1020, 5021, A); // 7: after the close
    const c = conn();
    expect(c.info).toEqual({
      uid: 'C0', firstPacketIndex: 0, ipVersion: 4, clientIp: '10.0.0.1', serverIp: '10.0.0.2',
      clientPort: 40000, serverPort: 80, vlanOuter: 0, vlanInner: 0, tunnelKind: 0, tunnelId: 0, midstream: false,
    });
    expect(c.calls).toEqual([
      { kind: 'data', dir: 0, text: 'GET / HTTP/1.1\r\n\r\n', packetIndex: 3 },
      { kind: 'data', dir: 1, text: 'HTTP/1.1 200 OK\r\n\r\n', packetIndex: 4 },
      { kind: 'end', dir: 0, packetIndex: 5 },
      { kind: 'end', dir: 1, packetIndex: 6 },
      { kind: 'close', reason: 'fin', packetIndex: 6 },
    ]);
    expect(recorder.connections).toHaveLength(1);
    const st = reassembler.stats();
    expect(st.connections).toBe(0);
    expect(st.tombstones).toBe(1);
    expect(st.lateSegments).toBe(1);
    expect(st.connectionsTotal).toBe(1);
  });

  it('reordered segments are delivered in sequence order, once', () => {
    const { ep, conn, reassembler } = scenario();
    handshake(ep);
    ep.c(1005, 5001, PA, 'BBBB'); // 3
    ep.c(1009, 5001, PA, 'CCCC'); // 4
    expect(conn().calls).toEqual([]);
    expect(reassembler.stats().bufferedBytes).toBe(8);
    ep.c(1001, 5001, PA, 'AAAA'); // 5
    expect(conn().calls).toEqual([
      { kind: 'data', dir: 0, text: 'AAAA', packetIndex: 5 },
      { kind: 'data', dir: 0, text: 'BBBB', packetIndex: 5 },
      { kind: 'data', dir: 0, text: 'CCCC', packetIndex: 5 },
    ]);
    expect(reassembler.stats().bufferedBytes).toBe(0);
    expect(reassembler.stats().bufferedBytesPeak).toBe(8);
  });

  it('retransmissions (whole and partial) are delivered once', () => {
    const { ep, conn, reassembler } = scenario();
    handshake(ep);
    ep.c(1001, 5001, PA, 'AAAA');
    ep.c(1001, 5001, PA, 'AAAA'); // whole retransmission
    ep.c(1001, 5001, PA, 'AAAABB'); // 4 old + 2 new (1005, 1006)
    ep.c(1005, 5001, PA, 'BBBB'); // 2 old + 2 new (1007, 1008)
    expect(conn().streams[0]).toBe('AAAABBBB');
    expect(conn().calls.map((c) => (c.kind === 'data' ? c.text : c.kind))).toEqual(['AAAA', 'BB', 'BB']);
    expect(reassembler.stats().retransmittedSegments).toBe(3);
  });

  it('a duplicate of a buffered out-of-order segment is not buffered twice', () => {
    const { ep, conn, reassembler } = scenario();
    handshake(ep);
    ep.c(1005, 5001, PA, 'BBBB');
    ep.c(1005, 5001, PA, 'BBBB');
    expect(reassembler.stats().bufferedBytes).toBe(4);
    ep.c(1001, 5001, PA, 'AAAA');
    expect(conn().streams[0]).toBe('AAAABBBB');
    expect(reassembler.stats().retransmittedSegments).toBe(1);
  });

  it('overlap with identical bytes: no event; with different bytes: first copy wins + tcp.overlap_inconsistent', () => {
    const same = scenario();
    handshake(same.ep);
    same.ep.c(1005, 5001, PA, 'BBBB'); // buffered
    same.ep.c(1001, 5001, PA, 'AAAABBBB'); // in order, overlaps the buffered copy with equal bytes
    expect(same.conn().streams[0]).toBe('AAAABBBB');
    expect(same.events.get('tcp.overlap_inconsistent')).toBe(0);

    const diff = scenario();
    handshake(diff.ep);
    diff.ep.c(1005, 5001, PA, 'XXXX'); // buffered first
    diff.ep.c(1001, 5001, PA, 'AAAAYYYY'); // 'YYYY' covers 1005..1008: the earlier 'XXXX' wins
    expect(diff.conn().streams[0]).toBe('AAAAXXXX');
    expect(diff.events.get('tcp.overlap_inconsistent')).toBe(1);
    expect(diff.reassembler.stats().inconsistentOverlaps).toBe(1);
  });

  it('overlap between two out-of-order segments: only the uncovered part of the second is kept', () => {
    const { ep, conn, events } = scenario();
    handshake(ep);
    ep.c(1009, 5001, PA, 'CCCC'); // 1009..1012
    ep.c(1005, 5001, PA, 'BBBBDDDDEE'); // 1005..1014: 'BBBB' new, 'DDDD' vs 'CCCC' differs, 'EE' new
    ep.c(1001, 5001, PA, 'AAAA');
    expect(conn().streams[0]).toBe('AAAABBBBCCCCEE');
    expect(events.get('tcp.overlap_inconsistent')).toBe(1);
  });

  it('sequence numbers wrap across 2^32 (reordered at the wrap)', () => {
    const { ep, conn } = scenario();
    const isn = 0xfffffffa; // data starts at 0xfffffffb: 5 bytes up to 0xffffffff, then 0
    handshake(ep, isn, 5000);
    ep.c(0x00000000, 5001, PA, '56789'); // after the wrap, first
    ep.c(0xfffffffb, 5001, PA, '01234');
    ep.c(0x00000005, 5001, F.FIN | A);
    ep.s(5001, 0x00000006, F.FIN | A);
    expect(conn().calls).toEqual([
      { kind: 'data', dir: 0, text: '01234', packetIndex: 4 },
      { kind: 'data', dir: 0, text: '56789', packetIndex: 4 },
      { kind: 'end', dir: 0, packetIndex: 5 },
      { kind: 'end', dir: 1, packetIndex: 6 },
      { kind: 'close', reason: 'fin', packetIndex: 6 },
    ]);
  });

  it('SYN payload (TCP Fast Open) is data at ISN+1', () => {
    const { ep, conn } = scenario();
    ep.c(1000, 0, F.SYN, 'HELLO'); // 1001..1005
    ep.s(5000, 1006, F.SYN | A);
    ep.c(1006, 5001, PA, 'WORLD');
    expect(conn().streams[0]).toBe('HELLOWORLD');
  });

  it('a SYN-ACK seen first makes its sender the server; its ACK fixes the client start', () => {
    const { ep, conn } = scenario();
    ep.s(5000, 1001, F.SYN | A); // 0: server → client
    ep.c(1005, 5001, PA, 'BBBB'); // out of order relative to 1001
    ep.c(1001, 5001, PA, 'AAAA');
    expect(conn().info.clientIp).toBe('10.0.0.1');
    expect(conn().info.clientPort).toBe(40000);
    expect(conn().info.serverPort).toBe(80);
    expect(conn().info.midstream).toBe(false);
    expect(conn().streams[0]).toBe('AAAABBBB');
  });

  it('keep-alive probes (seq = next-1) and zero-window probes produce neither data nor gaps', () => {
    const { ep, conn, reassembler } = scenario();
    handshake(ep);
    ep.c(1001, 5001, PA, 'AAAA'); // next = 1005
    ep.c(1004, 5001, A, '\0'); // keep-alive with 1 garbage byte
    ep.c(1004, 5001, A); // keep-alive without data
    ep.s(5001, 1005, A, undefined, { window: 0 }); // receiver window closed
    ep.c(1005, 5001, A, 'B'); // zero-window probe
    ep.s(5001, 1005, A, undefined, { window: 1000 }); // window open again, the probe byte not ACKed
    ep.c(1005, 5001, PA, 'BBBB');
    expect(conn().streams[0]).toBe('AAAABBBB');
    const st = reassembler.stats();
    expect(st.keepAliveProbes).toBe(1);
    expect(st.zeroWindowProbes).toBe(1);
    expect(st.gaps).toBe(0);
  });

  it('IPv6 addresses are given in RFC 5952 text', () => {
    const { feeder, conn } = scenario();
    feeder.send({ src: '2001:db8::1', dst: '2001:db8:0:0:1:0:0:1', sport: 50000, dport: 443, seq: 1, flags: F.SYN });
    expect(conn().info.ipVersion).toBe(6);
    expect(conn().info.clientIp).toBe('2001:db8::1');
    expect(conn().info.serverIp).toBe('2001:db8::1:0:0:1');
  });
});
