/**
 * Loader and types of the libpcap capture addon (native-bindings/, built by
 * node-gyp: `npm run build:native`). The addon is optional: installing
 * apisensor without libpcap-dev succeeds and replay works; live capture then
 * fails with ERR_CAPTURE_ADDON_MISSING naming the package and the command.
 *
 * Lookup: `$APISENSOR_PCAP_ADDON` when set (a path to the .node file), else
 * `native-bindings/build/Release/apisensor_pcap.node` in the package root
 * (found by walking up from this module, so it works from src/ and dist/src/).
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LiveCaptureError } from './live-capture-error.js';

/** Capture statistics as libpcap reports them (`pcap_stats`), plus the addon's own counts. */
export interface PcapNativeStats {
  /** Packets that passed the filter, including those the kernel dropped (32-bit, wraps). */
  received: number;
  /** Dropped by the kernel: the ring/buffer was full (32-bit, wraps). */
  droppedKernel: number;
  /** Dropped by the interface or its driver (from /proc/net/dev on Linux; 32-bit, wraps). */
  droppedInterface: number;
  /** Packets copied into batches and handed to JavaScript since open. */
  delivered: number;
  /** Packets cut short because a batch buffer ran out of room (should stay 0). */
  batchTruncated: number;
}

/** One open capture (`pcap_create` + `pcap_activate`, non-blocking). */
export interface PcapNativeHandle {
  /** DLT of the capture (equal to LINKTYPE_* for the link types we decode). */
  readonly linkType: number;
  /** Snap length in effect, bytes. */
  readonly snaplen: number;
  /** True when timestamps are nanosecond-precise (else microseconds × 1000). */
  readonly nanosecond: boolean;
  readonly device: string;
  /**
   * Copies ready packets into `buffer` as little-endian nanosecond pcap records
   * (u32 tsSec, u32 tsNsec, u32 caplen, u32 origlen, data; no padding), at most
   * `maxPackets`, stopping while one more snaplen-sized packet might not fit.
   * Returns the bytes written (0 when nothing is ready; never blocks).
   * Throws ERR_CAPTURE_READ (interface gone...) and ERR_CAPTURE_CLOSED.
   */
  readBatch(buffer: Uint8Array, maxPackets: number): number;
  /** Calls `callback(status)` whenever the capture descriptor is readable (uv_poll); status < 0 is a libuv error. */
  startPoll(callback: (status: number) => void): void;
  stopPoll(): void;
  stats(): PcapNativeStats;
  /** Stops polling and closes the pcap handle; idempotent. */
  close(): void;
}

/** Cumulative counters of one AF_PACKET socket (PACKET_STATISTICS accumulated by the addon; 53-bit exact). */
export interface AfPacketNativeStats {
  /** Packets the kernel queued for this socket after the filter, dropped ones included (tp_packets). */
  received: number;
  /** Packets dropped because the ring was full (tp_drops). */
  droppedKernel: number;
  /** Times the ring was full and froze (tp_freeze_q_cnt). */
  freezeQueueCount: number;
  /** Packets copied into batches since open. */
  delivered: number;
  /** Outgoing copies skipped on loopback (only on kernels without PACKET_FANOUT_FLAG_IGNORE_OUTGOING). */
  skippedOutgoing: number;
  /** Packets cut short because a batch buffer was smaller than the packet (expected 0). */
  batchTruncated: number;
  /** Ring blocks read and returned to the kernel. */
  blocksRead: number;
}

/**
 * One AF_PACKET socket (Linux) with a TPACKET_V3 ring, member of a
 * PACKET_FANOUT_CBPF group (with a fanout program) or PACKET_FANOUT_HASH
 * group (see native-bindings/src/afpacket-binding.c).
 * Non-blocking; usable from any thread (each worker opens its own).
 */
