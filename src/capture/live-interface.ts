/**
 * Pre-flight checks of a capture interface on Linux, read from sysfs
 * (/sys/class/net/<name>/flags, Documentation/ABI/testing/sysfs-class-net), so
 * the user gets one precise line before libpcap is involved: unknown interface
 * (with the list of those that exist) or interface down. On other systems, or
 * for libpcap pseudo-devices (`any`), the checks are skipped and libpcap's own
 * errors are reported.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { LiveCaptureError } from './live-capture-error.js';

const SYS_NET = '/sys/class/net';
/** IFF_UP from <linux/if.h>: the interface is administratively up. */
const IFF_UP = 0x1;

/** Names of the network interfaces of this network namespace (sorted), or null when sysfs is absent. */
export function linuxInterfaceNames(): string[] | null {
  if (!existsSync(SYS_NET)) return null;
  try {
    return readdirSync(SYS_NET).sort();
  } catch {
    return null;
  }
}

/**
 * Throws LiveCaptureError ERR_CAPTURE_NO_DEVICE when `name` is not an
 * interface here, ERR_CAPTURE_IFACE_DOWN when it is down. Returns normally
 * when it is up, or when the check does not apply.
 */
export function checkCaptureInterface(name: string): void {
  const names = linuxInterfaceNames();
  if (names === null || name === 'any' || name.includes(':')) return;
  if (name.includes('/') || !names.includes(name)) {
    throw new LiveCaptureError(
      'ERR_CAPTURE_NO_DEVICE',
      `no such interface '${name}' (interfaces here: ${names.join(', ') || 'none'})`,
      2,
      name,
    );
  }
  let flags = NaN;
  try {
    flags = Number.parseInt(readFileSync(`${SYS_NET}/${name}/flags`, 'utf8').trim(), 16);
  } catch {
    return;
  }
  if (Number.isFinite(flags) && (flags & IFF_UP) === 0) {
    throw new LiveCaptureError('ERR_CAPTURE_IFACE_DOWN', `interface '${name}' is down (bring it up: ip link set ${name} up)`, 2, name);
  }
}

/**
 * rx_dropped of a Linux interface (/sys/class/net/<name>/statistics/rx_dropped:
 * packets the driver or stack dropped on receive, every packet, filtered or
 * not), or 0 when unavailable. Callers subtract a start value.
 */
export function interfaceRxDropped(name: string): number {
  try {
    const v = Number(readFileSync(`${SYS_NET}/${name}/statistics/rx_dropped`, 'utf8').trim());
    return Number.isFinite(v) ? v : 0;
  } catch {
    return 0;
  }
}

/** Linux capability number of CAP_NET_RAW (linux/capability.h). */
const CAP_NET_RAW = 13;

/**
 * Preflight before anything else is opened: throws LiveCaptureError
 * ERR_CAPTURE_PERMISSION (exit 2) when this process lacks CAP_NET_RAW in its
 * effective set (/proc/self/status `CapEff`). Returns normally when it has it
 * or when the check does not apply (not Linux); libpcap's own activation
 * error remains the final word.
 */
export function checkCapturePrivileges(name: string): void {
  let capEff: bigint;
  try {
    const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('CapEff:'));
    if (!line) return;
    capEff = BigInt(`0x${line.slice('CapEff:'.length).trim()}`);
  } catch {
    return;
  }
  if ((capEff >> BigInt(CAP_NET_RAW)) & 1n) return;
  throw new LiveCaptureError(
    'ERR_CAPTURE_PERMISSION',
    `no permission to capture on '${name}': run as root or grant CAP_NET_RAW and CAP_NET_ADMIN (setcap cap_net_raw,cap_net_admin+eip "$(command -v node)")`,
    2,
    name,
  );
}
