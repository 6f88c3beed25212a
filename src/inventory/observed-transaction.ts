/**
 * ObservedTransaction: what the inventory needs from one HTTP transaction.
 *
 * It is a structural subset of `TransactionRecord` (src/http/transaction-record.ts)
 * plus the non-serialized extras the HTTP layer attaches to a record
 * (`requestHeaders`, `responseHeaders`, `requestBodySample`, `responseBodySample`),
 * so a record can be passed as is. Times are packet time in seconds since the
 * Unix epoch; sizes are bytes. Body samples are decoded (after gzip/deflate/br),
 * at most the HTTP layer's sample cap (64 KiB by default); the inventory reads
 * them during `record()` only and keeps no reference to them.
 */
export interface ObservedTransaction {
  serverIp: string;
  serverPort: number;
  /** 802.1Q/802.1ad VLAN ids, outermost first; empty when untagged. */
  vlan: readonly number[];
  /** Mirror/tunnel encapsulation of the flow, or null. */
  tunnel: { kind: string; id: number } | null;
  requestTs: number | null;
  responseTs: number | null;
  method: string | null;
  /** Host header value, null when absent. */
  host: string | null;
  /** Request target as on the wire, not percent-decoded. */
  uri: string | null;
  status: number | null;
  requestBodyLength: number;
  responseBodyLength: number;
  requestContentType: string | null;
  responseContentType: string | null;
  /** Header fields in wire order, names as sent (any case). */
  requestHeaders?: readonly (readonly [string, string])[] | undefined;
  responseHeaders?: readonly (readonly [string, string])[] | undefined;
  requestBodySample?: Uint8Array | undefined;
  responseBodySample?: Uint8Array | undefined;
}

/**
 * Tenant tag of a transaction: `vxlan:42`, `vlan:10.20`, `vxlan:42/vlan:10`, or
 * `''` when the flow is neither tunnelled nor tagged. Two tenants may reuse the
 * same host names and addresses, so the tenant is part of endpoint identity.
 */
export function tenantOf(tx: Pick<ObservedTransaction, 'tunnel' | 'vlan'>): string {
  const parts: string[] = [];
  if (tx.tunnel) parts.push(`${tx.tunnel.kind}:${tx.tunnel.id}`);
  if (tx.vlan.length > 0) parts.push(`vlan:${tx.vlan.join('.')}`);
  return parts.join('/');
}

/**
 * Host part of endpoint identity: the Host header lower-cased, with a default
 * port (`:80`) removed; else `serverIp:serverPort` (IPv6 in brackets).
 */
export function hostOf(tx: Pick<ObservedTransaction, 'host' | 'serverIp' | 'serverPort'>): string {
  const h = tx.host?.trim().toLowerCase();
  if (h) return h.endsWith(':80') ? h.slice(0, -3) : h;
  return tx.serverIp.includes(':') ? `[${tx.serverIp}]:${tx.serverPort}` : `${tx.serverIp}:${tx.serverPort}`;
}
