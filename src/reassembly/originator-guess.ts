/**
 * Who is the client of a connection picked up midstream (no SYN seen)?
 * Default: the sender of the first packet (Zeek's choice). Swap when the port
 * pair says otherwise:
 *  - source port is well-known (< 1024) and the destination port is ephemeral
 *    (≥ 1024 and not a typical service port), or
 *  - source port is a typical service port (80, 443, 8080, ...) and the
 *    destination port is ≥ 1024 and not one.
 * The HTTP layer may still detect a reversed direction from the bytes.
 */

/** Typical HTTP/API service ports, including ≥ 1024 ones that clients rarely use as source ports. */
export const SERVICE_PORTS: ReadonlySet<number> = new Set([
  80, 443, 591, 3000, 3128, 4443, 5000, 5601, 8000, 8008, 8080, 8081, 8088, 8443, 8888, 9000, 9090, 9200, 9443,
]);

/** Port below which a port is "well-known" (RFC 6335 §6: system ports 0-1023). */
const SYSTEM_PORT_LIMIT = 1024;

function isEphemeral(port: number): boolean {
  return port >= SYSTEM_PORT_LIMIT && !SERVICE_PORTS.has(port);
}

/**
 * True when the first-seen packet (srcPort → dstPort) most likely travels
 * server → client, so the connection's originator is its destination.
 */
export function midstreamSenderIsServer(srcPort: number, dstPort: number): boolean {
  if (srcPort < SYSTEM_PORT_LIMIT && isEphemeral(dstPort)) return true;
  if (SERVICE_PORTS.has(srcPort) && isEphemeral(dstPort)) return true;
  return false;
}
