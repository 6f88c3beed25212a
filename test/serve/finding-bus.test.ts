import { describe, expect, it } from 'vitest';
import { FindingBus } from '../../src/findings/finding-bus.js';
import { makeFinding, range } from './serve-helpers.js';

describe('FindingBus', () => {
  it('keeps producer seqs, assigns the next one for seq 0, renumbers a non-increasing seq', () => {
    const bus = new FindingBus();
    const got: number[] = [];
    bus.subscribe((m) => got.push(m.seq));
    expect(bus.publish(makeFinding(5)).seq).toBe(5);
    const a = bus.publish(makeFinding(0));
    expect(a.seq).toBe(6);
    expect(a.finding.seq).toBe(6);
    const inv = bus.publishInventory({ event: 'new_endpoint', ts: 1, endpoint: { key: '|h GET /a', host: 'h', method: 'GET', pathTemplate: '/a' } });
    expect(inv.seq).toBe(7);
    const producerFinding = makeFinding(7);
    const b = bus.publish(producerFinding);
    expect(b.seq).toBe(8);
    expect(producerFinding.seq).toBe(7); // the producer's object is not modified
    expect(got).toEqual([5, 6, 7, 8]);
    expect(bus.events.toJSON()).toEqual({ 'bus.seq_reassigned': 1 });
  });

  it('replays from the ring and reports the gap beyond it', () => {
    const bus = new FindingBus({ ringCapacity: 10 });
    for (let i = 1; i <= 25; i++) bus.publish(makeFinding(i));
    expect(bus.oldestSeq).toBe(16);
    expect(bus.events.get('bus.ring_overwritten')).toBe(15);
    const r = bus.since(20);
    expect(r.gap).toBeNull();
    expect(r.messages.map((m) => m.seq)).toEqual(range(21, 25));
    const g = bus.since(3);
    expect(g.gap).toEqual({ from: 4, to: 15 });
    expect(g.messages.map((m) => m.seq)).toEqual(range(16, 25));
    expect(bus.since(25).messages).toEqual([]);
    expect(bus.since(14, 3).messages.map((m) => m.seq)).toEqual([16, 17, 18]);
  });

  it('a throwing subscriber is counted and does not stop the others', () => {
    const bus = new FindingBus();
    let n = 0;
    bus.subscribe(() => {
      throw new Error('boom');
    });
    bus.subscribe(() => n++);
    bus.publish(makeFinding(1));
    expect(n).toBe(1);
    expect(bus.events.get('bus.subscriber_errors')).toBe(1);
  });

  it('restore() loads a stored run silently; the ring keeps its tail and publishing continues after it', () => {
    const bus = new FindingBus({ ringCapacity: 4 });
    const heard: number[] = [];
    bus.subscribe((m) => heard.push(m.seq));
    bus.restore(range(1, 6).map((i) => ({ channel: 'findings' as const, seq: i, finding: makeFinding(i) })));
    expect(heard).toEqual([]);
    expect(bus.published).toBe(0);
    expect(bus.events.toJSON()).toEqual({});
    expect(bus.lastSeq).toBe(6);
    expect(bus.oldestSeq).toBe(3);
    expect(bus.since(0)).toMatchObject({ gap: { from: 1, to: 2 } });
    expect(bus.since(0).messages.map((m) => m.seq)).toEqual([3, 4, 5, 6]);
    // A loaded finding numbered 1 continues the run.
    expect(bus.publish(makeFinding(1)).seq).toBe(7);
    expect(heard).toEqual([7]);
    expect(bus.since(0).messages.map((m) => m.seq)).toEqual([4, 5, 6, 7]);
    expect(() => bus.restore([])).toThrow(RangeError);
    expect(() => new FindingBus().restore([2, 2].map((i) => ({ channel: 'findings' as const, seq: i, finding: makeFinding(i) })))).toThrow(RangeError);
  });
});
