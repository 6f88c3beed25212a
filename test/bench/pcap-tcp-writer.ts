/**
 * PcapTcpWriter: writes a classic pcap file (RFC draft "PCAP Capture File
 * Format", magic 0xa1b2c3d4, µs timestamps, LINKTYPE_ETHERNET = 1) of
 * Ethernet / IPv4 / TCP frames, fast: frames are laid out in one large
 * Buffer and flushed with `writeSync` when it is nearly full.
 *
 * Every frame is well formed: IPv4 header checksum (RFC 791) and TCP checksum
 * over the pseudo-header (RFC 9293 §3.1) are correct, so checksum-validating
 * tools accept the file.
 *
 * Frame layout (bytes): pcap record header 16 | Ethernet II 14 | IPv4 20 (no
 * options, DF set) | TCP 20 + options (SYN: MSS, SACK-permitted, timestamps,
 * NOP, window scale = 20 bytes; others: NOP NOP timestamps = 12 bytes) | payload.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

/** pcap global header: magic, version 2.4, thiszone 0, sigfigs 0, snaplen, linktype. */
const PCAP_GLOBAL_HEADER_LENGTH = 24;
/** pcap record header: ts_sec, ts_usec, incl_len, orig_len (all uint32 LE). */
const PCAP_RECORD_HEADER_LENGTH = 16;
const ETHERNET_HEADER_LENGTH = 14;
const ETHERTYPE_IPV4 = 0x0800;
const IPV4_HEADER_LENGTH = 20;
const IP_PROTOCOL_TCP = 6;
const TCP_BASE_HEADER_LENGTH = 20;
/** SYN options: MSS(4) + SACK_PERM(2) + TS(10) + NOP(1) + WS(3). */
const TCP_SYN_OPTIONS_LENGTH = 20;
/** Data/ACK options: NOP NOP TS(10). */
const TCP_TS_OPTIONS_LENGTH = 12;
const SNAPLEN = 65535;
/** Largest frame we ever write (pcap header + L2..L4 headers + one MSS-sized payload, with margin). */
const MAX_RECORD_LENGTH = 2048;

/** TCP flag bits (RFC 9293 §3.1). */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

/** Default output buffer: 16 MiB; one `writeSync` per fill. */
export const DEFAULT_PCAP_BUFFER_BYTES = 16 * 1024 * 1024;

/** One TCP segment to write. The caller may reuse the object between calls. */
export interface TcpFrameFields {
  /** Capture time, µs since the Unix epoch (integer). */
  tsMicros: number;
  /** IPv4 addresses as uint32 (host order, e.g. 0x0a000001 = 10.0.0.1). */
  srcIp: number;
  dstIp: number;
  srcPort: number;
  dstPort: number;
  /** Sequence / acknowledgment numbers, uint32. */
  seq: number;
  ack: number;
  /** OR of TCP_* flag bits. */
  flags: number;
  /** Window field as sent (already scaled down when window scaling is in effect). */
  window: number;
  /** IPv4 identification and TTL. */
  ipId: number;
  ttl: number;
  /** TCP timestamp option values (RFC 7323), uint32. */
  tsVal: number;
  tsEcr: number;
  /** For SYN / SYN-ACK: MSS and window-scale shift to advertise. */
  mss: number;
  windowScale: number;
}

export class PcapTcpWriter {
  #fd: number;
  #buffer: Buffer;
  #offset = 0;
  #packets = 0;
  #bytesFlushed = 0;

  /**
   * Opens (truncates) `path` and writes the pcap global header.
   * @param bufferBytes output buffer size (≥ 64 KiB); frames are flushed when it is nearly full.
   * @throws Error from `openSync` when the file cannot be created.
   */
  constructor(path: string, bufferBytes: number = DEFAULT_PCAP_BUFFER_BYTES) {
    this.#fd = openSync(path, 'w');
    this.#buffer = Buffer.alloc(Math.max(bufferBytes, 65536));
    const b = this.#buffer;
    b.writeUInt32LE(0xa1b2c3d4, 0);
    b.writeUInt16LE(2, 4);
    b.writeUInt16LE(4, 6);
    b.writeInt32LE(0, 8);
    b.writeUInt32LE(0, 12);
    b.writeUInt32LE(SNAPLEN, 16);
    b.writeUInt32LE(1, 20);
    this.#offset = PCAP_GLOBAL_HEADER_LENGTH;
  }

  /** Frames written so far. */
  get packets(): number {
    return this.#packets;
  }

  /** File size so far in bytes (flushed + buffered). */
  get fileBytes(): number {
    return this.#bytesFlushed + this.#offset;
  }

