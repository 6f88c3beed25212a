/**
 * JSONL rendering of TransactionRecords (`--transactions FILE.jsonl`): one
 * object per line, keys in the fixed order of TransactionRecord, nothing else
 * (body samples and header lists stay internal). Same input → same bytes.
 */
import { openSync, writeSync, closeSync } from 'node:fs';
import type { TransactionRecord } from '../http/transaction-record.js';

const KEYS: readonly (keyof TransactionRecord)[] = [
  'uid', 'transDepth', 'clientIp', 'clientPort', 'serverIp', 'serverPort', 'vlan', 'tunnel',
  'requestTs', 'responseTs', 'method', 'host', 'uri', 'httpVersion', 'status', 'reason', 'informational',
  'requestBodyLength', 'responseBodyLength', 'requestBodyDecodedLength', 'responseBodyDecodedLength',
  'requestContentType', 'responseContentType', 'requestContentEncoding', 'responseContentEncoding',
  'userAgent', 'flags',
];

export function transactionToJson(record: TransactionRecord): string {
  const out: Record<string, unknown> = {};
  for (const key of KEYS) out[key] = record[key] ?? null;
  return JSON.stringify(out);
}

/** Buffered synchronous JSONL writer; flushes every 1 MiB and on close. */
export class JsonlWriter {
  #fd: number;
  #pending: string[] = [];
  #pendingChars = 0;

  /** Opens (truncates) `path`, or writes to stdout when path is `-`. Throws the fs error (ENOENT, EACCES). */
  constructor(path: string) {
    this.#fd = path === '-' ? 1 : openSync(path, 'w');
  }

  write(line: string): void {
    this.#pending.push(line);
    this.#pendingChars += line.length + 1;
    if (this.#pendingChars >= 1 << 20) this.flush();
  }

  flush(): void {
    if (this.#pending.length === 0) return;
    writeSync(this.#fd, this.#pending.join('\n') + '\n');
    this.#pending = [];
    this.#pendingChars = 0;
  }

  close(): void {
    this.flush();
    if (this.#fd !== 1) closeSync(this.#fd);
  }
}
