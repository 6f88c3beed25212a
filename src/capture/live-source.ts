/**
 * LiveSource: packets from a network interface as RawFrames, in batches.
 *
 *   kernel ring (TPACKET_V3 via libpcap) ──readBatch──► batch buffer (one copy per packet,
 *     pcap record layout) ──walk──► RawFrame (reused object, `data` a view) ──► onFrame
 *
 * Driving: `poll(cb)` registers a uv_poll on the capture descriptor; `cb` runs
 * on the main thread whenever packets are ready and the caller then calls
 * `readBatch` until it returns 0 (or until it wants to apply backpressure:
 * stop polling, and the kernel ring absorbs the burst or drops, which
 * `stats()` reports). No call crosses into native code per packet.
 *
 * Buffer lifetime: the batch buffer is reused by the next `readBatch`; frame
 * views and the `onBatch` bytes are valid only until then.
 */
import type { RawFrame } from './raw-frame.js';
import { LiveBatchReader } from './live-batch-reader.js';
import { loadPcapAddon, type PcapNativeHandle } from './live-addon.js';
import { LiveCaptureError } from './live-capture-error.js';
import { checkCaptureInterface } from './live-interface.js';



export interface LiveSourceOptions {
  /** Interface name (`ip link` name; `any` for all). */
  interface: string;
  /** BPF filter expression (pcap-filter(7)); none by default. */
  filter?: string | null;
  /** Snap length, bytes. Default 262144 (tcpdump's). */
  snaplen?: number;
  /** Promiscuous mode. Default true (SPAN / mirror ports carry other hosts' traffic). */
  promiscuous?: boolean;
  /** Kernel capture buffer (ring) size, bytes. Default 32 MiB. */
  bufferBytes?: number;
  /** Packet buffer timeout, ms: how long the kernel holds a partly filled block. Default 100. */
  timeoutMs?: number;
  /** Immediate mode: deliver each packet as it arrives (lower latency, more wakeups). Default false. */
  immediate?: boolean;
  /** Batch buffer size, bytes (at least one snaplen-sized record). Default 4 MiB. */
  batchBytes?: number;
  /** Packets per batch, at most. Default 8192. */
  batchPackets?: number;
}

/** Cumulative capture counters (extended past libpcap's 32-bit wrap). */
export interface LiveCaptureStats {
  /** Packets the kernel accepted through the filter, including those it then dropped. */
  received: number;
  /** Packets the kernel dropped because the capture ring/buffer was full. */
  droppedKernel: number;
  /** Packets the interface/driver dropped (all packets, not only those matching the filter). */
  droppedInterface: number;
  /** Packets handed to onFrame. */
  delivered: number;
  /** Bytes (captured) handed to onFrame. */
  deliveredBytes: number;
  /** Packets cut short by a full batch buffer (expected 0). */
  batchTruncated: number;
}

export const LIVE_DEFAULTS = Object.freeze({
  snaplen: 262_144,
  promiscuous: true,
  bufferBytes: 32 << 20,
  timeoutMs: 100,
  immediate: false,
  batchBytes: 4 << 20,
  batchPackets: 8192,
});

const U32 = 2 ** 32;

export class LiveSource {
  readonly linkType: number;
  readonly snaplen: number;
  readonly nanosecond: boolean;
  readonly interfaceName: string;
  #handle: PcapNativeHandle;
  readonly #reader: LiveBatchReader;
  #last = { received: 0, droppedKernel: 0, droppedInterface: 0 };
  #total = { received: 0, droppedKernel: 0, droppedInterface: 0 };
  #final: LiveCaptureStats | null = null;

  private constructor(handle: PcapNativeHandle, batchBytes: number, batchPackets: number) {
    this.#handle = handle;
    this.linkType = handle.linkType;
    this.snaplen = handle.snaplen;
    this.nanosecond = handle.nanosecond;
    this.interfaceName = handle.device;
    this.#reader = new LiveBatchReader(handle, batchBytes, batchPackets);
  }

