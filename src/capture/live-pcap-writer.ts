/**
 * `--write FILE.pcap`: a rolling copy of what live capture read, as a
 * nanosecond pcap file (magic 0xa1b23c4d, version 2.4, little-endian;
 * https://www.tcpdump.org/manpages/pcap-savefile.5.txt).
 *
 * Live batches are already pcap records (see LiveSource), so a batch is
 * appended with one write and no per-packet work. When the file reaches
 * `maxFileBytes` it is renamed to `FILE.1` (replacing an older one) and a new
 * FILE is started: at most two files, about 2 × maxFileBytes of disk. Rotation
 * happens at batch boundaries, so a file can pass the cap by at most one batch.
 */
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';

/** pcap global header length, bytes. */
const PCAP_HEADER_BYTES = 24;
/** Nanosecond-resolution pcap magic (as written little-endian). */
const PCAP_MAGIC_NANO = 0xa1b23c4d;

export interface LivePcapWriterOptions {
  /** Rotate when the file reaches this many bytes. Default 1 GiB. */
  maxFileBytes?: number;
}

export class LivePcapWriter {
  readonly path: string;
  readonly maxFileBytes: number;
  #fd: number;
  #fileBytes = 0;
  #header: Uint8Array;
  /** Files started again after reaching maxFileBytes. */
  rotations = 0;
  /** Bytes written over all files, headers included. */
  bytesWritten = 0;

  /** Opens (truncates) `path`. Throws the fs error (ENOENT, EACCES...). */
  constructor(path: string, linkType: number, snaplen: number, options: LivePcapWriterOptions = {}) {
    this.path = path;
    this.maxFileBytes = options.maxFileBytes ?? 1 << 30;
    const header = new Uint8Array(PCAP_HEADER_BYTES);
    const v = new DataView(header.buffer);
    v.setUint32(0, PCAP_MAGIC_NANO, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setInt32(8, 0, true); // thiszone
    v.setUint32(12, 0, true); // sigfigs
    v.setUint32(16, snaplen, true);
    v.setUint32(20, linkType, true);
    this.#header = header;
    this.#fd = this.#open();
  }

  /** Appends pcap records (a LiveSource batch); rotates first when the file is full. */
  write(records: Uint8Array): void {
    if (records.length === 0) return;
    if (this.#fileBytes > PCAP_HEADER_BYTES && this.#fileBytes + records.length > this.maxFileBytes) this.#rotate();
    this.#writeAll(records);
  }

  close(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }

  #open(): number {
    const fd = openSync(this.path, 'w');
    this.#fd = fd;
    this.#fileBytes = 0;
    this.#writeAll(this.#header);
    return fd;
  }

  #rotate(): void {
    closeSync(this.#fd);
    renameSync(this.path, `${this.path}.1`);
    this.rotations++;
    this.#open();
  }

  #writeAll(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length) off += writeSync(this.#fd, bytes, off, bytes.length - off);
    this.#fileBytes += bytes.length;
    this.bytesWritten += bytes.length;
  }
}
