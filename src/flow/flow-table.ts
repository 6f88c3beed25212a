import type { DecodedPacket } from '../decode/decoded-packet.js';
import { murmurFinalize, murmurMix } from './murmur3.js';

/**
 * Per-worker flow table: finds the flow of a packet in either direction and
 * keeps flows in recency-ordered lists for timeouts and eviction.
 *
 * Key: IP version + both addresses (16 bytes each) + both ports + the tenant
 * tag (vlanOuter, vlanInner, tunnelKind, tunnelId), so two tenants reusing the
 * same private addresses never merge. Side A of an entry is the originator
 * (client), side B the responder (server); a packet matches A→B (direction 0)
 * or B→A (direction 1).
 *
 * Lookup allocates nothing: addresses are read into four 32-bit words each,
 * hashed with a symmetric mix (murmur3 steps) into a `Map<number, T[]>`
 * bucket, and compared exactly. Strings are built only when a caller creates
 * an entry.
 *
 * Lists: entries live in one of `listCount` intrusive doubly-linked lists
 * (e.g. 0 = open connections, 1 = closed tombstones), oldest at the head.
 * The caller decides what "recent" means by calling `moveToTail`.
 */
export class FlowEntry {
  ipVersion: 4 | 6 = 4;
  /** Side A (originator) address as four big-endian 32-bit words; IPv4 uses word 0. */
  a0 = 0; a1 = 0; a2 = 0; a3 = 0;
  /** Side B (responder) address words. */
  b0 = 0; b1 = 0; b2 = 0; b3 = 0;
  aPort = 0;
  bPort = 0;
  vlanOuter = 0;
  vlanInner = 0;
  tunnelKind = 0;
  tunnelId = 0;
  /** Bucket hash (symmetric: same for both directions). */
  flowHash = 0;
  /** Intrusive list links, owned by FlowTable. */
  listId = -1;
  listPrev: FlowEntry | null = null;
  listNext: FlowEntry | null = null;
}

