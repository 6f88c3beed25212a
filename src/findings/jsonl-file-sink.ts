/**
 * JsonlFileSink: findings to a JSONL file (`--findings FILE.jsonl`) with
 * size-based rotation (`--findings-max-bytes`, `--findings-keep`).
 *
 * Rotation (logrotate's numbering): before a line would take FILE past
 * `maxBytes`, FILE is renamed FILE.1, FILE.1 → FILE.2, … up to FILE.<keep>;
 * the oldest beyond `keep` is deleted; a new FILE is started. A line is never
 * split across files; a single line longer than `maxBytes` goes alone into a
 * fresh file. `keep` 0: the full file is deleted instead of renamed.
 *
 * Writes are buffered and flushed synchronously (one `writeSync` per flush)
 * at the end of the current event-loop turn or when `flushBytes` (default
 * 64 KiB) are pending, so the producer never waits on a slow disk for more
 * than one flush and memory stays bounded.
 *
 * Events (on `events`): `sink.jsonl_write_errors` (a flush or rotation failed:
 * its lines are dropped), `sink.jsonl_rotations`.
 * Errors: ApisensorError `ERR_SINK_OPEN` (exit 2) when the file cannot be opened.
 */
import { closeSync, fstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { ApisensorError } from '../errors.js';
import { EventCounter } from '../stats/event-counter.js';
import type { BusMessage } from './finding-bus.js';
import { jsonlLine, type FindingSink } from './finding-sink.js';

export interface JsonlFileSinkOptions {
  /** Rotate before FILE would pass this many bytes. Default 100 MiB; at least 1. */
  maxBytes?: number;
  /** Rotated files kept (FILE.1 … FILE.keep). Default 5. */
  keep?: number;
  /** Flush when this many bytes are pending. Default 64 KiB. */
  flushBytes?: number;
  events?: EventCounter;
}

export const DEFAULT_FINDINGS_MAX_BYTES = 100 * 1024 * 1024;
export const DEFAULT_FINDINGS_KEEP = 5;

export class JsonlFileSink implements FindingSink {
  readonly #path: string;
  readonly #maxBytes: number;
  readonly #keep: number;
  readonly #flushBytes: number;
  readonly #events: EventCounter;
  #fd: number;
  #size: number;
  #pending: string[] = [];
  #pendingBytes = 0;
  #scheduled = false;
  #closed = false;

  constructor(path: string, options: JsonlFileSinkOptions = {}) {
    this.#path = path;
    this.#maxBytes = options.maxBytes ?? DEFAULT_FINDINGS_MAX_BYTES;
    this.#keep = options.keep ?? DEFAULT_FINDINGS_KEEP;
    this.#flushBytes = options.flushBytes ?? 64 * 1024;
    this.#events = options.events ?? new EventCounter();
    if (!(this.#maxBytes >= 1) || !Number.isInteger(this.#keep) || this.#keep < 0) {
      throw new RangeError('JsonlFileSink: maxBytes must be ≥ 1 and keep an integer ≥ 0');
    }
    this.#fd = this.#open();
    this.#size = fstatSync(this.#fd).size;
  }

  get events(): EventCounter {
    return this.#events;
  }

  write(message: BusMessage): void {
    if (this.#closed) return;
    const line = jsonlLine(message);
    this.#pending.push(line);
    this.#pendingBytes += Buffer.byteLength(line);
    if (this.#pendingBytes >= this.#flushBytes) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.flush();
      });
    }
  }

  /** Write every pending line now (rotating as needed). */
  flush(): void {
    if (this.#pending.length === 0) return;
    const lines = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    let chunk: string[] = [];
    let chunkBytes = 0;
    try {
      for (const line of lines) {
        const n = Buffer.byteLength(line);
        if (this.#size + chunkBytes + n > this.#maxBytes && this.#size + chunkBytes > 0) {
          this.#writeOut(chunk.join(''), chunkBytes);
          chunk = [];
          chunkBytes = 0;
          this.#rotate();
        }
        chunk.push(line);
        chunkBytes += n;
      }
      this.#writeOut(chunk.join(''), chunkBytes);
    } catch {
      this.#events.add('sink.jsonl_write_errors');
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    closeSync(this.#fd);
  }

  #open(): number {
    try {
      return openSync(this.#path, 'a');
    } catch (err) {
      throw new ApisensorError('ERR_SINK_OPEN', `${this.#path}: cannot open findings file: ${(err as Error).message}`, 2, { cause: err });
    }
  }

  #writeOut(text: string, bytes: number): void {
    if (bytes === 0) return;
    const buf = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(this.#fd, buf, off);
    this.#size += bytes;
  }

  #rotate(): void {
    closeSync(this.#fd);
    if (this.#keep === 0) {
      rmSync(this.#path, { force: true });
    } else {
      rmSync(`${this.#path}.${this.#keep}`, { force: true });
      for (let i = this.#keep - 1; i >= 1; i--) {
        try {
          renameSync(`${this.#path}.${i}`, `${this.#path}.${i + 1}`);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
      renameSync(this.#path, `${this.#path}.1`);
    }
    this.#fd = this.#open();
    this.#size = 0;
    this.#events.add('sink.jsonl_rotations');
  }
}
