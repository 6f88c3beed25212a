/**
 * Damaged and foreign inputs: truncation (cut with `head -c`), impossible
 * headers (bytes patched by hand at documented offsets), non-capture files,
 * missing files, plus early stop and the single-use contract.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureFile } from '../../src/capture/capture-file.js';
import { CaptureFileError } from '../../src/errors.js';
import { CORPUS, EXPECTED, FORMATS, loadOracle, pcapngBlockOffsets, readRows, readUntilError, toRow } from './frame-oracle.js';

const tmp = mkdtempSync(join(tmpdir(), 'apisensor-capture-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const GET_PCAP = join(CORPUS, 'zeek/get/get.pcap');
const LO_NSEC_PCAP = join(FORMATS, 'lo-nsec.pcap');
const LO_NSEC_PCAPNG = join(FORMATS, 'lo-nsec.pcapng');
const CHUNKS = [undefined, 7, 64];

/** `head -c n src > dst`. */
function headC(src: string, n: number, name: string): string {
  const dst = join(tmp, name);
  writeFileSync(dst, execFileSync('head', ['-c', String(n), src]));
  return dst;
}

/** Offsets of the records of a pcap file from tshark's captured lengths: 24-byte file header, 16-byte record headers. */
function pcapRecordOffsets(capLens: number[]): number[] {
  const out: number[] = [];
  let o = 24;
  for (const c of capLens) {
    out.push(o);
    o += 16 + c;
  }
  out.push(o); // end of file
  return out;
}

function expectCaptureError(error: unknown, code: string, file: string, offset: number): CaptureFileError {
  expect(error).toBeInstanceOf(CaptureFileError);
  const e = error as CaptureFileError;
  expect({ code: e.code, file: e.file, offset: e.offset }).toEqual({ code, file, offset });
  expect(e.message).toContain(file);
  if (offset >= 0) expect(e.message).toContain(`at byte offset ${offset}`);
  return e;
}

describe('truncated files', () => {
  const oracle = loadOracle(join(FORMATS, 'lo-nsec.pcap.frames.tsv'));
  const offsets = pcapRecordOffsets(oracle.map((r) => r.capturedLength));

  it('pcap layout check: the records end exactly at the file size', () => {
    expect(offsets[offsets.length - 1]).toBe(readFileSync(LO_NSEC_PCAP).length);
  });

  for (const [what, cut, frames] of [
    ['inside the last record data', offsets[9]! + 16 + 10, 9],
    ['inside the last record header', offsets[9]! + 5, 9],
    ['inside record 4 data', offsets[3]! + 20, 3],
    ['inside the file header', 10, 0],
  ] as const) {
    for (const chunkBytes of CHUNKS) {
      it(`pcap cut ${what} (chunkBytes ${chunkBytes ?? 'default'}): complete frames, then ERR_CAPTURE_TRUNCATED`, async () => {
        const file = headC(LO_NSEC_PCAP, cut, `cut-${cut}.pcap`);
        const { rows, error } = await readUntilError(file, { chunkBytes });
        expect(rows).toEqual(oracle.slice(0, frames));
        expectCaptureError(error, 'ERR_CAPTURE_TRUNCATED', file, frames === 0 ? 0 : offsets[frames]!);
      });
    }
  }

  it('pcap cut exactly at a record boundary is a clean end', async () => {
    const file = headC(LO_NSEC_PCAP, offsets[5]!, 'cut-boundary.pcap');
    const { rows, stats } = await readRows(file, { chunkBytes: 7 });
    expect(rows).toEqual(oracle.slice(0, 5));
    expect(stats.frames).toBe(5);
  });

  it('pcapng cut inside the Interface Statistics Block: all 10 frames, then ERR_CAPTURE_TRUNCATED at the ISB', async () => {
    const ngOracle = loadOracle(join(FORMATS, 'lo-nsec.pcapng.frames.tsv'));
    const blocks = pcapngBlockOffsets(readFileSync(LO_NSEC_PCAPNG));
    const isb = blocks.find((b) => b.type === 5)!;
    expect(blocks.filter((b) => b.type === 6)).toHaveLength(10);
    for (const chunkBytes of CHUNKS) {
      const file = headC(LO_NSEC_PCAPNG, isb.offset + isb.length - 1, 'cut-isb.pcapng');
      const { rows, error } = await readUntilError(file, { chunkBytes });
      expect(rows).toEqual(ngOracle);
      expectCaptureError(error, 'ERR_CAPTURE_TRUNCATED', file, isb.offset);
    }
  });

  it('pcapng cut inside the 6th EPB: 5 frames, then ERR_CAPTURE_TRUNCATED at that block', async () => {
    const ngOracle = loadOracle(join(FORMATS, 'lo-nsec.pcapng.frames.tsv'));
    const epb6 = pcapngBlockOffsets(readFileSync(LO_NSEC_PCAPNG)).filter((b) => b.type === 6)[5]!;
    for (const cut of [epb6.offset + 3, epb6.offset + 30]) {
      const file = headC(LO_NSEC_PCAPNG, cut, `cut-epb-${cut}.pcapng`);
      const { rows, error } = await readUntilError(file, { chunkBytes: 64 });
      expect(rows).toEqual(ngOracle.slice(0, 5));
      expectCaptureError(error, 'ERR_CAPTURE_TRUNCATED', file, epb6.offset);
    }
  });

  it('gzip stream cut short: the frames decompressed so far, then ERR_CAPTURE_TRUNCATED at the next block', async () => {
    const gz = join(FORMATS, 'multi-link.pcapng.gz');
    const plain = readFileSync(join(FORMATS, 'multi-link.pcapng'));
    const ngOracle = loadOracle(join(FORMATS, 'multi-link.pcapng.frames.tsv'));
    const packetBlocks = pcapngBlockOffsets(plain).filter((b) => b.type === 6);
    const file = headC(gz, 3000, 'cut.pcapng.gz');
    const { rows, error } = await readUntilError(file, { chunkBytes: 64 });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(ngOracle.length);
    expect(rows).toEqual(ngOracle.slice(0, rows.length));
    const e = expectCaptureError(error, 'ERR_CAPTURE_TRUNCATED', file, packetBlocks[rows.length]!.offset);
    expect(e.message).toContain('gzip');
  });
});