function word(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

function endpointHash(w0: number, w1: number, w2: number, w3: number, port: number): number {
  return murmurFinalize(murmurMix(murmurMix(murmurMix(murmurMix(murmurMix(0x9747b28c, w0), w1), w2), w3), port));
}

export class FlowTable<T extends FlowEntry> {
  #buckets = new Map<number, T[]>();
  #heads: (FlowEntry | null)[];
  #tails: (FlowEntry | null)[];
  #listSizes: number[];
  #size = 0;
  /** Scratch key of the last `lookup()` packet (source side `s`, destination side `d`). */
  #s0 = 0; #s1 = 0; #s2 = 0; #s3 = 0;
  #d0 = 0; #d1 = 0; #d2 = 0; #d3 = 0;
  #hash = 0;
  /**
   * Entry returned by the last successful lookup: consecutive segments of a
   * batch mostly belong to one connection, so it is compared before hashing.
   * Still valid while it is in the table (`listId >= 0`), whatever was
   * removed or inserted since: the comparison is on its current key.
   */
  #last: T | null = null;

  /**
   * Direction of the packet given to the last `lookup()` relative to the
   * returned entry: 0 when the packet's source is side A, 1 otherwise.
   */
  lastDirection: 0 | 1 = 0;

  constructor(listCount = 2) {
    this.#heads = new Array<FlowEntry | null>(listCount).fill(null);
    this.#tails = new Array<FlowEntry | null>(listCount).fill(null);
    this.#listSizes = new Array<number>(listCount).fill(0);
  }

  /** Number of entries in all lists. */
  get size(): number {
    return this.#size;
  }

  listSize(list: number): number {
    return this.#listSizes[list]!;
  }

  /**
   * Find the entry of `pkt` (either direction). Sets `lastDirection` on a hit.
   * Remembers the packet's key so that `assignKey` can follow without
   * re-reading it. Allocates nothing.
   */
  lookup(pkt: DecodedPacket): T | undefined {
    const s = pkt.srcAddr;
    const d = pkt.dstAddr;
    this.#s0 = word(s, 0); this.#s1 = word(s, 4); this.#s2 = word(s, 8); this.#s3 = word(s, 12);
    this.#d0 = word(d, 0); this.#d1 = word(d, 4); this.#d2 = word(d, 8); this.#d3 = word(d, 12);
    const last = this.#last;
    if (last !== null && last.listId >= 0) {
      const dir = this.#match(last, pkt);
      if (dir >= 0) {
        this.#hash = last.flowHash;
        this.lastDirection = dir as 0 | 1;
        return last;
      }
    }
    const hs = endpointHash(this.#s0, this.#s1, this.#s2, this.#s3, pkt.srcPort);
    const hd = endpointHash(this.#d0, this.#d1, this.#d2, this.#d3, pkt.dstPort);
    let h = murmurMix(murmurMix(murmurMix((hs + hd) | 0, pkt.vlanOuter | (pkt.vlanInner << 16)), pkt.tunnelKind), pkt.tunnelId);
    h = murmurMix(h, pkt.ipVersion);
    this.#hash = murmurFinalize(h);
    const bucket = this.#buckets.get(this.#hash);
    if (bucket === undefined) return undefined;
    for (let i = 0; i < bucket.length; i++) {
      const e = bucket[i]!;
      const dir = this.#match(e, pkt);
      if (dir >= 0) {
        this.lastDirection = dir as 0 | 1;
        this.#last = e;
        return e;
      }
    }
    return undefined;
  }

  /** 0 when `e` has the scratch key with the packet's source as side A, 1 when reversed, -1 when not its key. */
  #match(e: T, pkt: DecodedPacket): number {
    if (e.ipVersion !== pkt.ipVersion || e.vlanOuter !== pkt.vlanOuter || e.vlanInner !== pkt.vlanInner ||
      e.tunnelKind !== pkt.tunnelKind || e.tunnelId !== pkt.tunnelId) return -1;
    if (e.aPort === pkt.srcPort && e.bPort === pkt.dstPort &&
      e.a0 === this.#s0 && e.a1 === this.#s1 && e.a2 === this.#s2 && e.a3 === this.#s3 &&
      e.b0 === this.#d0 && e.b1 === this.#d1 && e.b2 === this.#d2 && e.b3 === this.#d3) return 0;
    if (e.aPort === pkt.dstPort && e.bPort === pkt.srcPort &&
      e.a0 === this.#d0 && e.a1 === this.#d1 && e.a2 === this.#d2 && e.a3 === this.#d3 &&
      e.b0 === this.#s0 && e.b1 === this.#s1 && e.b2 === this.#s2 && e.b3 === this.#s3) return 1;
    return -1;
  }

  /**
   * Give `entry` the key of the packet passed to the last `lookup()`. With
   * `swap` false the packet's source becomes side A (originator); with `swap`
   * true its destination does.
   */
  assignKey(entry: T, pkt: DecodedPacket, swap: boolean): void {
    entry.ipVersion = pkt.ipVersion;
    entry.vlanOuter = pkt.vlanOuter;
    entry.vlanInner = pkt.vlanInner;
    entry.tunnelKind = pkt.tunnelKind;
    entry.tunnelId = pkt.tunnelId;
    entry.flowHash = this.#hash;
    if (!swap) {
      entry.a0 = this.#s0; entry.a1 = this.#s1; entry.a2 = this.#s2; entry.a3 = this.#s3;
      entry.b0 = this.#d0; entry.b1 = this.#d1; entry.b2 = this.#d2; entry.b3 = this.#d3;
      entry.aPort = pkt.srcPort;
      entry.bPort = pkt.dstPort;
    } else {
      entry.a0 = this.#d0; entry.a1 = this.#d1; entry.a2 = this.#d2; entry.a3 = this.#d3;
      entry.b0 = this.#s0; entry.b1 = this.#s1; entry.b2 = this.#s2; entry.b3 = this.#s3;
      entry.aPort = pkt.dstPort;
      entry.bPort = pkt.srcPort;
    }
  }

  /** Add a keyed entry at the tail of list `list`. The key must not be present already. */
  insert(entry: T, list: number): void {
    let bucket = this.#buckets.get(entry.flowHash);
    if (bucket === undefined) {
      bucket = [];
      this.#buckets.set(entry.flowHash, bucket);
    }
    bucket.push(entry);
    this.#size++;
    this.#link(entry, list);
  }

  /** Remove `entry` from its bucket and list. No-op when it is not in the table. */
  remove(entry: T): void {
    if (entry.listId < 0) return;
    const bucket = this.#buckets.get(entry.flowHash);
    if (bucket !== undefined) {
      const i = bucket.indexOf(entry);
      if (i >= 0) {
        bucket[i] = bucket[bucket.length - 1]!;
        bucket.pop();
        this.#size--;
      }
      if (bucket.length === 0) this.#buckets.delete(entry.flowHash);
    }
    this.#unlink(entry);
  }

  /** Move `entry` to the tail (most recent end) of list `list`. */
  moveToTail(entry: T, list: number): void {
    if (entry.listId === list && this.#tails[list] === entry) return;
    this.#unlink(entry);
    this.#link(entry, list);
  }

  /** Oldest entry of list `list`, or undefined when the list is empty. */
  head(list: number): T | undefined {
    return (this.#heads[list] ?? undefined) as T | undefined;
  }

  /** Every entry of list `list`, oldest first (a fresh array: for end-of-run work, not the hot path). */
  entries(list: number): T[] {
    const out: T[] = [];
    for (let e = this.#heads[list] ?? null; e !== null; e = e.listNext) out.push(e as T);
    return out;
  }

  /** Drop every entry. */
  clear(): void {
    for (let l = 0; l < this.#heads.length; l++) {
      let e = this.#heads[l] ?? null;
      while (e !== null) {
        const next: FlowEntry | null = e.listNext;
        e.listId = -1;
        e.listPrev = null;
        e.listNext = null;
        e = next;
      }
      this.#heads[l] = null;
      this.#tails[l] = null;
      this.#listSizes[l] = 0;
    }
    this.#buckets.clear();
    this.#size = 0;
  }

  #link(entry: FlowEntry, list: number): void {
    entry.listId = list;
    entry.listNext = null;
    entry.listPrev = this.#tails[list]!;
    if (entry.listPrev !== null) entry.listPrev.listNext = entry;
    else this.#heads[list] = entry;
    this.#tails[list] = entry;
    this.#listSizes[list]!++;
  }

  #unlink(entry: FlowEntry): void {
    const list = entry.listId;
    if (list < 0) return;
    if (entry.listPrev !== null) entry.listPrev.listNext = entry.listNext;
    else this.#heads[list] = entry.listNext;
    if (entry.listNext !== null) entry.listNext.listPrev = entry.listPrev;
    else this.#tails[list] = entry.listPrev;
    entry.listPrev = null;
    entry.listNext = null;
    entry.listId = -1;
    this.#listSizes[list]!--;
  }
}
