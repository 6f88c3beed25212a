/**
 * Text forms of the 16-byte address buffers of DecodedPacket. Used once per
 * connection (at creation), never per packet.
 *
 * IPv4: dotted quad of bytes 0..3. IPv6: RFC 5952 §4 canonical form (lower-case
 * hex, no leading zeros, the longest run of two or more all-zero 16-bit groups
 * replaced by `::`, the first such run on a tie) and §5 for IPv4-mapped
 * addresses (`::ffff:192.0.2.1`).
 */
export function addressText(addr: Uint8Array, ipVersion: 4 | 6): string {
  if (ipVersion === 4) return `${addr[0]}.${addr[1]}.${addr[2]}.${addr[3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((addr[i]! << 8) | addr[i + 1]!);
  // RFC 5952 §5: IPv4-mapped (::ffff:0:0/96) keeps the dotted quad.
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return `::ffff:${addr[12]}.${addr[13]}.${addr[14]}.${addr[15]}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  if (bestLen < 2) return groups.map((g) => g.toString(16)).join(':');
  const head = groups.slice(0, bestStart).map((g) => g.toString(16)).join(':');
  const tail = groups.slice(bestStart + bestLen).map((g) => g.toString(16)).join(':');
  return `${head}::${tail}`;
}