  /**
   * Opens and activates the interface. Throws LiveCaptureError:
   * ERR_CAPTURE_ADDON_MISSING, ERR_CAPTURE_NO_DEVICE, ERR_CAPTURE_IFACE_DOWN,
   * ERR_CAPTURE_PERMISSION, ERR_CAPTURE_FILTER, ERR_CAPTURE_ACTIVATE.
   */
  static open(options: LiveSourceOptions): LiveSource {
    const o = { ...LIVE_DEFAULTS, ...stripUndefined(options), interface: options.interface };
    const addon = loadPcapAddon();
    checkCaptureInterface(o.interface);
    let handle: PcapNativeHandle;
    try {
      handle = new addon.PcapHandle(o.interface, o.snaplen, o.promiscuous, o.bufferBytes, o.timeoutMs, o.immediate, o.filter ?? null);
    } catch (err) {
      throw translateOpenError(err, o.interface, o.filter ?? null);
    }
    return new LiveSource(handle, o.batchBytes, o.batchPackets);
  }

  /**
   * Reads what is ready (never waits): one batch, each packet passed to
   * `onFrame` (the reused frame; views valid until the next readBatch), then
   * the whole batch as pcap records to `onBatch` (for `--write`). Returns the
   * number of packets (at most `maxPackets` when given). Throws
   * LiveCaptureError ERR_CAPTURE_READ when the interface fails (e.g. it was removed).
   */
  readBatch(onFrame: (frame: RawFrame) => void, onBatch?: (records: Uint8Array) => void, maxPackets = Infinity): number {
    return this.#reader.read(onFrame, onBatch, maxPackets);
  }

  /** Calls `onReadable` (main thread) whenever packets are ready; replaces an earlier callback. */
  poll(onReadable: () => void): void {
    this.#handle.startPoll(() => onReadable());
  }

  /** Stops readiness callbacks (backpressure, shutdown). Packets keep queuing in the kernel ring. */
  stopPoll(): void {
    this.#handle.stopPoll();
  }

  /** Cumulative counters; after close, the counters as they were at close. */
  stats(): LiveCaptureStats {
    if (this.#final) return { ...this.#final };
    const s = this.#handle.stats();
    const t = this.#total;
    const l = this.#last;
    // libpcap's counters are 32-bit and wrap: accumulate deltas modulo 2^32.
    t.received += (s.received - l.received + U32) % U32;
    t.droppedKernel += (s.droppedKernel - l.droppedKernel + U32) % U32;
    t.droppedInterface += (s.droppedInterface - l.droppedInterface + U32) % U32;
    this.#last = { received: s.received, droppedKernel: s.droppedKernel, droppedInterface: s.droppedInterface };
    return { ...t, delivered: s.delivered, deliveredBytes: this.#reader.deliveredBytes, batchTruncated: s.batchTruncated };
  }

  /** Takes final statistics, stops polling and closes the handle; idempotent. */
  close(): void {
    if (this.#final) return;
    try {
      this.#final = this.stats();
    } catch {
      this.#final = { ...this.#total, delivered: 0, deliveredBytes: this.#reader.deliveredBytes, batchTruncated: 0 };
    }
    this.#handle.close();
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Turns the addon's coded errors into one-line LiveCaptureErrors. */
export function translateOpenError(err: unknown, device: string, filter: string | null): LiveCaptureError {
  const code = (err as { code?: string }).code ?? 'ERR_CAPTURE_ACTIVATE';
  const detail = (err as Error).message ?? String(err);
  switch (code) {
    case 'ERR_CAPTURE_PERMISSION':
      return new LiveCaptureError(
        code,
        `no permission to capture on '${device}': run as root or grant CAP_NET_RAW and CAP_NET_ADMIN (setcap cap_net_raw,cap_net_admin+eip "$(command -v node)") [${detail}]`,
        2,
        device,
      );
    case 'ERR_CAPTURE_NO_DEVICE':
      return new LiveCaptureError(code, `no such interface '${device}' [${detail}]`, 2, device);
    case 'ERR_CAPTURE_IFACE_DOWN':
      return new LiveCaptureError(code, `interface '${device}' is down (bring it up: ip link set ${device} up)`, 2, device);
    case 'ERR_CAPTURE_FILTER':
      return new LiveCaptureError(code, `bad capture filter '${filter ?? ''}': ${detail}`, 2, device);
    default:
      return new LiveCaptureError('ERR_CAPTURE_ACTIVATE', `cannot capture on '${device}': ${detail}`, 1, device);
  }
}
