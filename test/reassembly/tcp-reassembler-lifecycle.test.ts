/** Connection lifecycle: lookup keys, midstream pickup, port reuse, timeouts, eviction, flushAll. */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { TcpReassembler } from '../../src/reassembly/tcp-reassembler.js';
import { EventCounter } from '../../src/stats/event-counter.js';
import { Recorder } from './recording-handler.js';
import { F, handshake, scenario } from './scenario.js';

const A = F.ACK;
const PA = F.PSH | F.ACK;

describe('TcpReassembler: connection lifecycle', () => {
  it('midstream: sender of port 80 → ephemeral port is the server', () => {
    const { feeder, conn, reassembler } = scenario();
    feeder.send({ src: '10.0.0.2', dst: '10.0.0.1', sport: 80, dport: 51000, seq: 7000, ack: 3000, flags: PA, payload: 'HTTP/1.1 200 OK\r\n' });
    feeder.send({ src: '10.0.0.1', dst: '10.0.0.2', sport: 51000, dport: 80, seq: 3000, ack: 7017, flags: PA, payload: 'GET' });
    expect(conn().info).toMatchObject({ uid: 'C0', clientIp: '10.0.0.1', clientPort: 51000, serverIp: '10.0.0.2', serverPort: 80, midstream: true });
    expect(conn().streams).toEqual(['GET', 'HTTP/1.1 200 OK\r\n']);
    expect(reassembler.stats().midstreamConnections).toBe(1);
  });

  it('midstream originator guesses', () => {
    const { feeder, recorder } = scenario();
    const send = (src: string, sport: number, dst: string, dport: number) =>
      feeder.send({ src, dst, sport, dport, seq: 1, ack: 1, flags: A });
    send('10.0.0.1', 51000, '10.0.0.2', 8080); // to a service port: sender is client
    send('10.0.0.2', 8080, '10.0.0.3', 51000); // from a service port to an ephemeral one: swap
    send('10.0.0.4', 5353, '10.0.0.5', 6000); // neither known: sender is client
    send('10.0.0.6', 22, '10.0.0.7', 40000); // well-known → ephemeral: swap
    expect(recorder.connections.map((c) => `${c.info.clientIp}:${c.info.clientPort}>${c.info.serverPort}`)).toEqual([
      '10.0.0.1:51000>8080', '10.0.0.3:51000>8080', '10.0.0.4:5353>6000', '10.0.0.7:40000>22',
    ]);
  });

  it('VLAN and tunnel tags keep same-address tenants apart', () => {
    const { feeder, recorder } = scenario();
    const t = { src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 80 };
    feeder.send({ ...t, seq: 100, flags: F.SYN, vlanOuter: 10 });
    feeder.send({ ...t, seq: 100, flags: F.SYN, vlanOuter: 20 });
    feeder.send({ ...t, seq: 100, flags: F.SYN, tunnelKind: 1, tunnelId: 7 });
    feeder.send({ ...t, seq: 100, flags: F.SYN, tunnelKind: 1, tunnelId: 8 });
    feeder.send({ src: '10.0.0.2', dst: '10.0.0.1', sport: 80, dport: 40000, seq: 900, ack: 101, flags: F.SYN | A, vlanOuter: 20 });
    feeder.send({ ...t, seq: 101, ack: 901, flags: PA, payload: 'v20', vlanOuter: 20 });
    feeder.send({ ...t, seq: 101, flags: PA, payload: 'vni7', tunnelKind: 1, tunnelId: 7 });
    expect(recorder.connections.map((c) => [c.info.uid, c.info.vlanOuter, c.info.tunnelId, c.streams[0]])).toEqual([
      ['C0', 10, 0, ''], ['C1', 20, 0, 'v20'], ['C2', 0, 7, 'vni7'], ['C3', 0, 8, ''],
    ]);
  });

  it('port reuse: a new SYN on a closed connection starts a new one; a late old SYN does not', () => {
    const { ep, recorder, feeder, reassembler } = scenario();
    handshake(ep); // 0-2
    ep.c(1001, 5001, F.FIN | A); // 3
    ep.s(5001, 1002, F.FIN | A); // 4: closed ('fin')
    ep.c(1000, 0, F.SYN); // 5: retransmission of the old SYN (same ISN): dropped
    expect(recorder.connections).toHaveLength(1);
    expect(feeder.nextIndex).toBe(6);
    ep.c(9000, 0, F.SYN); // 6: new ISN: port reuse
    ep.s(7000, 9001, F.SYN | A);
    ep.c(9001, 7001, PA, 'again');
    expect(recorder.connections).toHaveLength(2);
    expect(recorder.connections[0]!.closed).toBe('fin');
    expect(recorder.connections[1]!.info.uid).toBe('C6');
    expect(recorder.connections[1]!.streams[0]).toBe('again');
    expect(reassembler.stats().lateSegments).toBe(1);
  });

  it('the tombstone lasts closedTimeoutSec; later packets create a midstream connection', () => {
    const { ep, recorder } = scenario({ closedTimeoutSec: 5 });
    ep.c(1000, 0, F.SYN, undefined, { ts: 0 });
    ep.c(1001, 0, F.RST, undefined, { ts: 1 }); // closed at t=1
    ep.c(1001, 5001, A, undefined, { ts: 6 }); // 5 s later: still a tombstone
    expect(recorder.connections).toHaveLength(1);
    ep.c(1001, 5001, PA, 'late', { ts: 6.5 }); // > 5 s: new connection
    expect(recorder.connections).toHaveLength(2);
    expect(recorder.connections[1]!.info).toMatchObject({ uid: 'C3', midstream: true });
    expect(recorder.connections[1]!.streams[0]).toBe('late');
  });

  it('an RST for an unknown connection creates nothing', () => {
    const { ep, recorder, reassembler } = scenario();
    ep.s(5001, 1001, F.RST | A);
    expect(recorder.connections).toHaveLength(0);
    expect(reassembler.stats().orphanResets).toBe(1);
  });

  it('idle timeout runs on packet time (expireIdle, and lazily on the next packet)', () => {
    const { ep, feeder, recorder, reassembler } = scenario({ idleTimeoutSec: 10 });
    ep.c(1000, 0, F.SYN, undefined, { ts: 100 });
    ep.c(1001, 0, PA, 'AAAA', { ts: 101 }); // idx 1
    feeder.expireIdle(111); // exactly 10 s: not yet
    expect(recorder.connections[0]!.closed).toBeNull();
    feeder.expireIdle(111.5);
    expect(recorder.connections[0]!.calls.at(-1)).toEqual({ kind: 'close', reason: 'idle', packetIndex: 2 });
    expect(reassembler.stats().idleConnections).toBe(1);
    expect(reassembler.stats().connections).toBe(0);

    // expireIdle consumed no packet index: the next packets are 2 and 3.
    ep.c(2000, 0, F.SYN, undefined, { ts: 200 }); // idx 2: new connection (idle close leaves no tombstone)
    ep.c(2001, 0, PA, 'BBBB', { ts: 230 }); // idx 3: 30 s later, same 5-tuple
    expect(recorder.connections).toHaveLength(3);
    expect(recorder.connections[1]!.closed).toBe('idle');
    expect(recorder.connections[2]!.info).toMatchObject({ uid: 'C3', midstream: true });
    expect(recorder.connections[2]!.streams[0]).toBe('BBBB');
  });

  it('maxConnections: the least-recently-active connection is evicted (tombstones go first)', () => {
    const { feeder, recorder, reassembler, events } = scenario({ maxConnections: 2 });
    const open = (sport: number, flags: number = F.SYN) => feeder.send({ src: '10.0.0.1', dst: '10.0.0.2', sport, dport: 80, seq: 1, flags });
    open(1001); // C0
    open(1002); // C1
    open(1001, A); // touch C0: C1 is now the oldest
    open(1003); // packet 3: C3 evicts C1
    expect(recorder.connections.map((c) => [c.info.uid, c.closed])).toEqual([['C0', null], ['C1', 'evicted'], ['C3', null]]);
    expect(reassembler.stats().evictedConnections).toBe(1);
    expect(reassembler.stats().capHits.maxConnections).toBe(1);
    expect(events.get('tcp.connection_evicted')).toBe(1);
    open(1003, F.RST | A); // C3 closed: tombstone
    open(1004); // room is made by dropping the tombstone, not by evicting C0
    expect(recorder.connections[0]!.closed).toBeNull();
    expect(reassembler.stats().evictedConnections).toBe(1);
  });

  it('flushAll closes every open connection in firstPacketIndex order with reason end', () => {
    const { feeder, recorder, reassembler } = scenario();
    const pkt = (sport: number, seq: number, flags: number, payload?: string) =>
      feeder.send({ src: '10.0.0.1', dst: '10.0.0.2', sport, dport: 80, seq, flags, payload });
    pkt(1001, 10, F.SYN); // C0
    pkt(1002, 20, F.SYN); // C1
    pkt(1003, 30, F.SYN); // C2
    pkt(1002, 25, PA, 'tail'); // C1: hole 21..24, data buffered
    pkt(1001, 11, PA, 'x'); // C0 most recently active
    feeder.flushAll();
    expect(recorder.closeOrder).toEqual(['C0', 'C1', 'C2']);
    expect(recorder.connections[1]!.calls).toEqual([
      { kind: 'gap', dir: 0, length: 4, packetIndex: 5 },
      { kind: 'data', dir: 0, text: 'tail', packetIndex: 5 },
      { kind: 'close', reason: 'end', packetIndex: 5 },
    ]);
    expect(recorder.connections.map((c) => c.closed)).toEqual(['end', 'end', 'end']);
    expect(reassembler.stats().connections).toBe(0);
    expect(reassembler.stats().bufferedBytes).toBe(0);
  });

  it('rejects invalid options with a UsageError', () => {
    const rec = new Recorder();
    expect(() => new TcpReassembler(rec.factory, new EventCounter(), { maxConnections: 0 })).toThrow(UsageError);
    expect(() => new TcpReassembler(rec.factory, new EventCounter(), { maxBufferedBytesPerDirection: 1.5 })).toThrow(UsageError);
    expect(() => new TcpReassembler(rec.factory, new EventCounter(), { idleTimeoutSec: -1 })).toThrow(UsageError);
  });
});
