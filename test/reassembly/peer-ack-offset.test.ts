/**
 * PacketContext.peerAckOffset: the ACK of the segment that carried the first
 * byte of an onData call, as an offset in the other direction's stream (0 =
 * first byte after the ISN, or the first byte seen midstream; gaps count).
 * Expected offsets are computed by hand from the sequence numbers below.
 */
import { describe, expect, it } from 'vitest';
import { F, handshake, scenario } from './scenario.js';

const A = F.ACK;
const PA = F.PSH | F.ACK;

describe('PacketContext.peerAckOffset', () => {
  it('in-order data: ACK minus the peer ISN minus 1; -1 for onGap / onEnd / onClose', () => {
    const { ep, conn } = scenario();
    handshake(ep); // client ISN 1000, server ISN 5000
    ep.c(1001, 5001, PA, 'GET /a\r\n'); // ack 5001 = server offset 0
    ep.s(5001, 1009, PA, 'HTTP 1\r\n'); // ack 1009 = client offset 8
    ep.c(1009, 5009, PA, 'GET /b\r\n'); // server offset 8
    ep.c(1017, 5009, F.FIN | A);
    ep.s(5009, 1018, F.FIN | A);
    expect(conn().acks).toEqual([
      { dir: 0, offset: 0, peerAckOffset: 0 },
      { dir: 1, offset: 0, peerAckOffset: 8 },
      { dir: 0, offset: 8, peerAckOffset: 8 },
    ]);
    expect(conn().otherAcks).toEqual([-1, -1, -1]); // two onEnd, one onClose
  });

  it('an ACK beyond a lost region counts the gap bytes (offsets stay in the delivery base)', () => {
    const { ep, conn } = scenario();
    handshake(ep);
    ep.c(1001, 5001, PA, 'GET /a\r\n');
    ep.s(5001, 1009, PA, 'AAAA'); // server offset 0..3
    // server bytes 5005..5104 (offsets 4..103) never captured; the client ACKs them
    ep.c(1009, 5105, PA, 'GET /b\r\n'); // ack offset 104
    ep.s(5105, 1017, PA, 'BBBB'); // after a hole the client ACKed: gap 100, then data
    expect(conn().streams[1]).toBe('AAAA[gap 100]BBBB');
    expect(conn().acks).toEqual([
      { dir: 0, offset: 0, peerAckOffset: 0 },
      { dir: 1, offset: 0, peerAckOffset: 8 },
      { dir: 0, offset: 8, peerAckOffset: 104 },
      { dir: 1, offset: 104, peerAckOffset: 16 },
    ]);
  });

  it('a buffered out-of-order segment keeps the ACK of the packet that carried it', () => {
    const { ep, conn } = scenario();
    handshake(ep);
    ep.s(5001, 1001, PA, 'HTTP'); // server offset 0..3, ack client offset 0
    ep.c(1005, 5005, PA, 'BBBB'); // out of order (client offset 4), ack server offset 4
    ep.c(1001, 5003, PA, 'AAAA'); // fills the hole; its own (older) ack is server offset 2
    expect(conn().streams[0]).toBe('AAAABBBB');
    expect(conn().acks.filter((a) => a.dir === 0)).toEqual([
      { dir: 0, offset: 0, peerAckOffset: 2 },
      { dir: 0, offset: 4, peerAckOffset: 4 },
    ]);
  });

  it('sequence numbers wrapping past 2^32', () => {
    const { ep, conn } = scenario();
    const cIsn = 0xfffffff0; // client data from 0xfffffff1: 15 bytes before the wrap
    const sIsn = 0xfffffffd; // server data from 0xfffffffe: 2 bytes before the wrap
    handshake(ep, cIsn, sIsn);
    ep.c(0xfffffff1, 0xfffffffe, PA, 'x'.repeat(20)); // client offsets 0..19 (ends at seq 5)
    ep.s(0xfffffffe, 5, PA, 'y'.repeat(10)); // ack 5 = client offset 20; server ends at seq 8
    ep.c(5, 8, PA, 'z'); // ack 8 = server offset 10
    expect(conn().acks).toEqual([
      { dir: 0, offset: 0, peerAckOffset: 0 },
      { dir: 1, offset: 0, peerAckOffset: 20 },
      { dir: 0, offset: 20, peerAckOffset: 10 },
    ]);
  });

  it('midstream: offsets count from the first byte seen; -1 before the other direction started or without ACK', () => {
    const { ep, conn } = scenario();
    ep.c(7001, 9001, PA, 'GET /a\r\n'); // midstream: server stream not started yet
    ep.s(9001, 7009, PA, 'HTTP 1\r\n'); // server offset 0 is seq 9001; ack 7009 = client offset 8
    ep.c(7009, 9005, PA, 'GET /b\r\n'); // ack 9005 = server offset 4
    ep.c(7017, 0, F.PSH, 'GET /c\r\n'); // no ACK flag
    expect(conn().info.midstream).toBe(true);
    expect(conn().acks).toEqual([
      { dir: 0, offset: 0, peerAckOffset: -1 },
      { dir: 1, offset: 0, peerAckOffset: 8 },
      { dir: 0, offset: 8, peerAckOffset: 4 },
      { dir: 0, offset: 16, peerAckOffset: -1 },
    ]);
  });
});
