/**
 * Test helpers: load a tshark oracle (`*.frames.tsv`, see pcaps/README.md)
 * and read a capture with CaptureFile into the same row shape.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaptureFile, type CaptureFileOptions, type CaptureFileStats } from '../../src/capture/capture-file.js';
import type { RawFrame } from '../../src/capture/raw-frame.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const FORMATS = join(REPO, 'pcaps/formats');
export const CORPUS = join(REPO, '../shared/corpus');
export const EXPECTED = join(REPO, 'test/capture/expected');

/**
 * Wireshark encapsulation (frame.encap_type) → LINKTYPE_* value, for the
 * encapsulations our fixtures use. Source: Wireshark wiretap/pcap-common.c,
 * table `pcap_to_wtap_map` (and capinfos, which prints both, e.g.
 * "Raw IPv4 (129 - rawip4)" for link type 228).
 */
const WTAP_ENCAP_TO_LINKTYPE: Record<string, number> = {
  '1': 1, // WTAP_ENCAP_ETHERNET ← LINKTYPE_ETHERNET
  '7': 101, // WTAP_ENCAP_RAW_IP ← LINKTYPE_RAW
  '15': 0, // WTAP_ENCAP_NULL ← LINKTYPE_NULL
  '28': 104, // WTAP_ENCAP_CHDLC ← LINKTYPE_C_HDLC
  '129': 228, // WTAP_ENCAP_RAW_IP4 ← LINKTYPE_IPV4
};

/** One frame as both tshark and our reader describe it. */
export interface FrameRow {
  interfaceId: number;
  linkType: number;
  /** `sec.nnnnnnnnn`; "0.000000000" for frames without a timestamp (SPB). */
  time: string;
  originalLength: number;
  capturedLength: number;
  /** MD5 of the captured bytes, hex. */
  md5: string;
}

/**
 * Rows of a tshark oracle. Records tshark shows without an encapsulation
 * (pcapng custom blocks, which it lists as "data" frames) are not frames and
 * are dropped.
 */
export function loadOracle(tsvPath: string): FrameRow[] {
  const lines = readFileSync(tsvPath, 'utf8').split('\n').filter((l) => l.length > 0);
  const header = lines[0]!.split('\t');
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${tsvPath}: no column ${name}`);
    return i;
  };
  const [cIf, cEncap, cTime, cLen, cCap, cMd5] = ['frame.interface_id', 'frame.encap_type', 'frame.time_epoch',
    'frame.len', 'frame.cap_len', 'frame.md5_hash'].map(col) as [number, number, number, number, number, number];
  const rows: FrameRow[] = [];
  for (const line of lines.slice(1)) {
    const f = line.split('\t');
    if (f[cEncap] === '') continue;
    const linkType = WTAP_ENCAP_TO_LINKTYPE[f[cEncap]!];
    if (linkType === undefined) throw new Error(`${tsvPath}: add encap ${f[cEncap]} to the map`);
    rows.push({
      interfaceId: f[cIf] === '' ? 0 : Number(f[cIf]),
      linkType,
      time: f[cTime] === '' ? '0.000000000' : f[cTime]!,
      originalLength: Number(f[cLen]),
      capturedLength: Number(f[cCap]),
      md5: f[cMd5]!,
    });
  }
  return rows;
}

/** A delivered frame as a row (copies what it keeps: the view dies when the callback returns). */
export function toRow(fr: RawFrame): FrameRow {
  if (fr.data.length !== fr.capturedLength) throw new Error('data length differs from capturedLength');
  return {
    interfaceId: fr.interfaceId,
    linkType: fr.linkType,
    time: `${fr.tsSec}.${String(fr.tsNsec).padStart(9, '0')}`,
    originalLength: fr.originalLength,
    capturedLength: fr.capturedLength,
    md5: createHash('md5').update(fr.data).digest('hex'),
  };
}

/** Reads a whole capture; rows in file order, plus stats. The file is closed. */
export async function readRows(path: string, options?: CaptureFileOptions, stopAfter = Infinity):
  Promise<{ rows: FrameRow[]; stats: CaptureFileStats }> {
  const file = await CaptureFile.open(path, options);
  const rows: FrameRow[] = [];
  try {
    const stats = await file.read((fr) => {
      rows.push(toRow(fr));
      return rows.length < stopAfter;
    });
    return { rows, stats };
  } finally {
    await file.close();
  }
}

/** Reads until an error; returns the rows delivered before it and the error (or null). */
export async function readUntilError(path: string, options?: CaptureFileOptions):
  Promise<{ rows: FrameRow[]; error: unknown }> {
  const rows: FrameRow[] = [];
  let file: CaptureFile | null = null;
  try {
    file = await CaptureFile.open(path, options);
    await file.read((fr) => {
      rows.push(toRow(fr));
    });
    return { rows, error: null };
  } catch (error) {
    return { rows, error };
  } finally {
    await file?.close();
  }
}

/**
 * Offsets of the pcapng blocks of a little-endian single-section file,
 * walked from the Block Total Length fields (draft-ietf-opsawg-pcapng 3.1).
 */
export function pcapngBlockOffsets(bytes: Buffer): { offset: number; type: number; length: number }[] {
  const out: { offset: number; type: number; length: number }[] = [];
  for (let o = 0; o + 12 <= bytes.length;) {
    const length = bytes.readUInt32LE(o + 4);
    out.push({ offset: o, type: bytes.readUInt32LE(o), length });
    o += length;
  }
  return out;
}
