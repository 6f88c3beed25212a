/**
 * StdoutSink: findings as JSONL on a writable stream (default
 * `process.stdout`). When the stream's buffer holds more than `maxBufferedBytes`
 * (default 16 MiB: the reader of stdout is not keeping up), further lines are
 * dropped and counted `sink.stdout_dropped` rather than growing memory or
 * slowing the producer.
 */
import { EventCounter } from '../stats/event-counter.js';
import type { BusMessage } from './finding-bus.js';
import { jsonlLine, type FindingSink } from './finding-sink.js';

export interface StdoutSinkOptions {
  stream?: NodeJS.WritableStream & { writableLength?: number };
  maxBufferedBytes?: number;
  events?: EventCounter;
}

export class StdoutSink implements FindingSink {
  readonly #stream: NodeJS.WritableStream & { writableLength?: number };
  readonly #max: number;
  readonly #events: EventCounter;

  constructor(options: StdoutSinkOptions = {}) {
    this.#stream = options.stream ?? process.stdout;
    this.#max = options.maxBufferedBytes ?? 16 * 1024 * 1024;
    this.#events = options.events ?? new EventCounter();
  }

  write(message: BusMessage): void {
    if ((this.#stream.writableLength ?? 0) > this.#max) {
      this.#events.add('sink.stdout_dropped');
      return;
    }
    this.#stream.write(jsonlLine(message));
  }

  async close(): Promise<void> {
    // Wait until what was written has been handed to the OS.
    await new Promise<void>((resolve) => {
      if ((this.#stream.writableLength ?? 0) === 0) resolve();
      else this.#stream.write('', () => resolve());
    });
  }
}