export interface AfPacketNativeHandle {
  /** LINKTYPE of the frames: 1 (Ethernet, also loopback) or 101 (raw IP, tun devices). */
  readonly linkType: number;
  readonly snaplen: number;
  /** Always true: ring timestamps are nanosecond (tp_sec / tp_nsec). */
  readonly nanosecond: boolean;
  readonly device: string;
  /** Fanout group id, or -1 when the socket joined none. */
  readonly fanoutGroup: number;
  /** Size of the mmap'ed ring, bytes (blockBytes × blockCount). */
  readonly ringBytes: number;
  /** Fanout type joined: 'cbpf' (the program decides), 'hash' (kernel flow hash), 'none' (no group). Absent on addons built before it. */
  readonly fanoutMode?: 'cbpf' | 'hash' | 'none';
  /** Why a program was given but the group is 'hash' (the kernel refused PACKET_FANOUT_CBPF), else null. */
  readonly fanoutFallback?: string | null;
  /**
   * Copies packets of retired ring blocks into `buffer`, in the libpcap
   * handle's record layout (u32 tsSec, u32 tsNsec, u32 caplen, u32 origlen,
   * data; LE, no padding), at most `maxPackets`, as many as fit. Returns the
   * bytes written (0 when no block is ready). Throws ERR_CAPTURE_CLOSED.
   */
  readBatch(buffer: Uint8Array, maxPackets: number): number;
  /** Calls `callback(status)` whenever a block is ready (uv_poll on the socket, on the calling thread's loop). */
  startPoll(callback: (status: number) => void): void;
  stopPoll(): void;
  /** Throws ERR_CAPTURE_READ when PACKET_STATISTICS fails, ERR_CAPTURE_CLOSED after close. */
  stats(): AfPacketNativeStats;
  /** Stops polling, unmaps the ring, closes the socket (leaving the group); idempotent. */
  close(): void;
}

export interface PcapInterfaceInfo {
  name: string;
  description: string | null;
  up: boolean;
  running: boolean;
  loopback: boolean;
  /** IPv4 / IPv6 addresses as text. */
  addresses: string[];
}

export interface PcapAddon {
  PcapHandle: new (
    device: string,
    snaplen: number,
    promiscuous: boolean,
    bufferBytes: number,
    timeoutMs: number,
    immediate: boolean,
    filter: string | null,
  ) => PcapNativeHandle;
  /**
   * Linux only (absent elsewhere). Throws coded errors: ERR_CAPTURE_NO_DEVICE,
   * ERR_CAPTURE_IFACE_DOWN, ERR_CAPTURE_PERMISSION, ERR_CAPTURE_FILTER,
   * ERR_CAPTURE_ACTIVATE (ring, fanout group taken, unsupported link type), ERR_CAPTURE_ARG,
   * ERR_CAPTURE_FANOUT_PROGRAM (the kernel joined the CBPF group but refused the program).
   * `program`: the fanout program (fanout-program.ts) as [code, jt, jf, k] rows.
   */
  AfPacketHandle?: new (
    device: string,
    snaplen: number,
    promiscuous: boolean,
    blockBytes: number,
    blockCount: number,
    blockTimeoutMs: number,
    fanoutGroup: number,
    filter: string | null,
    program?: ReadonlyArray<readonly [number, number, number, number]> | null,
  ) => AfPacketNativeHandle;
  listInterfaces(): PcapInterfaceInfo[];
  libVersion(): string;
}

/** What to do when the addon is absent: the exact package and command. */
export const ADDON_MISSING_HINT = 'install libpcap (apt-get install libpcap-dev) and rebuild the addon (npm run build:native)';

let cached: PcapAddon | null = null;

function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'apisensor') return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new LiveCaptureError('ERR_CAPTURE_ADDON_MISSING', `live capture needs the libpcap addon, which was not found: ${ADDON_MISSING_HINT}`, 1);
    dir = parent;
  }
}

/** Path the addon is loaded from (it may not exist). */
export function addonPath(): string {
  return process.env['APISENSOR_PCAP_ADDON'] || path.join(packageRoot(), 'native-bindings', 'build', 'Release', 'apisensor_pcap.node');
}

/**
 * Loads the addon once. Throws LiveCaptureError ERR_CAPTURE_ADDON_MISSING
 * (exit code 1) when it is not built or cannot be loaded (e.g. libpcap.so missing).
 */
export function loadPcapAddon(): PcapAddon {
  if (cached) return cached;
  const file = addonPath();
  if (!existsSync(file)) {
    throw new LiveCaptureError('ERR_CAPTURE_ADDON_MISSING', `live capture needs the libpcap addon, which is not built: ${ADDON_MISSING_HINT}`, 1);
  }
  try {
    cached = createRequire(import.meta.url)(file) as PcapAddon;
  } catch (err) {
    const why = (err as Error).message.split('\n')[0];
    throw new LiveCaptureError('ERR_CAPTURE_ADDON_MISSING', `the libpcap addon does not load (${why}): ${ADDON_MISSING_HINT}`, 1);
  }
  return cached;
}

/** True when the addon is built and loads. */
export function pcapAddonAvailable(): boolean {
  try {
    loadPcapAddon();
    return true;
  } catch {
    return false;
  }
}
