/**
 * FlowTable lookups, including the last-entry shortcut: the entry returned by
 * the previous lookup answers only while it is in the table and only for its
 * current key, in either direction. Addresses and ports are hand-written.
 */
import { describe, it, expect } from 'vitest';
import { DecodedPacket } from '../../src/decode/decoded-packet.js';
import { FlowEntry, FlowTable } from '../../src/flow/flow-table.js';

function pkt(src: number[], sport: number, dst: number[], dport: number, vlan = 0): DecodedPacket {
  const p = new DecodedPacket();
  p.ipVersion = 4;
  p.srcAddr.set(src);
  p.dstAddr.set(dst);
  p.srcPort = sport;
  p.dstPort = dport;
  p.vlanOuter = vlan;
  return p;
}

const A = [10, 0, 0, 1];
const B = [10, 0, 0, 2];

function add(t: FlowTable<FlowEntry>, p: DecodedPacket): FlowEntry {
  expect(t.lookup(p)).toBeUndefined();
  const e = new FlowEntry();
  t.assignKey(e, p, false);
  t.insert(e, 0);
  return e;
}

describe('FlowTable', () => {
  it('finds an entry in both directions, repeatedly', () => {
    const t = new FlowTable<FlowEntry>();
    const e = add(t, pkt(A, 40000, B, 80));
    for (let i = 0; i < 3; i++) {
      expect(t.lookup(pkt(A, 40000, B, 80))).toBe(e);
      expect(t.lastDirection).toBe(0);
      expect(t.lookup(pkt(B, 80, A, 40000))).toBe(e);
      expect(t.lastDirection).toBe(1);
    }
    // another port, another VLAN: not this entry
    expect(t.lookup(pkt(A, 40001, B, 80))).toBeUndefined();
    expect(t.lookup(pkt(A, 40000, B, 80, 7))).toBeUndefined();
  });

  it('does not answer from a removed or re-keyed entry', () => {
    const t = new FlowTable<FlowEntry>();
    const e = add(t, pkt(A, 40000, B, 80));
    expect(t.lookup(pkt(A, 40000, B, 80))).toBe(e);
    t.remove(e);
    expect(t.lookup(pkt(A, 40000, B, 80))).toBeUndefined();
    // the same object reused for another connection (pooling); assignKey takes the last lookup's key
    expect(t.lookup(pkt(B, 5000, A, 443))).toBeUndefined();
    t.assignKey(e, pkt(B, 5000, A, 443), false);
    t.insert(e, 0);
    expect(t.lookup(pkt(A, 40000, B, 80))).toBeUndefined();
    expect(t.lookup(pkt(A, 443, B, 5000))).toBe(e);
    expect(t.lastDirection).toBe(1);
    t.clear();
    expect(t.lookup(pkt(A, 443, B, 5000))).toBeUndefined();
    expect(t.size).toBe(0);
  });

  it('switches between interleaved connections', () => {
    const t = new FlowTable<FlowEntry>();
    const e1 = add(t, pkt(A, 1000, B, 80));
    const e2 = add(t, pkt(A, 1001, B, 80));
    for (let i = 0; i < 4; i++) {
      expect(t.lookup(pkt(B, 80, A, 1000 + (i % 2)))).toBe(i % 2 === 0 ? e1 : e2);
      expect(t.lastDirection).toBe(1);
    }
  });
});
