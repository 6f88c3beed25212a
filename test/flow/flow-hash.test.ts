import { describe, it, expect } from 'vitest';
import { DecodedPacket } from '../../src/decode/decoded-packet.js';
import { symmetricFlowHash } from '../../src/flow/flow-hash.js';
import { mulberry32 } from '../helpers/pcap-writer.js';

function packet(rand: () => number, v6: boolean): DecodedPacket {
  const p = new DecodedPacket();
  p.ipVersion = v6 ? 6 : 4;
  const n = v6 ? 16 : 4;
  for (let i = 0; i < n; i++) {
    p.srcAddr[i] = Math.floor(rand() * 256);
    p.dstAddr[i] = Math.floor(rand() * 256);
  }
  p.srcPort = Math.floor(rand() * 65536);
  p.dstPort = Math.floor(rand() * 65536);
  p.vlanOuter = Math.floor(rand() * 4096);
  p.tunnelId = Math.floor(rand() * 2 ** 24);
  p.tunnelKind = 1;
  return p;
}

function reversed(p: DecodedPacket): DecodedPacket {
  const r = new DecodedPacket();
  r.ipVersion = p.ipVersion;
  r.srcAddr.set(p.dstAddr);
  r.dstAddr.set(p.srcAddr);
  r.srcPort = p.dstPort;
  r.dstPort = p.srcPort;
  r.vlanOuter = p.vlanOuter;
  r.tunnelKind = p.tunnelKind;
  r.tunnelId = p.tunnelId;
  return r;
}

describe('symmetricFlowHash', () => {
  it('gives both directions of a connection the same hash', () => {
    const rand = mulberry32(7);
    for (let i = 0; i < 5000; i++) {
      const p = packet(rand, i % 2 === 0);
      expect(symmetricFlowHash(reversed(p))).toBe(symmetricFlowHash(p));
    }
  });

  it('separates tenants with the same 5-tuple (VLAN, tunnel id)', () => {
    const p = packet(mulberry32(1), false);
    const q = reversed(reversed(p));
    q.tunnelId = p.tunnelId + 1;
    expect(symmetricFlowHash(q)).not.toBe(symmetricFlowHash(p));
  });

  it('spreads flows evenly over shards', () => {
    const rand = mulberry32(99);
    const shards = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) shards[symmetricFlowHash(packet(rand, false)) % 4]!++;
    for (const n of shards) expect(Math.abs(n - 10_000)).toBeLessThan(600);
  });
});
