/**
 * Every classic-pcap capture of the shared corpus, decoded frame by frame and
 * compared with tshark (the oracle, run at test time; see tsharkArgs): the
 * set of frames holding a TCP segment, and for each its innermost addresses,
 * ports, raw sequence number and TCP length (our payloadWireLength) must be
 * identical. Frames where tshark starts a TCP header it cannot finish (fuzzed
 * data offsets) must come back MALFORMED from us. Skipped, with a note, when
 * the corpus folder or tshark is missing.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DecodeResult } from '../../src/decode/decoded-packet.js';
import { decodeCapture } from './decode-capture.js';
import { CORPUS, haveOracle } from './corpus.js';
import { tsharkTcpFrames } from './tshark-oracle.js';

/** Classic pcap files of the corpus (pcapng and gzip are the capture reader's business). */
function corpusCaptures(): string[] {
  const out: string[] = [];
  for (const source of readdirSync(CORPUS).sort()) {
    const sourceDir = join(CORPUS, source);
    if (!statSync(sourceDir).isDirectory()) continue;
    for (const c of readdirSync(sourceDir).sort()) {
      const caseDir = join(sourceDir, c);
      for (const f of readdirSync(caseDir).sort()) {
        const path = join(caseDir, f);
        if (!statSync(path).isFile()) continue;
        const head = readFileSync(path).subarray(0, 4).toString('hex');
        if (head === 'd4c3b2a1' || head === 'a1b2c3d4' || head === '4d3cb2a1' || head === 'a1b23c4d') out.push(path);
      }
    }
  }
  return out;
}

describe.skipIf(!haveOracle)('decoded TCP frames equal tshark on every corpus capture', () => {
  for (const path of haveOracle && existsSync(CORPUS) ? corpusCaptures() : []) {
    it(path.slice(CORPUS.length + 1), () => {
      const oracle = tsharkTcpFrames(path);
      const expected = oracle.rows.map((r) => `${r.frame} ${r.src} ${r.dst} ${r.srcPort} ${r.dstPort} ${r.seqRaw} ${r.tcpLen}`);
      const decoded = decodeCapture(path);
      const actual = decoded.tcp.map((r) => `${r.frame} ${r.src} ${r.dst} ${r.srcPort} ${r.dstPort} ${r.seq} ${r.payloadWireLength}`);
      expect(expected.length).toBeGreaterThan(0);
      expect(actual).toEqual(expected);
      for (const n of oracle.malformed) expect(decoded.frames[n - 1]!.result, `frame ${n}`).toBe(DecodeResult.MALFORMED);
    });
  }
});
