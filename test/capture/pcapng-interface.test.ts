/**
 * pcapng timestamp conversion (if_tsresol / if_tsoffset, draft-ietf-opsawg-pcapng
 * section 4.2): the two-number integer paths against exact BigInt arithmetic
 * written here, and hand-computed values.
 */
import { describe, expect, it } from 'vitest';
import { PcapngInterface } from '../../src/capture/pcapng-interface.js';
import { createRawFrame } from '../../src/capture/raw-frame.js';

/** Splits a 64-bit unit count into the (hi, lo) words an EPB carries. */
function words(units: bigint): [number, number] {
  return [Number(units >> 32n), Number(units & 0xffffffffn)];
}

function convert(tsresol: number, units: bigint, tsOffsetSec = 0): [number, number] {
  const iface = new PcapngInterface();
  iface.reset(1, 0);
  iface.setResolution(tsresol);
  iface.tsOffsetSec = tsOffsetSec;
  const frame = createRawFrame();
  const [hi, lo] = words(units);
  iface.setTimestamp(frame, hi, lo);
  return [frame.tsSec, frame.tsNsec];
}

/** Exact reference: floor division in BigInt. */
function reference(tsresol: number, units: bigint, tsOffsetSec = 0): [number, number] {
  const e = BigInt(tsresol & 0x7f);
  const perSecond = (tsresol & 0x80) !== 0 ? 1n << e : 10n ** e;
  return [Number(units / perSecond) + tsOffsetSec, Number(((units % perSecond) * 1_000_000_000n) / perSecond)];
}

describe('PcapngInterface.setTimestamp', () => {
  it('default resolution is microseconds', () => {
    const iface = new PcapngInterface();
    iface.reset(1, 0);
    const frame = createRawFrame();
    // 1362692526.939084 s = 1362692526939084 µs.
    const [hi, lo] = words(1362692526939084n);
    iface.setTimestamp(frame, hi, lo);
    expect([frame.tsSec, frame.tsNsec]).toEqual([1362692526, 939084000]);
  });

  it('hand-computed values', () => {
    expect(convert(9, 1796078014826874567n)).toEqual([1796078014, 826874567]); // ns, passes 2^53
    expect(convert(9, 1796078014999999999n)).toEqual([1796078014, 999999999]); // last ns of a second
    expect(convert(9, 1796078015000000000n)).toEqual([1796078015, 0]);
    expect(convert(3, 1362692526939n)).toEqual([1362692526, 939000000]); // ms
    expect(convert(0, 1362692526n)).toEqual([1362692526, 0]); // s
    expect(convert(10, 13626925270095121234n)).toEqual([1362692527, 9512123]); // 10^-10, floor
    expect(convert(0x94, 1362692526n * 2n ** 20n + 2n ** 19n + 3n, 1000)).toEqual([1362693526, 500002861]); // 2^-20: 3/2^20 s = 2861.02 ns
    expect(convert(0xa0, (1362692527n << 32n) + 0x80000001n, -86400)).toEqual([1362606127, 500000000]); // 2^-32: BigInt path
    expect(convert(6, 0n, -5)).toEqual([-5, 0]); // negative offset
  });

  it('matches exact BigInt arithmetic across resolutions and magnitudes', () => {
    const resolutions = [0, 1, 3, 6, 7, 9, 10, 11, 12, 15, 0x80, 0x81, 0x8a, 0x94, 0x97, 0x98, 0xa0, 0xbf];
    // Deterministic spread of 64-bit values (LCG), plus edges.
    const values: bigint[] = [0n, 1n, 0xffffffffn, 0x100000000n, (1n << 53n) - 1n, 1n << 53n, (1n << 64n) - 1n];
    let x = 0x9e3779b97f4a7c15n;
    for (let i = 0; i < 300; i++) {
      x = (x * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
      values.push(x >> BigInt(i % 40)); // spread magnitudes from 2^24 to 2^64
    }
    for (const r of resolutions) {
      for (const v of values) {
        const [sec, nsec] = reference(r, v);
        // Seconds beyond 2^53 cannot be represented exactly by anyone; skip those.
        if (Math.abs(sec) > Number.MAX_SAFE_INTEGER) continue;
        expect(convert(r, v), `tsresol 0x${r.toString(16)} value ${v}`).toEqual([sec, nsec]);
      }
    }
  });
});