describe('corrupt record headers', () => {
  it('pcap: captured length 0x7fffffff in record 3 → frames 1-2, then ERR_CAPTURE_CORRUPT at record 3', async () => {
    const oracle = loadOracle(join(EXPECTED, 'zeek-get.frames.tsv'));
    const offsets = pcapRecordOffsets(oracle.map((r) => r.capturedLength));
    const bytes = Buffer.from(readFileSync(GET_PCAP));
    bytes.writeUInt32LE(0x7fffffff, offsets[2]! + 8); // incl_len of record 3 (little-endian file)
    const file = join(tmp, 'huge-caplen.pcap');
    writeFileSync(file, bytes);
    for (const chunkBytes of CHUNKS) {
      const { rows, error } = await readUntilError(file, { chunkBytes });
      expect(rows).toEqual(oracle.slice(0, 2));
      expectCaptureError(error, 'ERR_CAPTURE_CORRUPT', file, offsets[2]!);
    }
  });

  it('pcap: maxCapturedLength 1000 rejects the first 1514-byte frame', async () => {
    const oracle = loadOracle(join(EXPECTED, 'zeek-get.frames.tsv'));
    const offsets = pcapRecordOffsets(oracle.map((r) => r.capturedLength));
    const first = oracle.findIndex((r) => r.capturedLength > 1000);
    expect(oracle[first]!.capturedLength).toBe(1514);
    const { rows, error } = await readUntilError(GET_PCAP, { maxCapturedLength: 1000 });
    expect(rows).toEqual(oracle.slice(0, first));
    expectCaptureError(error, 'ERR_CAPTURE_CORRUPT', GET_PCAP, offsets[first]!);
  });

  describe('pcapng (get.pcapng, little-endian)', () => {
    const source = readFileSync(join(FORMATS, 'get.pcapng'));
    const oracle = loadOracle(join(FORMATS, 'get.pcapng.frames.tsv'));
    const epbs = pcapngBlockOffsets(source).filter((b) => b.type === 6);
    const patched = (name: string, patch: (b: Buffer, at: number) => void): string => {
      const bytes = Buffer.from(source);
      patch(bytes, epbs[3]!.offset);
      const file = join(tmp, name);
      writeFileSync(file, bytes);
      return file;
    };
    for (const [what, patch] of [
      ['block length not a multiple of 4', (b: Buffer, at: number) => b.writeUInt32LE(b.readUInt32LE(at + 4) + 2, at + 4)],
      ['block length below 12', (b: Buffer, at: number) => b.writeUInt32LE(8, at + 4)],
      ['block length of 4 GiB - 4', (b: Buffer, at: number) => b.writeUInt32LE(0xfffffffc, at + 4)],
      ['trailing length differs', (b: Buffer, at: number) => b.writeUInt32LE(b.readUInt32LE(at + 4) + 4, at + b.readUInt32LE(at + 4) - 4)],
      ['EPB on interface 5 of 1', (b: Buffer, at: number) => b.writeUInt32LE(5, at + 8)],
      ['EPB captured length past the block', (b: Buffer, at: number) => b.writeUInt32LE(b.readUInt32LE(at + 4), at + 20)],
    ] as const) {
      it(`${what} in EPB 4 → frames 1-3, then ERR_CAPTURE_CORRUPT at that block`, async () => {
        const file = patched(`${what.replace(/\W+/g, '-')}.pcapng`, patch);
        for (const chunkBytes of CHUNKS) {
          const { rows, error } = await readUntilError(file, { chunkBytes });
          expect(rows).toEqual(oracle.slice(0, 3));
          expectCaptureError(error, 'ERR_CAPTURE_CORRUPT', file, epbs[3]!.offset);
        }
      });
    }
  });
});

