import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CaptureFile } from '../../src/capture/capture-file.js';
import { openCaptureFiles } from '../../src/capture/open-capture-files.js';
import { CaptureFileError } from '../../src/errors.js';
import { FORMATS, loadOracle, toRow, type FrameRow } from './frame-oracle.js';

describe('openCaptureFiles', () => {
  it('replays files in the given order, each with its own stats', async () => {
    const paths = [join(FORMATS, 'lo-nsec.pcapng'), join(FORMATS, 'get-gzipped.pcap'), join(FORMATS, 'handmade.pcapng')];
    const rows: FrameRow[] = [];
    const frames: number[] = [];
    for await (const file of openCaptureFiles(paths, { chunkBytes: 64 })) {
      frames.push((await file.read((fr) => { rows.push(toRow(fr)); })).frames);
    }
    const expected = paths.map((p) => loadOracle(`${p}.frames.tsv`));
    expect(frames).toEqual(expected.map((e) => e.length));
    expect(rows).toEqual(expected.flat());
  });

  it('a missing file fails when its turn comes, after the earlier files were read; the open file is closed', async () => {
    const paths = [join(FORMATS, 'get.pcapng'), join(FORMATS, 'no-such.pcap')];
    const opened: CaptureFile[] = [];
    let frames = 0;
    const err = await (async () => {
      for await (const file of openCaptureFiles(paths)) {
        opened.push(file);
        frames += (await file.read(() => {})).frames;
      }
    })().catch((e: unknown) => e);
    expect(frames).toBe(14);
    expect(err).toBeInstanceOf(CaptureFileError);
    expect((err as CaptureFileError).code).toBe('ERR_CAPTURE_OPEN');
    expect((err as CaptureFileError).file).toBe(paths[1]);
    expect(opened).toHaveLength(1);
    await expect(opened[0]!.read(() => {})).rejects.toThrow(/only once|after close/);
  });

  it('break closes the current file and opens no more', async () => {
    const paths = [join(FORMATS, 'get.pcapng'), join(FORMATS, 'no-such.pcap')];
    let count = 0;
    for await (const file of openCaptureFiles(paths)) {
      count++;
      await file.read(() => false);
      break;
    }
    expect(count).toBe(1);
  });
});
