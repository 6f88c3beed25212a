/**
 * Property tests with a seeded PRNG (deterministic): random byte streams cut
 * into random segments, reordered and duplicated with different boundaries,
 * from random ISNs (often straddling 2^32).
 */
import { describe, expect, it } from 'vitest';
import type { ReassemblyOptions } from '../../src/reassembly/tcp-reassembler.js';
import { seqAdd } from '../../src/reassembly/tcp-seq.js';
import { F, scenario } from './scenario.js';
import { mulberry32 } from '../helpers/pcap-writer.js';

const prng = mulberry32;

interface Piece { off: number; len: number; fin?: boolean }

function makeCase(rand: () => number) {
  const int = (n: number) => Math.floor(rand() * n);
  const total = 1 + int(3000);
  const data = new Uint8Array(total);
  for (let i = 0; i < total; i++) data[i] = int(256);
  const isn = rand() < 0.5 ? (0x100000000 - 1 - int(total + 2)) >>> 0 : int(0x100000000) >>> 0;
  const pieces: Piece[] = [];
  for (let off = 0; off < total;) {
    const len = Math.min(total - off, 1 + int(300));
    pieces.push({ off, len });
    off += len;
  }
  const dups = int(pieces.length + 1);
  for (let i = 0; i < dups; i++) {
    const off = int(total);
    pieces.push({ off, len: 1 + int(Math.min(400, total - off)) });
  }
  pieces.push({ off: total, len: 0, fin: true });
  for (let i = pieces.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [pieces[i], pieces[j]] = [pieces[j]!, pieces[i]!];
  }
  return { data, isn, pieces, int };
}

function feed(seed: number, options: ReassemblyOptions | undefined, dropRate: number, acks: boolean) {
  const rand = prng(seed);
  const { data, isn, pieces, int } = makeCase(rand);
  const sc = scenario(options);
  const { ep } = sc;
  const sIsn = 777;
  ep.c(isn, 0, F.SYN);
  ep.s(sIsn, seqAdd(isn, 1), F.SYN | F.ACK);
  let sent = 0;
  for (const p of pieces) {
    if (!p.fin && rand() < dropRate) continue;
    const seq = seqAdd(isn, 1 + p.off);
    const payload = Buffer.from(data.subarray(p.off, p.off + p.len)).toString('latin1');
    ep.c(seq, sIsn + 1, p.fin ? F.FIN | F.ACK : F.ACK, payload);
    sent = Math.max(sent, p.off + p.len);
    if (acks && rand() < 0.3) ep.s(sIsn + 1, seqAdd(isn, 1 + int(sent + 1)), F.ACK);
  }
  sc.feeder.flushAll();
  return { sc, data };
}

describe('reassembly properties', () => {
  it('random segmentation + reordering + duplication always reassembles to the original', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const { sc, data } = feed(seed, undefined, 0, false);
      const c = sc.conn();
      expect(c.calls.filter((x) => x.kind === 'gap'), `seed ${seed}`).toEqual([]);
      expect(Buffer.from(c.raw[0]).equals(Buffer.from(data)), `seed ${seed}`).toBe(true);
      expect(c.calls.some((x) => x.kind === 'end' && x.dir === 0), `seed ${seed}`).toBe(true);
      expect(sc.events.get('tcp.overlap_inconsistent')).toBe(0);
      expect(sc.reassembler.stats().bufferedBytes).toBe(0);
    }
  });

  it('with drops, random ACKs and small caps: delivered bytes sit at their true offsets and data + gaps = stream length', () => {
    let gaps = 0;
    let capHits = 0;
    let singleConnection = 0;
    for (let seed = 1001; seed <= 1300; seed++) {
      const rand = prng(seed * 7);
      const options: ReassemblyOptions = {
        maxBufferedBytesPerDirection: 1 + Math.floor(rand() * 2000),
        maxBufferedSegmentsPerDirection: 1 + Math.floor(rand() * 20),
      };
      const { sc, data } = feed(seed, options, 0.15, true);
      const c = sc.conn();
      let pos = 0;
      for (const call of c.calls) {
        if (call.kind === 'data' && call.dir === 0) {
          const expected = Buffer.from(data.subarray(pos, pos + call.text.length)).toString('latin1');
          expect(call.text, `seed ${seed} at ${pos}`).toBe(expected);
          pos += call.text.length;
        } else if (call.kind === 'gap' && call.dir === 0) {
          expect(call.length).toBeGreaterThan(0);
          pos += call.length;
        }
      }
      expect(pos, `seed ${seed}`).toBe(data.length);
      const st = sc.reassembler.stats();
      expect(st.bufferedBytes).toBe(0);
      expect(sc.events.get('tcp.overlap_inconsistent')).toBe(0);
      gaps += st.gaps;
      capHits += st.capHits.maxBufferedBytesPerDirection! + st.capHits.maxBufferedSegmentsPerDirection!;
      if (c.info.firstPacketIndex === 0 && sc.reassembler.stats().connectionsTotal === 1) singleConnection++;
    }
    // Not vacuous: the runs did hit gaps and caps.
    expect(gaps).toBeGreaterThan(100);
    expect(capHits).toBeGreaterThan(100);
    expect(singleConnection).toBe(300);
  });
});
