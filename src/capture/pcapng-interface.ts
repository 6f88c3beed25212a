import type { RawFrame } from './raw-frame.js';

/** 2^32, to combine the two 32-bit halves of a pcapng timestamp. */
const TWO_POW_32 = 4294967296;
/** `hi` below this keeps `hi * 2^32 + lo` under 2^53 (exact in a double). */
const EXACT_HI_LIMIT = 0x200000;
/** Units per second up to which the two-number long division stays exact (U * 2^16 < 2^53). */
const MAX_UNITS_TWO_NUMBER = 2 ** 36;

/* How {@link PcapngInterface.setTimestamp} turns the remainder (units) into nanoseconds. */
/** 10^-k, k <= 9: nanos = rem * 10^(9-k). */
const TS_MUL_DECIMAL = 0;
/** 10^-k, k = 10, 11: nanos = floor(rem / 10^(k-9)). */
const TS_DIV_DECIMAL = 1;
/** 2^-k, k <= 23: nanos = floor(rem * 1e9 / 2^k), exact since rem * 1e9 < 2^53. */
const TS_BINARY = 2;
/** Anything finer: BigInt arithmetic (rare). */
const TS_BIG = 3;

/**
 * One pcapng Interface Description Block, as far as frames need it
 * (draft-ietf-opsawg-pcapng, section 4.2): LinkType, SnapLen, `if_tsresol`
 * (option 9) and `if_tsoffset` (option 14).
 *
 * Objects are reused across sections: {@link reset} restores the defaults.
 */
export class PcapngInterface {
  /** LINKTYPE_* of the interface (low 16 bits of the IDB field). */
  linkType = 0;
  /** Snap length, bytes; 0 = no limit. */
  snapLength = 0;
  /** Timestamp units per second (10^6 by default). */
  unitsPerSecond = 1_000_000;
  /** Seconds added to every timestamp (if_tsoffset, signed). */
  tsOffsetSec = 0;
  #mode = TS_MUL_DECIMAL;
  /** MulDecimal: multiplier; DivDecimal: divisor. */
  #factor = 1000;
  #unitsBig = 1_000_000n;

  reset(linkType: number, snapLength: number): void {
    this.linkType = linkType;
    this.snapLength = snapLength;
    this.tsOffsetSec = 0;
    this.setResolution(6);
  }

  /**
   * Applies an `if_tsresol` byte: MSB clear = 10^-v seconds per unit, MSB set
   * = 2^-(v & 0x7f) seconds per unit.
   */
  setResolution(tsresol: number): void {
    const exponent = tsresol & 0x7f;
    const binary = (tsresol & 0x80) !== 0;
    this.#unitsBig = binary ? 1n << BigInt(exponent) : 10n ** BigInt(exponent);
    this.unitsPerSecond = Number(this.#unitsBig);
    if (this.unitsPerSecond > MAX_UNITS_TWO_NUMBER) {
      this.#mode = TS_BIG;
    } else if (binary) {
      this.#mode = exponent <= 23 ? TS_BINARY : TS_BIG;
    } else if (exponent <= 9) {
      this.#mode = TS_MUL_DECIMAL;
      this.#factor = 10 ** (9 - exponent);
    } else {
      this.#mode = TS_DIV_DECIMAL;
      this.#factor = 10 ** (exponent - 9);
    }
  }

  /**
   * Sets `frame.tsSec` / `frame.tsNsec` from a 64-bit timestamp given as its
   * high and low 32-bit halves (unsigned), in this interface's units, plus
   * `if_tsoffset`. Integer math throughout: plain doubles when exact, a
   * 16-bit long division when `hi * 2^32 + lo` passes 2^53 (every nanosecond
   * timestamp), BigInt only for resolutions finer than the two-number path
   * handles. Nanoseconds are truncated (floor), as Wireshark does.
   */
  setTimestamp(frame: RawFrame, hi: number, lo: number): void {
    const units = this.unitsPerSecond;
    let sec: number;
    let rem: number;
    if (this.#mode === TS_BIG) {
      const t = (BigInt(hi) << 32n) | BigInt(lo);
      const remBig = t % this.#unitsBig;
      frame.tsSec = Number(t / this.#unitsBig) + this.tsOffsetSec;
      frame.tsNsec = Number((remBig * 1_000_000_000n) / this.#unitsBig);
      return;
    }
    if (hi < EXACT_HI_LIMIT) {
      const t = hi * TWO_POW_32 + lo;
      rem = t % units;
      sec = (t - rem) / units;
    } else {
      // t = hi*2^32 + (lo >>> 16)*2^16 + (lo & 0xffff), divided 16 bits at a time.
      const r0 = hi % units;
      const q0 = (hi - r0) / units;
      const x = r0 * 65536 + (lo >>> 16);
      const r1 = x % units;
      const q1 = (x - r1) / units;
      const y = r1 * 65536 + (lo & 0xffff);
      rem = y % units;
      sec = q0 * TWO_POW_32 + q1 * 65536 + (y - rem) / units;
    }
    frame.tsSec = sec + this.tsOffsetSec;
    switch (this.#mode) {
      case TS_MUL_DECIMAL:
        frame.tsNsec = rem * this.#factor;
        break;
      case TS_DIV_DECIMAL:
        frame.tsNsec = (rem - (rem % this.#factor)) / this.#factor;
        break;
      default:
        frame.tsNsec = Math.floor((rem * 1_000_000_000) / units);
    }
  }
}