  /**
   * Appends one Ethernet/IPv4/TCP frame carrying `payload[start, end)` (at most
   * MSS bytes; the bytes are copied, the view may be reused after the call).
   */
  writeTcp(f: TcpFrameFields, payload: Buffer | null, start: number, end: number): void {
    const payloadLength = payload === null ? 0 : end - start;
    const isSyn = (f.flags & TCP_SYN) !== 0;
    const tcpHeaderLength = TCP_BASE_HEADER_LENGTH + (isSyn ? TCP_SYN_OPTIONS_LENGTH : TCP_TS_OPTIONS_LENGTH);
    const ipTotalLength = IPV4_HEADER_LENGTH + tcpHeaderLength + payloadLength;
    const frameLength = ETHERNET_HEADER_LENGTH + ipTotalLength;
    if (PCAP_RECORD_HEADER_LENGTH + frameLength > MAX_RECORD_LENGTH) {
      throw new RangeError(`segment payload ${payloadLength} B exceeds one frame`);
    }
    if (this.#offset + MAX_RECORD_LENGTH > this.#buffer.length) this.#flush();
    const b = this.#buffer;
    let o = this.#offset;

    // pcap record header
    const tsSec = Math.floor(f.tsMicros / 1e6);
    b.writeUInt32LE(tsSec, o);
    b.writeUInt32LE(f.tsMicros - tsSec * 1e6, o + 4);
    b.writeUInt32LE(frameLength, o + 8);
    b.writeUInt32LE(frameLength, o + 12);
    o += PCAP_RECORD_HEADER_LENGTH;

    // Ethernet II: locally administered MACs derived from the IPs
    b[o] = 0x02; b[o + 1] = 0x00; b.writeUInt32BE(f.dstIp >>> 0, o + 2);
    b[o + 6] = 0x02; b[o + 7] = 0x00; b.writeUInt32BE(f.srcIp >>> 0, o + 8);
    b.writeUInt16BE(ETHERTYPE_IPV4, o + 12);
    o += ETHERNET_HEADER_LENGTH;

    // IPv4
    const ip = o;
    b[ip] = 0x45;
    b[ip + 1] = 0;
    b.writeUInt16BE(ipTotalLength, ip + 2);
    b.writeUInt16BE(f.ipId & 0xffff, ip + 4);
    b.writeUInt16BE(0x4000, ip + 6); // DF, offset 0
    b[ip + 8] = f.ttl;
    b[ip + 9] = IP_PROTOCOL_TCP;
    b[ip + 10] = 0; b[ip + 11] = 0;
    b.writeUInt32BE(f.srcIp >>> 0, ip + 12);
    b.writeUInt32BE(f.dstIp >>> 0, ip + 16);
    b.writeUInt16BE(finishChecksum(onesComplementSum(b, ip, ip + IPV4_HEADER_LENGTH, 0)), ip + 10);
    o += IPV4_HEADER_LENGTH;

    // TCP
    const tcp = o;
    b.writeUInt16BE(f.srcPort, tcp);
    b.writeUInt16BE(f.dstPort, tcp + 2);
    b.writeUInt32BE(f.seq >>> 0, tcp + 4);
    b.writeUInt32BE(f.ack >>> 0, tcp + 8);
    b[tcp + 12] = (tcpHeaderLength / 4) << 4;
    b[tcp + 13] = f.flags;
    b.writeUInt16BE(f.window, tcp + 14);
    b[tcp + 16] = 0; b[tcp + 17] = 0; // checksum, filled below
    b[tcp + 18] = 0; b[tcp + 19] = 0; // urgent pointer
    let p = tcp + TCP_BASE_HEADER_LENGTH;
    if (isSyn) {
      b[p] = 2; b[p + 1] = 4; b.writeUInt16BE(f.mss, p + 2); // MSS
      b[p + 4] = 4; b[p + 5] = 2; // SACK permitted
      b[p + 6] = 8; b[p + 7] = 10; b.writeUInt32BE(f.tsVal >>> 0, p + 8); b.writeUInt32BE(f.tsEcr >>> 0, p + 12);
      b[p + 16] = 1; // NOP
      b[p + 17] = 3; b[p + 18] = 3; b[p + 19] = f.windowScale; // window scale
      p += TCP_SYN_OPTIONS_LENGTH;
    } else {
      b[p] = 1; b[p + 1] = 1;
      b[p + 2] = 8; b[p + 3] = 10; b.writeUInt32BE(f.tsVal >>> 0, p + 4); b.writeUInt32BE(f.tsEcr >>> 0, p + 8);
      p += TCP_TS_OPTIONS_LENGTH;
    }
    if (payload !== null && payloadLength > 0) payload.copy(b, p, start, end);
    const tcpLength = tcpHeaderLength + payloadLength;
    // Pseudo-header: src, dst, zero + protocol, TCP length.
    let sum = (f.srcIp >>> 16) + (f.srcIp & 0xffff) + (f.dstIp >>> 16) + (f.dstIp & 0xffff) + IP_PROTOCOL_TCP + tcpLength;
    sum = onesComplementSum(b, tcp, tcp + tcpLength, sum);
    b.writeUInt16BE(finishChecksum(sum), tcp + 16);

    this.#offset = tcp + tcpLength;
    this.#packets++;
  }

  /** Flushes the buffer and closes the file. The writer is unusable afterwards. */
  close(): void {
    this.#flush();
    closeSync(this.#fd);
  }

  #flush(): void {
    let written = 0;
    while (written < this.#offset) {
      written += writeSync(this.#fd, this.#buffer, written, this.#offset - written);
    }
    this.#bytesFlushed += this.#offset;
    this.#offset = 0;
  }
}

/** Sum of big-endian 16-bit words of `b[start, end)` added to `sum` (odd tail padded with zero). */
function onesComplementSum(b: Buffer, start: number, end: number, sum: number): number {
  let i = start;
  const last = end - 1;
  for (; i < last; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (i < end) sum += b[i]! << 8;
  return sum;
}

/** Folds carries into 16 bits and complements (RFC 1071). */
function finishChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return ~sum & 0xffff;
}
