/**
 * Magic numbers of the capture file formats we read, and the sniffer that
 * names the format from a file's first bytes.
 *
 * Sources:
 * - pcap: draft-ietf-opsawg-pcap-03, section 4 (file header magic).
 * - pcapng: draft-ietf-opsawg-pcapng, section 4.1 (Section Header Block type
 *   and Byte-Order Magic).
 * - gzip: RFC 1952, section 2.3.1 (ID1 = 0x1f, ID2 = 0x8b).
 */

/** pcap magic, microsecond timestamps, as a u32 in the writer's byte order. */
export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
/** pcap magic, nanosecond timestamps, as a u32 in the writer's byte order. */
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;
/** Alexey Kuznetzov's modified pcap (24-byte record headers); not supported. */
export const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;
/** pcapng Section Header Block type; a palindrome, so the same in both byte orders. */
export const PCAPNG_SHB_TYPE = 0x0a0d0d0a;
/** pcapng Byte-Order Magic, the first body word of a Section Header Block. */
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** gzip member header: ID1, ID2. */
export const GZIP_ID1 = 0x1f;
export const GZIP_ID2 = 0x8b;

/**
 * Bytes the sniffer wants to see when the file has them: pcapng block type
 * (4) + block total length (4) + Byte-Order Magic (4).
 */
export const SNIFF_BYTES = 12;

export type CaptureFormat = 'pcap' | 'pcapng';

/** Result of {@link sniffCaptureFormat}: the format, or why the bytes are not one. */
export type SniffResult =
  | { ok: true; format: CaptureFormat }
  | { ok: false; reason: string };

/** True when `bytes` start with the gzip member magic (RFC 1952). */
export function isGzip(bytes: Uint8Array, length: number): boolean {
  return length >= 2 && bytes[0] === GZIP_ID1 && bytes[1] === GZIP_ID2;
}

/**
 * Names the capture format from the first `length` bytes of `bytes` (pass at
 * least {@link SNIFF_BYTES} when the file has them). Pure; never throws.
 * `reason` is a phrase for an error message, e.g.
 * `not a pcap or pcapng file (starts with 3c 21 44 4f)`.
 */
export function sniffCaptureFormat(bytes: Uint8Array, length: number): SniffResult {
  if (length === 0) return { ok: false, reason: 'empty file (0 bytes): not a pcap or pcapng file' };
  if (length >= 4) {
    const le = readU32(bytes, true);
    const be = readU32(bytes, false);
    if (le === PCAP_MAGIC_USEC || le === PCAP_MAGIC_NSEC || be === PCAP_MAGIC_USEC || be === PCAP_MAGIC_NSEC) {
      return { ok: true, format: 'pcap' };
    }
    if (le === PCAP_MAGIC_MODIFIED || be === PCAP_MAGIC_MODIFIED) {
      return { ok: false, reason: 'modified (Kuznetzov) pcap files are not supported; convert with `editcap -F pcap`' };
    }
    if (le === PCAPNG_SHB_TYPE) {
      // With fewer than 12 bytes the block parser reports truncation.
      if (length < SNIFF_BYTES) return { ok: true, format: 'pcapng' };
      const bom = readU32(bytes.subarray(8), true);
      if (bom === PCAPNG_BYTE_ORDER_MAGIC || readU32(bytes.subarray(8), false) === PCAPNG_BYTE_ORDER_MAGIC) {
        return { ok: true, format: 'pcapng' };
      }
      return { ok: false, reason: `not a pcap or pcapng file (pcapng block type, but byte-order magic is ${hexBytes(bytes.subarray(8), 4)})` };
    }
  }
  return { ok: false, reason: `not a pcap or pcapng file (starts with ${hexBytes(bytes, Math.min(length, 4))})` };
}

/** `n` bytes as lower-case hex pairs separated by spaces: `3c 21 44 4f`. */
export function hexBytes(bytes: Uint8Array, n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < n && i < bytes.length; i++) parts.push(bytes[i]!.toString(16).padStart(2, '0'));
  return parts.join(' ');
}

function readU32(b: Uint8Array, littleEndian: boolean): number {
  return littleEndian
    ? (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0
    : ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}
