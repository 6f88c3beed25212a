/**
 * The one wrapper of llhttp 9 (the WASM build shipped inside undici) used by
 * apisensor. One `WebAssembly.Instance` per thread, created on first use.
 *
 *   JS chunk ──copy once──► WASM scratch ──llhttp_execute──► wasm_on_* imports
 *                                                               │ (parser ptr)
 *                                            Map<ptr, LlhttpCallbacks> ◄─┘
 *
 * Callbacks receive the ORIGINAL JS chunk plus an offset and a length (the
 * WASM pointer minus the scratch base), never a copy: a callback that keeps
 * bytes must copy them before it returns; the chunk is only valid during the
 * `execute()` call.
 *
 * `execute()` is not re-entrant: a callback must not call `execute()` or
 * `finish()` on any parser (they share one scratch area). Defer such work.
 *
 * Spec: llhttp (https://github.com/nodejs/llhttp), RFC 9112 message syntax.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The slice of the WebAssembly JS API we use (lib `ES2022` has no WebAssembly typings). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (mod: object, imports: object) => { exports: unknown };
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** llhttp_type_t. */
export const LlhttpType = { BOTH: 0, REQUEST: 1, RESPONSE: 2 } as const;
export type LlhttpType = (typeof LlhttpType)[keyof typeof LlhttpType];

/** The llhttp_errno_t values we branch on (full list: `llhttpErrorName`). */
export const LlhttpError = {
  OK: 0,
  INVALID_EOF_STATE: 14,
  PAUSED: 21,
  PAUSED_UPGRADE: 22,
} as const;

/** Callback return code that pauses `execute()` (it then returns PAUSED; continue with `resume()`). */
export const CALLBACK_PAUSE = LlhttpError.PAUSED;

/**
 * Return codes of `onHeadersComplete` (llhttp.h, `on_headers_complete`):
 * 0 = body follows per framing, 1 = no body (HEAD response), 2 = no body and
 * stop: `execute()` returns PAUSED_UPGRADE after the message completes.
 */
export const HeadersCompleteResult = { BODY: 0, SKIP_BODY: 1, UPGRADE: 2 } as const;

/**
 * Our side of the parser. Span callbacks (`onUrl`, `onStatus`,
 * `onHeaderField`, `onHeaderValue`, `onBody`) may be called several times per
 * span when the span crosses chunks. `buf[off .. off+len)` is valid only during
 * the call. Return 0 to continue.
 */
export interface LlhttpCallbacks {
  onMessageBegin(): number;
  onUrl(buf: Uint8Array, off: number, len: number): number;
  onStatus(buf: Uint8Array, off: number, len: number): number;
  onHeaderField(buf: Uint8Array, off: number, len: number): number;
  onHeaderValue(buf: Uint8Array, off: number, len: number): number;
  onHeadersComplete(statusCode: number, upgrade: boolean, shouldKeepAlive: boolean): number;
  onBody(buf: Uint8Array, off: number, len: number): number;
  onMessageComplete(): number;
}

/** Lenient flags we set on every parser (llhttp_set_lenient_*), Zeek/Suricata-like tolerance. */
const LENIENT_SETTERS = [
  'llhttp_set_lenient_headers', // invalid header chars: the server may accept them, we must see them
  'llhttp_set_lenient_chunked_length', // Transfer-Encoding + Content-Length together (chunked wins)
  // NOT lenient_transfer_encoding: a request whose codings do not end in `chunked`
  // (`chunked, identity`) is a parse error, and resync finds the request smuggled
  // after it, as Zeek and tshark report it (zeek variant-10-multi_value_te).
  'llhttp_set_lenient_keep_alive', // keep parsing after `Connection: close`
  'llhttp_set_lenient_version', // odd HTTP versions
  'llhttp_set_lenient_data_after_close', // bytes after a `close` message
  'llhttp_set_lenient_optional_lf_after_cr', // bare CR line endings
  'llhttp_set_lenient_optional_crlf_after_chunk', // missing CRLF after chunk data
  'llhttp_set_lenient_optional_cr_before_lf', // bare LF line endings
  'llhttp_set_lenient_spaces_after_chunk_size', // `5 \r\n`
] as const;

