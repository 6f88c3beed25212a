/**
 * Output order of `--capture-mode afpacket`: a k-way merge of the workers'
 * transaction lists of one round by the capture time of the completing packet.
 *
 * Each worker's list is already in its deterministic order (completion index
 * within its socket, then connection, then depth: compareKeyed) and that order
 * is kept as is; across workers the head with the earliest completion time
 * goes first, ties to the lower shard. Why not a global packet order: the
 * fanout group gives every socket its own ring, so there is no single packet
 * sequence across flows — only each flow's own, which lives in one socket
 * (symmetric kernel hash), so per flow the order is the same as in pcap mode.
 * Every socket stamps packets from the same clock (CLOCK_REALTIME at receipt),
 * so completion times of different workers are comparable; packets a few
 * microseconds apart on different sockets may merge in either order.
 */
import type { TimedTransaction } from './afpacket-messages.js';

/** Merges per-worker lists (index = shard). Returns a new array; the inputs are not changed. */
export function mergeByCompletionTime(lists: readonly (readonly TimedTransaction[])[]): TimedTransaction[] {
  const heads = new Array<number>(lists.length).fill(0);
  let total = 0;
  for (const l of lists) total += l.length;
  const out: TimedTransaction[] = [];
  while (out.length < total) {
    let best = -1;
    for (let s = 0; s < lists.length; s++) {
      const t = lists[s]![heads[s]!];
      if (t === undefined) continue;
      if (best < 0) {
        best = s;
        continue;
      }
      const b = lists[best]![heads[best]!]!;
      if (t.completionTsSec < b.completionTsSec || (t.completionTsSec === b.completionTsSec && t.completionTsNsec < b.completionTsNsec)) best = s;
    }
    out.push(lists[best]![heads[best]!]!);
    heads[best]!++;
  }
  return out;
}