describe('unknown pcapng blocks', () => {
  it('blocks of unassigned and local-use types inserted by hand are skipped', async () => {
    const source = readFileSync(join(FORMATS, 'get.pcapng'));
    const blocks = pcapngBlockOffsets(source);
    expect(blocks.slice(0, 2).map((b) => b.type)).toEqual([0x0a0d0d0a, 1]); // SHB, IDB
    const afterIdb = blocks[1]!.offset + blocks[1]!.length;
    const epb3 = blocks.filter((b) => b.type === 6)[2]!.offset;
    // Type 0x0000BEEF, total length 24: 8 framing + 12 body + 4 trailer.
    const unknown = Buffer.from('efbe0000' + '18000000' + '000102030405060708090a0b' + '18000000', 'hex');
    // Local-use type 0x80000001 with an empty body: total length 12.
    const local = Buffer.from('01000080' + '0c000000' + '0c000000', 'hex');
    const bytes = Buffer.concat([source.subarray(0, afterIdb), unknown, source.subarray(afterIdb, epb3), local, source.subarray(epb3)]);
    const file = join(tmp, 'unknown-blocks.pcapng');
    writeFileSync(file, bytes);
    for (const chunkBytes of CHUNKS) {
      const { rows, stats } = await readRows(file, { chunkBytes });
      expect(rows).toEqual(loadOracle(join(FORMATS, 'get.pcapng.frames.tsv')));
      expect(stats.frames).toBe(14);
    }
  });
});

describe('not capture files', () => {
  it('text (HTML) file → ERR_CAPTURE_FORMAT naming the first bytes', async () => {
    const file = join(tmp, 'page.pcap');
    writeFileSync(file, '<!DOCTYPE html><html><body>not a capture</body></html>\n');
    const err = await CaptureFile.open(file).catch((e: unknown) => e);
    const e = expectCaptureError(err, 'ERR_CAPTURE_FORMAT', file, -1);
    expect(e.message).toBe(`${file}: not a pcap or pcapng file (starts with 3c 21 44 4f)`);
  });

  it('pseudo-random bytes → ERR_CAPTURE_FORMAT', async () => {
    // Deterministic "random" bytes: SHA-256 chain; first bytes 0x6e 0x34 ... (not a magic).
    const { createHash } = await import('node:crypto');
    const parts: Buffer[] = [];
    let h = Buffer.from('apisensor');
    for (let i = 0; i < 64; i++) parts.push((h = createHash('sha256').update(h).digest()));
    const bytes = Buffer.concat(parts);
    const file = join(tmp, 'random.bin');
    writeFileSync(file, bytes);
    const hex = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const e = expectCaptureError(await CaptureFile.open(file).catch((x: unknown) => x), 'ERR_CAPTURE_FORMAT', file, -1);
    expect(e.message).toBe(`${file}: not a pcap or pcapng file (starts with ${hex})`);
  });

  it('gzip of a text file → ERR_CAPTURE_FORMAT saying it was compressed', async () => {
    const file = join(tmp, 'text.gz');
    writeFileSync(file, gzipSync('GET / HTTP/1.1\r\n\r\n'));
    const e = expectCaptureError(await CaptureFile.open(file).catch((x: unknown) => x), 'ERR_CAPTURE_FORMAT', file, -1);
    expect(e.message).toBe(`${file}: gzip-compressed, but not a pcap or pcapng file (starts with 47 45 54 20)`);
  });

  it('empty file → ERR_CAPTURE_FORMAT', async () => {
    const file = join(tmp, 'empty.pcap');
    writeFileSync(file, '');
    const e = expectCaptureError(await CaptureFile.open(file).catch((x: unknown) => x), 'ERR_CAPTURE_FORMAT', file, -1);
    expect(e.message).toContain('empty file (0 bytes)');
  });

  it('a pcap file header alone is a valid capture with 0 frames', async () => {
    const file = headC(LO_NSEC_PCAP, 24, 'header-only.pcap');
    const { rows, stats } = await readRows(file, { chunkBytes: 7 });
    expect(rows).toEqual([]);
    expect(stats).toEqual({ frames: 0, bytes: 0, format: 'pcap', compressed: false, linkTypes: [1] });
  });

  it('missing file → ERR_CAPTURE_OPEN, exit code 2', async () => {
    const file = join(tmp, 'no-such-file.pcap');
    const e = expectCaptureError(await CaptureFile.open(file).catch((x: unknown) => x), 'ERR_CAPTURE_OPEN', file, -1);
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain('ENOENT');
  });

  it('directory → ERR_CAPTURE_OPEN, exit code 2', async () => {
    const dir = join(tmp, 'a-directory.pcap');
    mkdirSync(dir);
    const e = expectCaptureError(await CaptureFile.open(dir).catch((x: unknown) => x), 'ERR_CAPTURE_OPEN', dir, -1);
    expect(e.exitCode).toBe(2);
  });

  it('bad options → UsageError', async () => {
    await expect(CaptureFile.open(GET_PCAP, { chunkBytes: 0 })).rejects.toMatchObject({ code: 'ERR_USAGE' });
    await expect(CaptureFile.open(GET_PCAP, { chunkBytes: 1.5 })).rejects.toMatchObject({ code: 'ERR_USAGE' });
  });
});

