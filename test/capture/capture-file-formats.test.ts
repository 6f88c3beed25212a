/**
 * Every supported format against tshark: per frame interface, link type,
 * timestamp (ns), original and captured length and the MD5 of the captured
 * bytes, at several chunk sizes (tiny ones put record and header boundaries
 * across reads and force buffer growth).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureFile } from '../../src/capture/capture-file.js';
import { CaptureFileError } from '../../src/errors.js';
import { CORPUS, EXPECTED, FORMATS, loadOracle, readRows } from './frame-oracle.js';

const tmp = mkdtempSync(join(tmpdir(), 'apisensor-capture-formats-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Case {
  name: string;
  file: string;
  oracle: string;
  format: 'pcap' | 'pcapng';
  compressed: boolean;
  /** Link types declared by the file, in order (capinfos "Encapsulation" per interface / pcap header bytes 20..23). */
  linkTypes: number[];
}

const own = (f: string, format: Case['format'], compressed: boolean, linkTypes: number[]): Case => ({
  name: f, file: join(FORMATS, f), oracle: join(FORMATS, `${f}.frames.tsv`), format, compressed, linkTypes,
});
const corpus = (path: string, oracle: string, format: Case['format'], linkTypes: number[]): Case => ({
  name: path, file: join(CORPUS, path), oracle: join(EXPECTED, oracle), format, compressed: false, linkTypes,
});

const CASES: Case[] = [
  corpus('zeek/get/get.pcap', 'zeek-get.frames.tsv', 'pcap', [1]), // pcap LE µs
  own('lo-nsec.pcap', 'pcap', false, [1]), // pcap LE ns
  own('lo-nsec-be.pcap', 'pcap', false, [1]), // pcap BE ns
  corpus('ndpi/fuzz-2006-09-29-28586/fuzz-2006-09-29-28586.pcap', 'ndpi-fuzz-2006-09-29-28586.frames.tsv', 'pcap', [1]), // pcap BE µs
  corpus('tcpreplay/test.rewrite_dlthdlc/test.rewrite_dlthdlc', 'tcpreplay-test.rewrite_dlthdlc.frames.tsv', 'pcap', [104]), // BE, C-HDLC
  own('get-gzipped.pcap', 'pcap', true, [1]), // gzip under a .pcap name
  own('get.pcapng', 'pcapng', false, [1]),
  own('lo-nsec.pcapng', 'pcapng', false, [1]), // if_tsresol 9, ISB
  own('multi-link.pcapng', 'pcapng', false, [1, 228, 0]),
  own('multi-link.pcapng.gz', 'pcapng', true, [1, 228, 0]),
  own('handmade.pcapng', 'pcapng', false, [1, 101]), // tsresol 2^-20/10^-3/10^-10/2^-32, tsoffset, PB, SPB, unknown block
  corpus('gopacket/be-test202/test202.pcapng', 'gopacket-be-test202.frames.tsv', 'pcapng', [1, 0]), // BE, 3 sections, SPB, custom blocks
];

describe('CaptureFile matches tshark', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      const expected = loadOracle(c.oracle);
      for (const chunkBytes of [undefined, 7, 64, 1000]) {
        it(`chunkBytes ${chunkBytes ?? 'default'}`, async () => {
          const { rows, stats } = await readRows(c.file, chunkBytes === undefined ? undefined : { chunkBytes });
          expect(rows).toEqual(expected);
          expect(stats).toEqual({
            frames: expected.length,
            bytes: expected.reduce((n, r) => n + r.capturedLength, 0),
            format: c.format,
            compressed: c.compressed,
            linkTypes: c.linkTypes,
          });
        });
      }
    });
  }

  it('gopacket be-test202: 8 frames, the 3 custom blocks tshark lists as "data" are skipped', () => {
    // Checks the oracle filter itself: tshark lists 11 records, 3 of them custom blocks.
    expect(loadOracle(join(EXPECTED, 'gopacket-be-test202.frames.tsv'))).toHaveLength(8);
  });

  it('the same packets read identically from pcap, pcapng, gzip and a merged pcapng', async () => {
    const fromPcap = (await readRows(join(CORPUS, 'zeek/get/get.pcap'))).rows;
    const fromPcapng = (await readRows(join(FORMATS, 'get.pcapng'))).rows;
    const fromGzip = (await readRows(join(FORMATS, 'get-gzipped.pcap'))).rows;
    const fromMerged = (await readRows(join(FORMATS, 'multi-link.pcapng.gz'))).rows.filter((r) => r.interfaceId === 0);
    expect(fromPcap).toHaveLength(14);
    expect(fromPcapng).toEqual(fromPcap);
    expect(fromGzip).toEqual(fromPcap);
    expect(fromMerged).toEqual(fromPcap);
  });

  it('byte order does not change frames: lo-nsec.pcap and its big-endian copy', async () => {
    const le = (await readRows(join(FORMATS, 'lo-nsec.pcap'))).rows;
    const be = (await readRows(join(FORMATS, 'lo-nsec-be.pcap'))).rows;
    expect(be).toEqual(le);
  });

  it('pcap LinkType field with FCS bits set: link type is the low 16 bits', async () => {
    // get.pcap with header bytes 20..23 = 0x14000001 (little-endian): FCS length 1 (top 4 bits),
    // P bit (0x04000000), link type 1. tshark reads this file as encap 1 with output identical
    // to zeek-get.frames.tsv (checked when the test was written).
    const bytes = Buffer.from(readFileSync(join(CORPUS, 'zeek/get/get.pcap')));
    bytes.writeUInt32LE(0x14000001, 20);
    const file = join(tmp, 'fcs-bits.pcap');
    writeFileSync(file, bytes);
    const { rows, stats } = await readRows(file);
    expect(rows).toEqual(loadOracle(join(EXPECTED, 'zeek-get.frames.tsv')));
    expect(stats.linkTypes).toEqual([1]);
  });

  it('modified (Kuznetzov) pcap from `editcap -F modpcap` is refused with ERR_CAPTURE_FORMAT', async () => {
    // Its magic 0xa1b2cd34 (bytes 34 cd b2 a1) is the only difference visible in the first 4 bytes.
    const bytes = Buffer.from(readFileSync(join(CORPUS, 'zeek/get/get.pcap')));
    bytes.writeUInt32LE(0xa1b2cd34, 0);
    const file = join(tmp, 'modified.pcap');
    writeFileSync(file, bytes);
    const err = await CaptureFile.open(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CaptureFileError);
    expect((err as CaptureFileError).code).toBe('ERR_CAPTURE_FORMAT');
    expect((err as CaptureFileError).message).toContain('modified (Kuznetzov) pcap');
  });

  it('concatenated gzip members are one stream (as `gzip -dc` reads them)', async () => {
    const bytes = readFileSync(join(FORMATS, 'lo-nsec.pcap'));
    const file = join(tmp, 'two-members.pcap.gz');
    writeFileSync(file, Buffer.concat([gzipSync(bytes.subarray(0, 500)), gzipSync(bytes.subarray(500))]));
    for (const chunkBytes of [undefined, 7]) {
      const { rows, stats } = await readRows(file, { chunkBytes });
      expect(rows).toEqual(loadOracle(join(FORMATS, 'lo-nsec.pcap.frames.tsv')));
      expect(stats.compressed).toBe(true);
    }
  });
});
