/**
 * Symmetric flow hash (gopacket `flows.go` habit): both directions of a
 * connection hash to the same 32-bit value, so every packet of a connection
 * lands on the same worker shard.
 *
 * Shape: hash(endpointA) XOR hash(endpointB), mixed with the tenant tag (VLAN
 * ids, tunnel kind and id), then a murmur3 finalizer. Allocation-free.
 */
import type { DecodedPacket } from '../decode/decoded-packet.js';
import { murmurFinalize } from './murmur3.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function endpointHash(addr: Uint8Array, addrLength: number, port: number): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < addrLength; i++) h = Math.imul(h ^ addr[i]!, FNV_PRIME);
  h = Math.imul(h ^ (port & 0xff), FNV_PRIME);
  h = Math.imul(h ^ (port >>> 8), FNV_PRIME);
  return h >>> 0;
}

/** Unsigned 32-bit symmetric hash of the packet's 5-tuple and tenant tag. */
export function symmetricFlowHash(pkt: DecodedPacket): number {
  const len = pkt.ipVersion === 4 ? 4 : 16;
  let h = endpointHash(pkt.srcAddr, len, pkt.srcPort) ^ endpointHash(pkt.dstAddr, len, pkt.dstPort);
  h = Math.imul(h ^ pkt.vlanOuter, FNV_PRIME);
  h = Math.imul(h ^ pkt.vlanInner, FNV_PRIME);
  h = Math.imul(h ^ pkt.tunnelKind, FNV_PRIME);
  h = Math.imul(h ^ pkt.tunnelId, FNV_PRIME);
  return murmurFinalize(h);
}
