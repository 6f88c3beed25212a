import { u16be } from './byte-order.js';
import { DecodeEvent } from './decode-event.js';
import type { LayerCursor } from './layer-cursor.js';
import { Next } from './next-layer.js';

/**
 * LINKTYPE_LINUX_SLL: packet type (2), ARPHRD type (2), address length (2),
 * address (8), protocol (2). https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html
 */
const SLL_HEADER_LENGTH = 16;
/**
 * LINKTYPE_LINUX_SLL2: protocol (2), reserved (2), interface index (4), ARPHRD
 * type (2), packet type (1), address length (1), address (8).
 * https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html
 */
const SLL2_HEADER_LENGTH = 20;
/** ARPHRD_NETLINK: the payload is a netlink message, never IP. */
const ARPHRD_NETLINK = 824;
/** Protocol values below 0x0600 that the kernel uses for non-Ethernet framing. */
const LINUX_SLL_P_802_2 = 0x0004;

/** Shared tail: map ARPHRD type + protocol to the next layer. */
function nextForSll(c: LayerCursor, arphrd: number, protocol: number): Next {
  if (arphrd === ARPHRD_NETLINK) return Next.NOT_TCP;
  if (protocol === LINUX_SLL_P_802_2) return Next.LLC;
  if (protocol < 0x0600) return Next.NOT_TCP;
  // ARPHRD_IPGRE frames put the GRE protocol type here: still an ethertype.
  c.etherType = protocol;
  return Next.ETHERTYPE;
}

/** Linux cooked capture v1 header at `c.off`. Event: `decode.sll_truncated`. */
export function decodeSll(c: LayerCursor): Next {
  if (c.remaining() < SLL_HEADER_LENGTH) return c.fail(DecodeEvent.SLL_TRUNCATED, Next.MALFORMED);
  const arphrd = u16be(c.buf, c.off + 2);
  const protocol = u16be(c.buf, c.off + 14);
  c.off += SLL_HEADER_LENGTH;
  return nextForSll(c, arphrd, protocol);
}

/** Linux cooked capture v2 header at `c.off`. Event: `decode.sll2_truncated`. */
export function decodeSll2(c: LayerCursor): Next {
  if (c.remaining() < SLL2_HEADER_LENGTH) return c.fail(DecodeEvent.SLL2_TRUNCATED, Next.MALFORMED);
  const protocol = u16be(c.buf, c.off);
  const arphrd = u16be(c.buf, c.off + 8);
  c.off += SLL2_HEADER_LENGTH;
  return nextForSll(c, arphrd, protocol);
}
