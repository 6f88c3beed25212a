import { describe, expect, it } from 'vitest';
import { seqAdd, seqDiff, seqGeq, seqGt, seqLeq, seqLt } from '../../src/reassembly/tcp-seq.js';

const MAX = 0xffffffff;

describe('tcp-seq (mod 2^32)', () => {
  it('adds with wrap-around', () => {
    expect(seqAdd(MAX, 1)).toBe(0);
    expect(seqAdd(MAX - 5, 10)).toBe(4);
    expect(seqAdd(0, -1)).toBe(MAX);
    expect(seqAdd(3, -5)).toBe(MAX - 1);
  });

  it('differences across the wrap', () => {
    expect(seqDiff(0, MAX)).toBe(1);
    expect(seqDiff(MAX, 0)).toBe(-1);
    expect(seqDiff(5, 0xfffffffb)).toBe(10);
    expect(seqDiff(0x7fffffff, 0)).toBe(0x7fffffff);
  });

  it('compares across the wrap', () => {
    expect(seqLt(MAX, 0)).toBe(true);
    expect(seqLt(0, MAX)).toBe(false);
    expect(seqGt(0, MAX)).toBe(true);
    expect(seqLeq(7, 7)).toBe(true);
    expect(seqGeq(7, 7)).toBe(true);
    expect(seqLt(7, 7)).toBe(false);
    expect(seqLt(0xfffffff0, 0x10)).toBe(true);
    expect(seqLt(0, 0x7fffffff)).toBe(true);
    expect(seqGt(0x10, 0xfffffff0)).toBe(true);
  });
});
