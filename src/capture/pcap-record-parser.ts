import { CaptureFileError } from '../errors.js';
import { PCAP_MAGIC_NSEC, PCAP_MAGIC_USEC } from './capture-format.js';
import type { RawFrame } from './raw-frame.js';
import type { FrameCallback, RecordParser } from './record-parser.js';

/**
 * File header, bytes: magic (4), version major (2), minor (2), reserved1 /
 * thiszone (4), reserved2 / sigfigs (4), SnapLen (4), LinkType and additional
 * information (4). draft-ietf-opsawg-pcap-03, section 4.
 */
const FILE_HEADER_BYTES = 24;
const SNAPLEN_OFFSET = 16;
const LINKTYPE_OFFSET = 20;
/**
 * Packet record header, bytes: Timestamp (seconds, 4), Timestamp (micro- or
 * nanoseconds, 4), Captured Packet Length (4), Original Packet Length (4).
 * The packet data follows, unpadded. draft-ietf-opsawg-pcap-03, section 5.
 */
const RECORD_HEADER_BYTES = 16;
/** Low 16 bits of the LinkType field are the link type; the high bits carry the FCS length (section 4). */
const LINKTYPE_MASK = 0xffff;
/** "P" bit: the FCS length in the top 4 bits is valid. */
const FCS_PRESENT_BIT = 0x04000000;

/**
 * Parser of classic pcap files (both byte orders, microsecond and nanosecond
 * magic). The first record it parses is the 24-byte file header.
 * See {@link RecordParser} for the contract.
 */
export class PcapRecordParser implements RecordParser {
  need = FILE_HEADER_BYTES;
  stopped = false;
  frames = 0;
  bytes = 0;
  linkTypes: number[] = [];
  /** Snap length from the file header, bytes (informational; not enforced, as tshark does not). */
  snapLength = 0;
  /** FCS bytes at the end of each frame when the header says so (P bit), else 0. Not stripped. */
  fcsLength = 0;

  #file: string;
  #frame: RawFrame;
  #maxCapturedLength: number;
  #headerDone = false;
  #littleEndian = true;
  /** Multiplier from the fraction field to nanoseconds: 1000 (µs magic) or 1 (ns magic). */
  #fractionToNanos = 1000;
  /** Fraction units per second: 1e6 or 1e9. */
  #fractionPerSecond = 1_000_000;

  constructor(file: string, frame: RawFrame, maxCapturedLength: number) {
    this.#file = file;
    this.#frame = frame;
    this.#maxCapturedLength = maxCapturedLength;
  }

  parse(buf: Buffer, view: DataView, start: number, end: number, base: number, onFrame: FrameCallback): number {
    let pos = start;
    if (!this.#headerDone) {
      if (end - pos < FILE_HEADER_BYTES) {
        this.need = FILE_HEADER_BYTES;
        return pos;
      }
      this.#parseFileHeader(view, pos);
      pos += FILE_HEADER_BYTES;
    }
    const le = this.#littleEndian;
    const frame = this.#frame;
    const maxCap = this.#maxCapturedLength;
    const toNanos = this.#fractionToNanos;
    const perSecond = this.#fractionPerSecond;
    for (;;) {
      const avail = end - pos;
      if (avail < RECORD_HEADER_BYTES) {
        this.need = RECORD_HEADER_BYTES;
        return pos;
      }
      const capLen = view.getUint32(pos + 8, le);
      if (capLen > maxCap) {
        throw new CaptureFileError('ERR_CAPTURE_CORRUPT', this.#file, base + pos,
          `pcap record captured length ${capLen} exceeds the maximum ${maxCap} bytes`);
      }
      const recordLen = RECORD_HEADER_BYTES + capLen;
      if (avail < recordLen) {
        this.need = recordLen;
        return pos;
      }
      let sec = view.getUint32(pos, le);
      let fraction = view.getUint32(pos + 4, le);
      if (fraction >= perSecond) {
        // Out-of-range fraction: carry whole seconds so tsNsec stays < 1e9.
        const carry = Math.floor(fraction / perSecond);
        sec += carry;
        fraction -= carry * perSecond;
      }
      frame.tsSec = sec;
      frame.tsNsec = fraction * toNanos;
      frame.capturedLength = capLen;
      frame.originalLength = view.getUint32(pos + 12, le);
      frame.data = buf.subarray(pos + RECORD_HEADER_BYTES, pos + recordLen);
      pos += recordLen;
      this.frames++;
      this.bytes += capLen;
      if (onFrame(frame) === false) {
        this.stopped = true;
        return pos;
      }
    }
  }

  #parseFileHeader(view: DataView, pos: number): void {
    const magicLe = view.getUint32(pos, true);
    // The sniffer has already accepted one of the four magic values.
    this.#littleEndian = magicLe === PCAP_MAGIC_USEC || magicLe === PCAP_MAGIC_NSEC;
    const magic = this.#littleEndian ? magicLe : view.getUint32(pos, false);
    const nanos = magic === PCAP_MAGIC_NSEC;
    this.#fractionToNanos = nanos ? 1 : 1000;
    this.#fractionPerSecond = nanos ? 1_000_000_000 : 1_000_000;
    this.snapLength = view.getUint32(pos + SNAPLEN_OFFSET, this.#littleEndian);
    const linkField = view.getUint32(pos + LINKTYPE_OFFSET, this.#littleEndian);
    const linkType = linkField & LINKTYPE_MASK;
    this.fcsLength = (linkField & FCS_PRESENT_BIT) !== 0 ? (linkField >>> 28) * 2 : 0;
    this.linkTypes.push(linkType);
    this.#frame.linkType = linkType;
    this.#frame.interfaceId = 0;
    this.#headerDone = true;
  }
}
