/**
 * Test helper: where the shared corpus lives (relative to the repo root, the
 * test working directory) and whether the corpus + tshark oracle tests can
 * run. When either is missing the suites skip and say so once.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tsharkAvailable } from './tshark-oracle.js';

export const CORPUS = '../shared/corpus';
export const haveCorpus = existsSync(join(CORPUS, 'MANIFEST.tsv'));
export const haveTshark = tsharkAvailable();
export const haveOracle = haveCorpus && haveTshark;
if (!haveCorpus) console.warn(`decode corpus tests skipped: ${CORPUS} not found`);
if (!haveTshark) console.warn('decode corpus tests skipped: tshark not installed');

/** Path of a capture in the corpus: `corpusFile('zeek/erspan', 'erspan.pcap')`. */
export function corpusFile(caseDir: string, name: string): string {
  return join(CORPUS, caseDir, name);
}
