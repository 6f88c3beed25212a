/**
 * IpMatcher: does an address belong to a configured list of addresses and
 * CIDR blocks (IPv4 and IPv6)? Built on node:net `BlockList`.
 */
import { BlockList, isIP } from 'node:net';

export class IpMatcher {
  readonly #list = new BlockList();
  readonly #empty: boolean;

  /** @throws TypeError for an entry that is not an address or `address/prefix`. */
  constructor(entries: readonly string[]) {
    this.#empty = entries.length === 0;
    for (const entry of entries) {
      const [addr = '', prefixText] = entry.trim().split('/');
      const family = isIP(addr);
      if (family === 0) throw new TypeError(`not an IP address or CIDR block: '${entry}'`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (prefixText === undefined) {
        this.#list.addAddress(addr, type);
      } else {
        const prefix = Number(prefixText);
        if (!/^\d+$/.test(prefixText) || prefix > (family === 4 ? 32 : 128)) throw new TypeError(`bad prefix length in '${entry}'`);
        this.#list.addSubnet(addr, prefix, type);
      }
    }
  }

  /** True when `ip` (text form) is in the list; false for anything that is not an address. */
  matches(ip: string): boolean {
    if (this.#empty) return false;
    const family = isIP(ip);
    if (family === 0) return false;
    return this.#list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }
}
