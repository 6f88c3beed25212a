import { CaptureFile, type CaptureFileOptions } from './capture-file.js';

/**
 * Replays several capture files in the given order (no merge by timestamp:
 * the files are read one after the other, as `tcpdump -r` of each would).
 *
 * Yields each file opened (sniffed) only when the previous one is done, so
 * one file handle and one buffer are live at a time; the yielded file is
 * closed when the consumer's loop body finishes with it, on `break`, and on
 * error. Errors of `CaptureFile.open` (ERR_CAPTURE_OPEN / ERR_CAPTURE_FORMAT)
 * surface when that file's turn comes, after the earlier files were read.
 *
 * ```ts
 * for await (const file of openCaptureFiles(paths)) {
 *   const stats = await file.read(onFrame);
 * }
 * ```
 */
export async function* openCaptureFiles(paths: readonly string[], options?: CaptureFileOptions): AsyncGenerator<CaptureFile, void, undefined> {
  for (const path of paths) {
    const file = await CaptureFile.open(path, options);
    try {
      yield file;
    } finally {
      await file.close();
    }
  }
}
