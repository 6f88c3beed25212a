/**
 * FindingSink: an output that receives bus messages (see finding-bus.ts).
 * `write()` is called synchronously by the bus and must not block for long or
 * throw; `close()` flushes and releases the output.
 *
 * Line format of the JSONL sinks: a finding message is written as the bare
 * `Finding` object (the same object every sink and the HTTP API give); an
 * inventory message (only when the sink asked for that channel) as the whole
 * message `{channel:'inventory', seq, event, ...}`.
 */
import type { BusChannel, BusMessage, FindingBus } from './finding-bus.js';

export interface FindingSink {
  write(message: BusMessage): void;
  close(): Promise<void>;
}

/** One JSONL line (with its trailing `\n`) for a bus message. */
export function jsonlLine(message: BusMessage): string {
  return JSON.stringify(message.channel === 'findings' ? message.finding : message) + '\n';
}

/** Subscribe `sink` to `bus` for `channels` (default findings only); returns the unsubscribe function. */
export function attachSink(bus: FindingBus, sink: FindingSink, channels: readonly BusChannel[] = ['findings']): () => void {
  const wanted = new Set(channels);
  return bus.subscribe((m) => {
    if (wanted.has(m.channel)) sink.write(m);
  });
}
