/**
 * AfPacketSource: one AF_PACKET fanout socket's packets as RawFrames, in
 * batches (Linux, `--capture-mode afpacket`). Each capture worker owns one.
 *
 *   kernel: PACKET_FANOUT_CBPF group (fanout-program.ts: symmetric hash of the
 *           innermost 5-tuple, through mirror tunnels; PACKET_FANOUT_HASH when
 *           the kernel refuses it) ──► this socket's TPACKET_V3 ring (blocks)
 *     ──readBatch──► batch buffer (pcap record layout, one copy per packet)
 *     ──walk──► RawFrame (reused object, `data` a view) ──► onFrame
 *
 * Same driving as LiveSource: `poll(cb)` wakes the owning thread when a ring
 * block is ready; `readBatch` never waits. Buffer lifetime: the batch buffer is
 * reused by the next `readBatch`; frame views and `onBatch` bytes are valid
 * only until then.
 */
import type { RawFrame } from './raw-frame.js';
import { LiveBatchReader } from './live-batch-reader.js';
import { loadPcapAddon, type AfPacketNativeHandle, type AfPacketNativeStats } from './live-addon.js';
import { LiveCaptureError } from './live-capture-error.js';
import { LIVE_DEFAULTS, translateOpenError } from './live-source.js';
import { buildFanoutProgram, type FanoutProgramOptions } from './fanout-program.js';

export interface AfPacketSourceOptions {
  interface: string;
  /** BPF filter (pcap-filter(7)), compiled by libpcap for the interface's link type; none by default. */
  filter?: string | null;
  /** Bytes kept per packet. Default 262144. */
  snaplen?: number;
  /** Promiscuous mode (PACKET_MR_PROMISC). Default true. */
  promiscuous?: boolean;
  /** Ring size of THIS socket, bytes (each worker has its own ring). Default 32 MiB. */
  bufferBytes?: number;
  /** Block retire timeout, ms: a partly filled block is handed over after this long. Default 100. */
  timeoutMs?: number;
  /** PACKET_FANOUT group id (0..65535), shared by every socket of the run. */
  fanoutGroup: number;
  /**
   * 'cbpf' (default): the group runs the fanout program (symmetric hash of the
   * innermost addresses and ports, through VXLAN/GENEVE/GRE/ERSPAN), falling
   * back to 'hash' when the kernel refuses it; 'hash': the kernel's flow hash
   * of the outer headers. Every socket of a group must ask for the same.
   */
  fanout?: 'cbpf' | 'hash';
  /** Tunnel UDP ports the fanout program opens (the decoder's vxlanPorts / genevePorts / greUdpPorts); defaults 4789 / 6081 / 4754. */
  tunnelPorts?: FanoutProgramOptions;
  /** Batch buffer size, bytes. Default 4 MiB. */
  batchBytes?: number;
  /** Packets per batch, at most. Default 8192. */
  batchPackets?: number;
}

/** Ring geometry derived from a byte budget: TPACKET_V3 blocks must be a power of two ≥ page size. */
export interface RingGeometry {
  blockBytes: number;
  blockCount: number;
}

/** Largest block: 1 MiB (one order-8 allocation; 4 blocks per 4 MiB keeps retire latency low). */
export const AFPACKET_MAX_BLOCK_BYTES = 1 << 20;
/** Smallest block: 64 KiB (holds a 64 KiB GSO/defragmented packet whole with snaplen ≤ 64 KiB). */
export const AFPACKET_MIN_BLOCK_BYTES = 1 << 16;

/**
 * Splits `bufferBytes` into at least 4 blocks of a power-of-two size between
 * 64 KiB and 1 MiB: 32 MiB → 32 × 1 MiB, 1 MiB → 4 × 256 KiB. The ring is
 * blockBytes × blockCount ≤ bufferBytes (≥ 4 × 64 KiB).
 */
export function ringGeometry(bufferBytes: number): RingGeometry {
  let block = AFPACKET_MAX_BLOCK_BYTES;
  while (block > AFPACKET_MIN_BLOCK_BYTES && block * 4 > bufferBytes) block >>= 1;
  return { blockBytes: block, blockCount: Math.max(4, Math.floor(bufferBytes / block)) };
}

/** Cumulative counters of one socket, in LiveCaptureStats terms plus the ring's own. */
export interface AfPacketSourceStats extends AfPacketNativeStats {
  /** Bytes (captured) handed to onFrame. */
  deliveredBytes: number;
}

export class AfPacketSource {
  readonly linkType: number;
  readonly snaplen: number;
  readonly nanosecond = true;
  readonly interfaceName: string;
  readonly fanoutGroup: number;
  readonly ringBytes: number;
  /** Fanout type the socket joined: 'cbpf', or 'hash' (asked for, or fallen back to). */
  readonly fanoutMode: 'cbpf' | 'hash';
  /** Why 'cbpf' was asked for and 'hash' used (the kernel's refusal), else null. */
  readonly fanoutFallback: string | null;
  #handle: AfPacketNativeHandle;
  readonly #reader: LiveBatchReader;
  #final: AfPacketSourceStats | null = null;