interface LlhttpExports {
  memory: { buffer: ArrayBuffer };
  _initialize?: () => void;
  malloc(size: number): number;
  free(ptr: number): void;
  llhttp_alloc(type: number): number;
  llhttp_free(ptr: number): void;
  llhttp_execute(ptr: number, data: number, len: number): number;
  llhttp_finish(ptr: number): number;
  llhttp_reset(ptr: number): void;
  llhttp_resume(ptr: number): void;
  llhttp_resume_after_upgrade(ptr: number): void;
  llhttp_get_error_pos(ptr: number): number;
  llhttp_get_method(ptr: number): number;
  llhttp_get_status_code(ptr: number): number;
  llhttp_get_http_major(ptr: number): number;
  llhttp_get_http_minor(ptr: number): number;
  llhttp_get_upgrade(ptr: number): number;
  llhttp_message_needs_eof(ptr: number): number;
  [setter: string]: unknown;
}

/** Largest slice copied into WASM memory per `llhttp_execute` call (bytes). */
const SCRATCH_BYTES = 256 * 1024;

const constants = require('undici/lib/llhttp/constants.js') as {
  ERROR: Record<string, number>;
  METHODS: Record<string, number>;
  METHODS_HTTP: number[];
};

const ERROR_NAMES: string[] = [];
for (const [name, code] of Object.entries(constants.ERROR)) ERROR_NAMES[code] = name.toLowerCase();
const METHOD_NAMES: string[] = [];
for (const [name, code] of Object.entries(constants.METHODS)) METHOD_NAMES[code] = name;

/** `invalid_method` for 6; `error_<n>` for an unknown code. */
export function llhttpErrorName(code: number): string {
  return ERROR_NAMES[code] ?? `error_${code}`;
}

/** Method text for llhttp_get_method's value (`GET` for 1). */
export function llhttpMethodName(code: number): string {
  return METHOD_NAMES[code] ?? `METHOD_${code}`;
}

/** Every method llhttp knows (HTTP, RTSP, ICE), upper case (for start-line sniffing). */
export const LLHTTP_METHODS: readonly string[] = Object.keys(constants.METHODS);

/** The methods a REQUEST parser accepts (llhttp METHODS_HTTP), upper case. */
export const LLHTTP_HTTP_METHODS: readonly string[] = constants.METHODS_HTTP.map((code) => METHOD_NAMES[code]!);

/** Result of one `execute()`: llhttp errno and the chunk offset where it stopped (valid when errno ≠ OK). */
export interface ExecuteResult {
  errno: number;
  errorOffset: number;
}

/** The per-thread llhttp instance. Obtain with `Llhttp.get()`. */
export class Llhttp {
  static #instance: Llhttp | null = null;

  readonly #x: LlhttpExports;
  readonly #handlers = new Map<number, LlhttpCallbacks>();
  readonly #scratchPtr: number;
  #chunk: Uint8Array = new Uint8Array(0);
  #chunkBase = 0;
  readonly #result: ExecuteResult = { errno: 0, errorOffset: 0 };

