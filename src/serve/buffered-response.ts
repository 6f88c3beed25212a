/**
 * BufferedResponse: the part of node:http's ServerResponse that HttpApi uses,
 * recorded in memory so the main thread can answer a request the stream
 * worker received (stream-host.ts) with one `{status, headers, body}` message.
 * Header names are kept lower-case (as node:http sends them anyway).
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** What HttpApi reads of a request. */
export interface ApiRequest {
  method?: string | undefined;
  url?: string | undefined;
  headers: IncomingHttpHeaders;
}

/** What HttpApi calls on a response (a node:http ServerResponse fits). */
export interface ApiResponse {
  statusCode: number;
  readonly headersSent: boolean;
  setHeader(name: string, value: string | number): unknown;
  writeHead(status: number, headers?: OutgoingHttpHeaders): unknown;
  end(body?: string): unknown;
  destroy(): unknown;
}

export class BufferedResponse implements ApiResponse {
  statusCode = 200;
  headers: OutgoingHttpHeaders = {};
  body = '';
  #sent = false;
  #ended = false;
  /** Set by destroy(): the request should be dropped (connection reset). */
  destroyed = false;

  get headersSent(): boolean {
    return this.#sent;
  }

  get ended(): boolean {
    return this.#ended;
  }

  setHeader(name: string, value: string | number): this {
    this.headers[name.toLowerCase()] = value;
    return this;
  }

  writeHead(status: number, headers: OutgoingHttpHeaders = {}): this {
    this.statusCode = status;
    for (const [k, v] of Object.entries(headers)) if (v !== undefined) this.headers[k.toLowerCase()] = v;
    this.#sent = true;
    return this;
  }

  end(body = ''): this {
    this.#sent = true;
    this.#ended = true;
    this.body += body;
    return this;
  }

  destroy(): this {
    this.destroyed = true;
    this.#ended = true;
    return this;
  }
}