describe('callback contract', () => {
  it('one reused RawFrame; returning false stops after that frame', async () => {
    const file = await CaptureFile.open(GET_PCAP);
    const seen = new Set<object>();
    let calls = 0;
    const stats = await file.read((fr) => {
      seen.add(fr);
      calls++;
      return calls < 3 ? undefined : false;
    });
    await file.close();
    expect(calls).toBe(3);
    expect(seen.size).toBe(1);
    const oracle = loadOracle(join(EXPECTED, 'zeek-get.frames.tsv'));
    expect(stats.frames).toBe(3);
    expect(stats.bytes).toBe(oracle.slice(0, 3).reduce((n, r) => n + r.capturedLength, 0));
  });

  it('read() twice throws; close() is idempotent', async () => {
    const file = await CaptureFile.open(GET_PCAP);
    expect(file.path).toBe(GET_PCAP);
    await file.read(() => {});
    await expect(file.read(() => {})).rejects.toThrow(/only once/);
    await file.close();
    await file.close();
  });

  it('an error thrown by onFrame propagates unchanged', async () => {
    const file = await CaptureFile.open(GET_PCAP);
    const boom = new Error('boom');
    await expect(file.read(() => { throw boom; })).rejects.toBe(boom);
    await file.close();
  });

  it('beforeChunk is awaited between reads and does not change the frames', async () => {
    const oracle = loadOracle(join(FORMATS, 'lo-nsec.pcap.frames.tsv'));
    const file = await CaptureFile.open(LO_NSEC_PCAP, { chunkBytes: 64 });
    const rows: ReturnType<typeof toRow>[] = [];
    let calls = 0;
    const stats = await file.read((fr) => { rows.push(toRow(fr)); }, {
      beforeChunk: async () => {
        calls++;
        await new Promise((resolve) => setImmediate(resolve));
      },
    });
    await file.close();
    expect(rows).toEqual(oracle);
    expect(stats.frames).toBe(10);
    // 1169 bytes in reads of at most 64 bytes: at least 1169 / 64 reads after the first.
    expect(calls).toBeGreaterThanOrEqual(Math.floor(1169 / 64));
  });

  it('an error thrown by beforeChunk propagates unchanged and stops delivery', async () => {
    const file = await CaptureFile.open(LO_NSEC_PCAP, { chunkBytes: 64 });
    const stop = new Error('backpressure failure');
    let frames = 0;
    let framesAtThrow = -1;
    const err = await file.read(() => { frames++; }, {
      beforeChunk: () => {
        if (frames >= 2) {
          framesAtThrow = frames;
          throw stop;
        }
      },
    }).catch((e: unknown) => e);
    await file.close();
    expect(err).toBe(stop);
    expect(frames).toBe(framesAtThrow);
  });
});
