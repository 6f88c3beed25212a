/**
 * One error hierarchy for apisensor. Every error has a stable `code` that users
 * and tests match on; the README lists each code with its meaning and fix.
 *
 * Malformed *traffic* is never an error: it is a counted event (see
 * `src/stats/event-counter.ts`). Errors are for the user's input (flags, files)
 * and for internal failures.
 */
export class ApisensorError extends Error {
  /** Stable machine-readable code, e.g. `ERR_CAPTURE_TRUNCATED`. */
  readonly code: string;
  /** Process exit code the CLI uses when this error ends a run. */
  readonly exitCode: number;

  constructor(code: string, message: string, exitCode = 1, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApisensorError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** A bad command line: unknown flag, missing argument, bad value. Exit code 2. */
export class UsageError extends ApisensorError {
  constructor(message: string, code = 'ERR_USAGE') {
    super(code, message, 2);
    this.name = 'UsageError';
  }
}

/**
 * A capture file that cannot be read, or is damaged. `offset` is the byte
 * offset in the (decompressed) file where the problem was found; everything
 * before it has been processed.
 *
 * Codes: ERR_CAPTURE_OPEN (missing / unreadable, exit 2), ERR_CAPTURE_FORMAT
 * (not a pcap/pcapng file), ERR_CAPTURE_TRUNCATED (file ends inside a record),
 * ERR_CAPTURE_CORRUPT (a record header is impossible).
 */
export class CaptureFileError extends ApisensorError {
  readonly file: string;
  readonly offset: number;

  constructor(code: string, file: string, offset: number, message: string, exitCode = 1) {
    super(code, `${file}: ${message}${offset >= 0 ? ` (at byte offset ${offset})` : ''}`, exitCode);
    this.name = 'CaptureFileError';
    this.file = file;
    this.offset = offset;
  }
}
