/**
 * Replay of capture files through the whole pipeline (FramePipeline):
 *
 *   CaptureFile ──RawFrame──► FramePipeline (decode → flow hash → shard batches → workers → ordered transactions)
 *
 * Several files are one continuous capture: packet indexes and rounds run on
 * across file boundaries. The reader pauses between chunks while the pipeline
 * is saturated (backpressure), so memory stays bounded whatever the file size.
 * Output is byte-identical for any `workers` (see frame-pipeline.ts, rounds).
 */
import os from 'node:os';
import { CaptureFile } from '../capture/capture-file.js';
import { CaptureFileError } from '../errors.js';
import type { ReplayOptions, ReplayResult } from './replay-types.js';
import { buildSummary } from './summary.js';
import { FramePipeline, type FramePipelineTotals } from './frame-pipeline.js';

/** Default worker count: cores − 1, at least 1. */
export function defaultWorkerCount(): number {
  return Math.max(1, (os.availableParallelism?.() ?? os.cpus().length) - 1);
}

/**
 * Replays `paths` in order as one continuous capture.
 * Resolves with the summary (and transactions with `collect`). A damaged
 * capture file stops the replay after everything before the damage has been
 * processed and flushed; the error is returned in `result.error`. Throws
 * CaptureFileError for a file that cannot be opened or is not a capture
 * (ERR_CAPTURE_OPEN / ERR_CAPTURE_FORMAT), and whatever a worker failed with.
 */
export async function replayFiles(paths: string[], options: ReplayOptions = {}): Promise<ReplayResult> {
  const started = performance.now();
  const pipeline = new FramePipeline({ ...options, workers: options.workers ?? defaultWorkerCount() });
  const onFrame = pipeline.onFrame.bind(pipeline);
  const beforeChunk = async (): Promise<void> => {
    if (pipeline.saturated) await pipeline.waitForCapacity();
  };

  let error: Error | undefined;
  await pipeline.start();
  try {
    for (const file of paths) {
      const capture = await CaptureFile.open(file);
      try {
        await capture.read(onFrame, { beforeChunk });
      } catch (err) {
        if (!(err instanceof CaptureFileError)) throw err;
        error = err;
        break;
      } finally {
        await capture.close();
      }
    }
  } catch (err) {
    await pipeline.close();
    throw err;
  }
  const totals: FramePipelineTotals = await pipeline.finish();

  const summary = buildSummary({ ...totals, files: paths, elapsedMs: performance.now() - started });
  const result: ReplayResult = { summary, transactions: pipeline.collected };
  if (error) result.error = error;
  return result;
}
