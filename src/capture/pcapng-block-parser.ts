import { CaptureFileError } from '../errors.js';
import { PCAPNG_BYTE_ORDER_MAGIC, PCAPNG_SHB_TYPE } from './capture-format.js';
import { PcapngInterface } from './pcapng-interface.js';
import type { RawFrame } from './raw-frame.js';
import type { FrameCallback, RecordParser } from './record-parser.js';

/*
 * Block layout (draft-ietf-opsawg-pcapng, section 3.1): Block Type (4),
 * Block Total Length (4, includes the 12 bytes of framing), Block Body
 * (padded to 32 bits), Block Total Length again (4). Values are in the byte
 * order of the enclosing section, set by its Section Header Block.
 */
/** Smallest block: type + length + trailing length, bytes. */
const MIN_BLOCK_BYTES = 12;
/** Bytes needed to read any block's framing, including a SHB's Byte-Order Magic. */
const BLOCK_PEEK_BYTES = 12;
/** Non-data bytes allowed in a block beyond the frame itself (headers, options), bytes. */
const MAX_BLOCK_OVERHEAD = 64 * 1024;
/** Interfaces per section we keep; more is treated as corruption. */
export const MAX_INTERFACES_PER_SECTION = 65536;

/** Block types we interpret; all others (ISB, NRB, DSB, custom...) are skipped by length. */
const IDB_TYPE = 0x00000001;
/** Obsolete Packet Block (section 4.x, "Packet Block (obsolete)"). */
const PB_TYPE = 0x00000002;
const SPB_TYPE = 0x00000003;
const EPB_TYPE = 0x00000006;

/** SHB: framing (8) + BOM (4) + major (2) + minor (2) + Section Length (8) + trailer (4). */
const SHB_MIN_BYTES = 28;
/** IDB: framing (8) + LinkType (2) + Reserved (2) + SnapLen (4) + trailer (4); options from offset 16. */
const IDB_MIN_BYTES = 20;
const IDB_OPTIONS_OFFSET = 16;
/** EPB: framing (8) + Interface ID (4) + Timestamp hi/lo (8) + Captured (4) + Original (4) + trailer (4); data at 28. */
const EPB_MIN_BYTES = 32;
/** PB: framing (8) + Interface ID (2) + Drops Count (2) + Timestamp hi/lo (8) + Captured (4) + Original (4) + trailer (4); data at 28. */
const PB_MIN_BYTES = 32;
const PACKET_DATA_OFFSET = 28;
/** SPB: framing (8) + Original Packet Length (4) + trailer (4); data at 12. */
const SPB_MIN_BYTES = 16;
const SPB_DATA_OFFSET = 12;

/** IDB option codes (section 4.2). */
const OPT_ENDOFOPT = 0;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;

/**
 * Parser of pcapng files: several sections per file (each SHB sets the byte
 * order and resets the interface table), interfaces with their own link
 * type and timestamp resolution, EPB / SPB / obsolete PB frames. Every
 * other block type is skipped by its length.
 *
 * `frame.interfaceId` is the interface index within the current section
 * (tshark's `frame.interface_id`); SPB frames have interface 0 and a zero
 * timestamp (the block has none).
 *
 * See {@link RecordParser} for the contract. ERR_CAPTURE_CORRUPT for: bad
 * byte-order magic, unsupported major version, a length below the block's
 * minimum / not a multiple of 4 / over the cap, trailing length differing
 * from the leading one, a captured length past the block body, a frame on
 * an interface the section has not described.
 */
export class PcapngBlockParser implements RecordParser {
  need = BLOCK_PEEK_BYTES;
  stopped = false;
  frames = 0;
  bytes = 0;
  linkTypes: number[] = [];
  /** Section Header Blocks seen. */
  sections = 0;

  #file: string;
  #frame: RawFrame;
  #maxCapturedLength: number;
  #maxBlockBytes: number;
  #littleEndian = true;
  /** Interface table, reused across sections; only the first `#interfaceCount` are live. */
  #interfaces: PcapngInterface[] = [];
  #interfaceCount = 0;

  constructor(file: string, frame: RawFrame, maxCapturedLength: number) {
    this.#file = file;
    this.#frame = frame;
    this.#maxCapturedLength = maxCapturedLength;
    this.#maxBlockBytes = maxCapturedLength + MAX_BLOCK_OVERHEAD;
  }

