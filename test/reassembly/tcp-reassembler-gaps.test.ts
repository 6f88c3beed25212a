/** Gap scenarios: ACKed holes, caps, snap-length cuts, holes at close. */
import { describe, expect, it } from 'vitest';
import { F, handshake, scenario } from './scenario.js';

const A = F.ACK;
const PA = F.PSH | F.ACK;

describe('TcpReassembler: gaps', () => {
  it('a hole the peer ACKed, with data buffered after it, becomes a gap', () => {
    const { ep, conn, reassembler } = scenario();
    handshake(ep);
    // 'AAAA' at 1001 was never captured.
    ep.c(1005, 5001, PA, 'BBBB'); // 3: buffered
    ep.s(5001, 1009, A); // 4: server has everything up to 1009
    expect(conn().calls).toEqual([
      { kind: 'gap', dir: 0, length: 4, packetIndex: 4 },
      { kind: 'data', dir: 0, text: 'BBBB', packetIndex: 4 },
    ]);
    ep.c(1001, 5001, PA, 'AAAA'); // too late: already skipped
    expect(conn().streams[0]).toBe('[gap 4]BBBB');
    expect(reassembler.stats().gaps).toBe(1);
    expect(reassembler.stats().gapBytes).toBe(4);
  });

  it('only the ACKed part of a hole is skipped; the rest may still arrive', () => {
    const { ep, conn } = scenario();
    handshake(ep);
    ep.c(1005, 5001, PA, 'BBBB'); // buffered; hole 1001..1004
    ep.s(5001, 1003, A); // server ACKs 1001..1002 only
    ep.c(1001, 5001, PA, 'AAAA'); // 1001..1002 already skipped, 1003..1004 new
    expect(conn().streams[0]).toBe('[gap 2]AABBBB');
  });

  it('an ACK above the next byte with nothing buffered is no gap until more data or the close', () => {
    const { ep, conn, feeder } = scenario();
    handshake(ep);
    ep.s(5001, 1009, A); // the server ACKs 8 bytes the capture never showed
    expect(conn().calls).toEqual([]);
    ep.c(1013, 5001, PA, 'DDDD'); // data after a hole; 1001..1008 ACKed
    expect(conn().streams[0]).toBe('[gap 8]');
    feeder.flushAll(); // 1009..1012 still missing, data buffered after it
    expect(conn().streams[0]).toBe('[gap 8][gap 4]DDDD');
    expect(conn().closed).toBe('end');
  });

  it('per-direction byte cap: the first hole becomes a gap (tcp.reassembly_cap_gap)', () => {
    const { ep, conn, events, reassembler, feeder } = scenario({ maxBufferedBytesPerDirection: 8 });
    handshake(ep);
    ep.c(1005, 5001, PA, 'BBBB'); // buffered 4
    ep.c(1013, 5001, PA, 'DDDD'); // buffered 8
    ep.c(1017, 5001, PA, 'EEEE'); // would be 12 > 8: skip hole 1001..1004, deliver BBBB, then buffer EEEE (8)
    expect(conn().streams[0]).toBe('[gap 4]BBBB');
    expect(events.get('tcp.reassembly_cap_gap')).toBe(1);
    expect(reassembler.stats().capHits.maxBufferedBytesPerDirection).toBe(1);
    expect(reassembler.stats().bufferedBytes).toBe(8);
    feeder.flushAll();
    expect(conn().streams[0]).toBe('[gap 4]BBBB[gap 4]DDDDEEEE');
    expect(reassembler.stats().bufferedBytes).toBe(0);
  });

  it('per-direction segment cap', () => {
    const { ep, conn, reassembler } = scenario({ maxBufferedSegmentsPerDirection: 2 });
    handshake(ep);
    ep.c(1003, 5001, PA, 'BB');
    ep.c(1007, 5001, PA, 'DD');
    ep.c(1011, 5001, PA, 'FF'); // third segment: skip 1001..1002, deliver BB; still a hole at 1005
    expect(conn().streams[0]).toBe('[gap 2]BB');
    expect(reassembler.stats().capHits.maxBufferedSegmentsPerDirection).toBe(1);
    ep.c(1005, 5001, PA, 'CC');
    ep.c(1009, 5001, PA, 'EE');
    expect(conn().streams[0]).toBe('[gap 2]BBCCDDEEFF');
  });

  it('total byte cap across connections: the arriving segment is delivered after a gap', () => {
    const { feeder, recorder, reassembler, events } = scenario({ maxBufferedBytesTotal: 6 });
    const A1 = { src: '10.0.0.1', dst: '10.0.0.2', sport: 40001, dport: 80 };
    const A2 = { src: '10.0.0.1', dst: '10.0.0.2', sport: 40002, dport: 80 };
    feeder.send({ ...A1, seq: 100, flags: F.SYN });
    feeder.send({ ...A2, seq: 200, flags: F.SYN });
    feeder.send({ ...A1, seq: 105, flags: PA, payload: 'XXXX' }); // conn 1 buffers 4
    feeder.send({ ...A2, seq: 205, flags: PA, payload: 'YYYY' }); // 8 > 6: conn 2 has nothing to skip but its own hole
    expect(recorder.connections[1]!.streams[0]).toBe('[gap 4]YYYY');
    expect(recorder.connections[0]!.streams[0]).toBe('');
    expect(reassembler.stats().capHits.maxBufferedBytesTotal).toBe(1);
    expect(events.get('tcp.reassembly_cap_gap')).toBe(1);
  });

  it('snap-length cut: the missing bytes are a gap, in order and out of order', () => {
    const { ep, conn, reassembler } = scenario();
    handshake(ep);
    ep.c(1001, 5001, PA, 'AAAA', { wireLength: 10 }); // 1001..1010, 6 bytes cut
    ep.c(1015, 5001, PA, 'CC', { wireLength: 4 }); // 1015..1018 buffered, 2 bytes cut
    ep.c(1011, 5001, PA, 'BBBB');
    expect(conn().streams[0]).toBe('AAAA[gap 6]BBBBCC[gap 2]');
    expect(reassembler.stats().gapBytes).toBe(8);
  });

  it('a later full copy replaces buffered snap-cut bytes when it arrives in order', () => {
    const { ep, conn } = scenario();
    handshake(ep);
    ep.c(1005, 5001, PA, 'BB', { wireLength: 4 }); // 1005..1008, 1007..1008 cut
    ep.c(1001, 5001, PA, 'AAAABBBB'); // in order, full copy
    expect(conn().streams[0]).toBe('AAAABBBB');
  });

  it('RST closes after delivering: holes before buffered data become gaps', () => {
    const { ep, conn, reassembler } = scenario();
    handshake(ep);
    ep.c(1001, 5001, PA, 'AAAA'); // 3
    ep.c(1009, 5001, PA, 'CCCC'); // 4: hole 1005..1008
    ep.s(5001, 1005, F.RST | A); // 5
    expect(conn().calls).toEqual([
      { kind: 'data', dir: 0, text: 'AAAA', packetIndex: 3 },
      { kind: 'gap', dir: 0, length: 4, packetIndex: 5 },
      { kind: 'data', dir: 0, text: 'CCCC', packetIndex: 5 },
      { kind: 'close', reason: 'rst', packetIndex: 5 },
    ]);
    ep.c(1009, 5001, PA, 'CCCC'); // 6: retransmission after the RST: tombstone, no new connection
    ep.c(1013, 5001, A); // 7: bare ACK: same
    expect(reassembler.stats().connectionsTotal).toBe(1);
    expect(reassembler.stats().lateSegments).toBe(2);
  });

  it('new data after an RST (the endpoints ignored it) starts a new midstream connection', () => {
    const { ep, recorder, events } = scenario();
    handshake(ep);
    ep.c(1001, 5001, PA, 'AAAA'); // 3
    ep.s(9999, 0, F.RST); // 4: out-of-window RST, closes our view of the connection
    ep.c(1005, 5001, PA, 'BBBB'); // 5: the client keeps sending new bytes
    expect(recorder.connections.map((c) => [c.info.uid, c.closed, c.info.midstream, c.streams[0]])).toEqual([
      ['C0', 'rst', false, 'AAAA'], ['C5', null, true, 'BBBB'],
    ]);
    expect(events.get('tcp.data_after_reset')).toBe(1);
  });

  it('FIN after a hole: the direction ends once the hole is ACKed', () => {
    const { ep, conn } = scenario();
    handshake(ep);
    ep.c(1005, 5001, PA, 'BBBB'); // 3
    ep.c(1009, 5001, F.FIN | A); // 4: FIN at 1009
    expect(conn().calls).toEqual([]);
    ep.s(5001, 1010, F.FIN | A); // 5: ACKs everything incl. the FIN; server FIN at 5001
    ep.c(1010, 5002, A); // 6: ACK of the server FIN
    // Packet 5: its own FIN is handled before its ACK (see TcpConnection.segment).
    expect(conn().calls).toEqual([
      { kind: 'end', dir: 1, packetIndex: 5 },
      { kind: 'gap', dir: 0, length: 4, packetIndex: 5 },
      { kind: 'data', dir: 0, text: 'BBBB', packetIndex: 5 },
      { kind: 'end', dir: 0, packetIndex: 5 },
      { kind: 'close', reason: 'fin', packetIndex: 5 },
    ]);
  });
});