  private constructor(handle: AfPacketNativeHandle, batchBytes: number, batchPackets: number, fallback: string | null) {
    this.#handle = handle;
    this.fanoutMode = handle.fanoutMode === 'cbpf' ? 'cbpf' : 'hash';
    this.fanoutFallback = fallback ?? handle.fanoutFallback ?? null;
    this.linkType = handle.linkType;
    this.snaplen = handle.snaplen;
    this.interfaceName = handle.device;
    this.fanoutGroup = handle.fanoutGroup;
    this.ringBytes = handle.ringBytes;
    this.#reader = new LiveBatchReader(handle, batchBytes, batchPackets);
  }

  /**
   * Opens the socket and joins the fanout group. Throws LiveCaptureError:
   * ERR_CAPTURE_ADDON_MISSING, ERR_CAPTURE_AFPACKET_UNSUPPORTED (not Linux),
   * ERR_CAPTURE_NO_DEVICE, ERR_CAPTURE_IFACE_DOWN, ERR_CAPTURE_PERMISSION,
   * ERR_CAPTURE_FILTER, ERR_CAPTURE_ACTIVATE. A fanout program the kernel
   * refuses is not an error: the socket is reopened in hash mode and
   * `fanoutFallback` says why. RangeError for a bad `tunnelPorts` list.
   */
  static open(options: AfPacketSourceOptions): AfPacketSource {
    const addon = loadPcapAddon();
    if (!addon.AfPacketHandle) {
      throw new LiveCaptureError('ERR_CAPTURE_AFPACKET_UNSUPPORTED', '--capture-mode afpacket needs Linux (AF_PACKET); use --capture-mode pcap', 2, options.interface);
    }
    const snaplen = options.snaplen ?? LIVE_DEFAULTS.snaplen;
    const ring = ringGeometry(options.bufferBytes ?? LIVE_DEFAULTS.bufferBytes);
    const Handle = addon.AfPacketHandle;
    const program = (options.fanout ?? 'cbpf') === 'cbpf' ? buildFanoutProgram(options.tunnelPorts).map((i) => [i.code, i.jt, i.jf, i.k] as const) : null;
    const openWith = (p: typeof program): AfPacketNativeHandle =>
      new Handle(
        options.interface,
        snaplen,
        options.promiscuous ?? LIVE_DEFAULTS.promiscuous,
        ring.blockBytes,
        ring.blockCount,
        Math.max(1, options.timeoutMs ?? LIVE_DEFAULTS.timeoutMs),
        options.fanoutGroup,
        options.filter ?? null,
        p,
      );
    let handle: AfPacketNativeHandle;
    let fallback: string | null = null;
    try {
      try {
        handle = openWith(program);
      } catch (err) {
        if ((err as { code?: string }).code !== 'ERR_CAPTURE_FANOUT_PROGRAM') throw err;
        fallback = (err as Error).message;
        handle = openWith(null);
      }
    } catch (err) {
      throw translateOpenError(err, options.interface, options.filter ?? null);
    }
    return new AfPacketSource(handle, options.batchBytes ?? LIVE_DEFAULTS.batchBytes, options.batchPackets ?? LIVE_DEFAULTS.batchPackets, fallback);
  }

  /**
   * Reads what is ready (never waits): one batch, each packet passed to
   * `onFrame` (the reused frame; views valid until the next readBatch), then
   * the whole batch as pcap records to `onBatch` (for `--write`). Returns the
   * number of packets.
   */
  readBatch(onFrame: (frame: RawFrame) => void, onBatch?: (records: Uint8Array) => void, maxPackets = Infinity): number {
    return this.#reader.read(onFrame, onBatch, maxPackets);
  }

  /** Calls `onReadable` on the owning thread whenever a ring block is ready. */
  poll(onReadable: () => void): void {
    this.#handle.startPoll(() => onReadable());
  }

  stopPoll(): void {
    this.#handle.stopPoll();
  }

  /** Cumulative counters; after close, those at close. */
  stats(): AfPacketSourceStats {
    if (this.#final) return { ...this.#final };
    return { ...this.#handle.stats(), deliveredBytes: this.#reader.deliveredBytes };
  }

  /** Takes final statistics and closes the socket (leaving the fanout group); idempotent. */
  close(): void {
    if (this.#final) return;
    try {
      this.#final = this.stats();
    } catch {
      this.#final = { received: 0, droppedKernel: 0, freezeQueueCount: 0, delivered: 0, skippedOutgoing: 0, batchTruncated: 0, blocksRead: 0, deliveredBytes: this.#reader.deliveredBytes };
    }
    this.#handle.close();
  }
}