  /** The thread's instance, compiled on first call. Throws only if WebAssembly is unavailable. */
  static get(): Llhttp {
    return (Llhttp.#instance ??= new Llhttp());
  }

  private constructor() {
    let mod: object;
    try {
      mod = new Wasm.Module(require('undici/lib/llhttp/llhttp_simd-wasm.js') as Uint8Array);
    } catch {
      mod = new Wasm.Module(require('undici/lib/llhttp/llhttp-wasm.js') as Uint8Array);
    }
    const span =
      (pick: (h: LlhttpCallbacks, buf: Uint8Array, off: number, len: number) => number) =>
      (p: number, at: number, len: number): number => {
        const h = this.#handlers.get(p);
        return h === undefined ? -1 : pick(h, this.#chunk, at - this.#chunkBase, len);
      };
    const env = {
      wasm_on_message_begin: (p: number) => this.#handlers.get(p)?.onMessageBegin() ?? -1,
      wasm_on_url: span((h, b, o, l) => h.onUrl(b, o, l)),
      wasm_on_status: span((h, b, o, l) => h.onStatus(b, o, l)),
      wasm_on_header_field: span((h, b, o, l) => h.onHeaderField(b, o, l)),
      wasm_on_header_value: span((h, b, o, l) => h.onHeaderValue(b, o, l)),
      wasm_on_headers_complete: (p: number, status: number, upgrade: number, keepAlive: number) =>
        this.#handlers.get(p)?.onHeadersComplete(status, upgrade === 1, keepAlive === 1) ?? -1,
      wasm_on_body: span((h, b, o, l) => h.onBody(b, o, l)),
      wasm_on_message_complete: (p: number) => this.#handlers.get(p)?.onMessageComplete() ?? -1,
    };
    const instance = new Wasm.Instance(mod, { env });
    this.#x = instance.exports as unknown as LlhttpExports;
    this.#x._initialize?.();
    this.#scratchPtr = this.#x.malloc(SCRATCH_BYTES);
  }

  /** Allocate a parser of `type` with all lenient flags on; `callbacks` receive its events. Free with `free()`. */
  alloc(type: LlhttpType, callbacks: LlhttpCallbacks): number {
    const ptr = this.#x.llhttp_alloc(type);
    for (const setter of LENIENT_SETTERS) (this.#x[setter] as (p: number, v: number) => void)(ptr, 1);
    this.#handlers.set(ptr, callbacks);
    return ptr;
  }

  free(ptr: number): void {
    this.#handlers.delete(ptr);
    this.#x.llhttp_free(ptr);
  }

  /**
   * Parse `bytes` (any length; copied into WASM memory in slices of at most
   * 256 KiB). Stops at the first error or pause. The returned object is reused
   * by the next call: read it before calling again.
   */
  execute(ptr: number, bytes: Uint8Array): ExecuteResult {
    const x = this.#x;
    const r = this.#result;
    r.errno = 0;
    r.errorOffset = 0;
    for (let start = 0; start < bytes.length; start += SCRATCH_BYTES) {
      const piece = bytes.subarray(start, Math.min(bytes.length, start + SCRATCH_BYTES));
      new Uint8Array(x.memory.buffer, this.#scratchPtr, piece.length).set(piece);
      this.#chunk = bytes;
      this.#chunkBase = this.#scratchPtr - start;
      let errno: number;
      try {
        errno = x.llhttp_execute(ptr, this.#scratchPtr, piece.length);
      } finally {
        this.#chunk = EMPTY;
      }
      if (errno !== LlhttpError.OK) {
        r.errno = errno;
        r.errorOffset = start + (x.llhttp_get_error_pos(ptr) - this.#scratchPtr);
        return r;
      }
    }
    return r;
  }

  /** Signal end of stream (llhttp_finish): completes a close-delimited body; INVALID_EOF_STATE mid-message. */
  finish(ptr: number): number {
    return this.#x.llhttp_finish(ptr);
  }

  /** Back to "expecting a message start", keeping type and lenient flags (llhttp_reset). */
  reset(ptr: number): void {
    this.#x.llhttp_reset(ptr);
  }

  /** Continue after PAUSED (a callback returned CALLBACK_PAUSE). */
  resume(ptr: number): void {
    this.#x.llhttp_resume(ptr);
  }

  /** Continue after PAUSED_UPGRADE (the upgrade did not happen). */
  resumeAfterUpgrade(ptr: number): void {
    this.#x.llhttp_resume_after_upgrade(ptr);
  }

  method(ptr: number): number {
    return this.#x.llhttp_get_method(ptr);
  }

  statusCode(ptr: number): number {
    return this.#x.llhttp_get_status_code(ptr);
  }

  httpMajor(ptr: number): number {
    return this.#x.llhttp_get_http_major(ptr);
  }

  httpMinor(ptr: number): number {
    return this.#x.llhttp_get_http_minor(ptr);
  }

  /** The message being parsed ends the HTTP stream (CONNECT, Upgrade, or our UPGRADE return code). */
  upgrade(ptr: number): boolean {
    return this.#x.llhttp_get_upgrade(ptr) === 1;
  }

  /** 1 when the current response is delimited by connection close. */
  messageNeedsEof(ptr: number): boolean {
    return this.#x.llhttp_message_needs_eof(ptr) === 1;
  }
}

const EMPTY = new Uint8Array(0);