  parse(buf: Buffer, view: DataView, start: number, end: number, base: number, onFrame: FrameCallback): number {
    let pos = start;
    const frame = this.#frame;
    for (;;) {
      const avail = end - pos;
      if (avail < BLOCK_PEEK_BYTES) {
        this.need = BLOCK_PEEK_BYTES;
        return pos;
      }
      let le = this.#littleEndian;
      const type = view.getUint32(pos, le);
      if (type === PCAPNG_SHB_TYPE) {
        if (view.getUint32(pos + 8, true) === PCAPNG_BYTE_ORDER_MAGIC) le = true;
        else if (view.getUint32(pos + 8, false) === PCAPNG_BYTE_ORDER_MAGIC) le = false;
        else this.#corrupt(base + pos, 'Section Header Block with a bad byte-order magic');
        this.#littleEndian = le;
      }
      const len = view.getUint32(pos + 4, le);
      if (len < MIN_BLOCK_BYTES || len % 4 !== 0 || len > this.#maxBlockBytes) {
        this.#corrupt(base + pos, `block type 0x${type.toString(16)} has an impossible length ${len}`);
      }
      if (avail < len) {
        this.need = len;
        return pos;
      }
      if (view.getUint32(pos + len - 4, le) !== len) {
        this.#corrupt(base + pos, `block type 0x${type.toString(16)}: trailing length ${view.getUint32(pos + len - 4, le)} differs from ${len}`);
      }

      let ifIndex = 0;
      let capLen = 0;
      let origLen = 0;
      let dataAt = 0;
      switch (type) {
        case EPB_TYPE:
        case PB_TYPE: {
          if (len < (type === EPB_TYPE ? EPB_MIN_BYTES : PB_MIN_BYTES)) this.#tooShort(base + pos, type, len);
          ifIndex = type === EPB_TYPE ? view.getUint32(pos + 8, le) : view.getUint16(pos + 8, le);
          if (ifIndex >= this.#interfaceCount) this.#noInterface(base + pos, type, ifIndex);
          capLen = view.getUint32(pos + 20, le);
          origLen = view.getUint32(pos + 24, le);
          if (capLen > this.#maxCapturedLength) {
            this.#corrupt(base + pos, `captured length ${capLen} exceeds the maximum ${this.#maxCapturedLength} bytes`);
          }
          if (capLen > len - EPB_MIN_BYTES) {
            this.#corrupt(base + pos, `block type 0x${type.toString(16)}: captured length ${capLen} runs past the block (length ${len})`);
          }
          const iface = this.#interfaces[ifIndex]!;
          iface.setTimestamp(frame, view.getUint32(pos + 12, le), view.getUint32(pos + 16, le));
          frame.linkType = iface.linkType;
          dataAt = pos + PACKET_DATA_OFFSET;
          break;
        }
        case SPB_TYPE: {
          if (len < SPB_MIN_BYTES) this.#tooShort(base + pos, type, len);
          if (this.#interfaceCount === 0) this.#noInterface(base + pos, type, 0);
          const iface = this.#interfaces[0]!;
          origLen = view.getUint32(pos + 8, le);
          capLen = Math.min(origLen, len - SPB_MIN_BYTES);
          if (iface.snapLength !== 0 && capLen > iface.snapLength) capLen = iface.snapLength;
          frame.tsSec = 0;
          frame.tsNsec = 0;
          frame.linkType = iface.linkType;
          dataAt = pos + SPB_DATA_OFFSET;
          break;
        }
        case IDB_TYPE:
          this.#parseInterface(view, pos, len, base);
          pos += len;
          continue;
        case PCAPNG_SHB_TYPE:
          this.#parseSectionHeader(view, pos, len, base);
          pos += len;
          continue;
        default:
          pos += len; // unknown or uninteresting block: skip by length
          continue;
      }
      frame.interfaceId = ifIndex;
      frame.capturedLength = capLen;
      frame.originalLength = origLen;
      frame.data = buf.subarray(dataAt, dataAt + capLen);
      pos += len;
      this.frames++;
      this.bytes += capLen;
      if (onFrame(frame) === false) {
        this.stopped = true;
        return pos;
      }
    }
  }

  #parseSectionHeader(view: DataView, pos: number, len: number, base: number): void {
    if (len < SHB_MIN_BYTES) this.#tooShort(base + pos, PCAPNG_SHB_TYPE, len);
    const major = view.getUint16(pos + 12, this.#littleEndian);
    if (major !== 1) {
      const minor = view.getUint16(pos + 14, this.#littleEndian);
      this.#corrupt(base + pos, `unsupported pcapng version ${major}.${minor}`);
    }
    this.sections++;
    this.#interfaceCount = 0;
  }

  #parseInterface(view: DataView, pos: number, len: number, base: number): void {
    const le = this.#littleEndian;
    if (len < IDB_MIN_BYTES) this.#tooShort(base + pos, IDB_TYPE, len);
    if (this.#interfaceCount >= MAX_INTERFACES_PER_SECTION) {
      this.#corrupt(base + pos, `more than ${MAX_INTERFACES_PER_SECTION} interfaces in one section`);
    }
    let iface = this.#interfaces[this.#interfaceCount];
    if (iface === undefined) {
      iface = new PcapngInterface();
      this.#interfaces.push(iface);
    }
    this.#interfaceCount++;
    const linkType = view.getUint16(pos + 8, le);
    iface.reset(linkType, view.getUint32(pos + 12, le));
    if (!this.linkTypes.includes(linkType)) this.linkTypes.push(linkType);

    // Options: code (2), length (2), value padded to 32 bits. A malformed
    // option list ends option parsing; the block itself is still framed.
    const optionsEnd = pos + len - 4;
    let o = pos + IDB_OPTIONS_OFFSET;
    while (o + 4 <= optionsEnd) {
      const code = view.getUint16(o, le);
      const optLen = view.getUint16(o + 2, le);
      if (code === OPT_ENDOFOPT || o + 4 + optLen > optionsEnd) break;
      if (code === IF_TSRESOL && optLen >= 1) {
        iface.setResolution(view.getUint8(o + 4));
      } else if (code === IF_TSOFFSET && optLen >= 8) {
        // Signed 64-bit seconds in section byte order.
        const hi = le ? view.getInt32(o + 8, true) : view.getInt32(o + 4, false);
        const lo = le ? view.getUint32(o + 4, true) : view.getUint32(o + 8, false);
        iface.tsOffsetSec = hi * 4294967296 + lo;
      }
      o += 4 + ((optLen + 3) & ~3);
    }
  }

  #tooShort(offset: number, type: number, len: number): never {
    this.#corrupt(offset, `block type 0x${type.toString(16)} is too short (length ${len})`);
  }

  #noInterface(offset: number, type: number, ifIndex: number): never {
    this.#corrupt(offset, `block type 0x${type.toString(16)} refers to interface ${ifIndex}, but the section describes ${this.#interfaceCount}`);
  }

  #corrupt(offset: number, message: string): never {
    throw new CaptureFileError('ERR_CAPTURE_CORRUPT', this.#file, offset, message);
  }
}
