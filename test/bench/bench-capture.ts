/**
 * ensureBenchCapture: the benchmark's synthetic capture, generated once and
 * cached in `bench-data/` (git-ignored) as
 * `synthetic-api-v<GENERATOR_VERSION>-s<seed>-<MB>mb.pcap` with its ground
 * truth beside it (`.json`). It is regenerated when the generator version,
 * seed or size changes, or when the cached file's size differs from the truth.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATOR_VERSION, generateCapture, type SyntheticCaptureTruth } from './generate-capture.js';

export interface BenchCapture {
  path: string;
  truth: SyntheticCaptureTruth;
  /** Generation time in ms, or null when the cached file was reused. */
  generatedMs: number | null;
}

/** @param sizeMb target size in MB (10^6 bytes). @throws Error from node:fs. */
export function ensureBenchCapture(dataDir: string, sizeMb: number, seed = 1): BenchCapture {
  mkdirSync(dataDir, { recursive: true });
  const base = join(dataDir, `synthetic-api-v${GENERATOR_VERSION}-s${seed}-${sizeMb}mb`);
  const path = `${base}.pcap`;
  const truthPath = `${base}.json`;
  if (existsSync(path) && existsSync(truthPath)) {
    const truth = JSON.parse(readFileSync(truthPath, 'utf8')) as SyntheticCaptureTruth;
    if (truth.generatorVersion === GENERATOR_VERSION && truth.seed === seed && statSync(path).size === truth.fileBytes) {
      return { path, truth, generatedMs: null };
    }
  }
  const start = process.hrtime.bigint();
  const truth = generateCapture(path, { targetBytes: sizeMb * 1_000_000, seed });
  const generatedMs = Number(process.hrtime.bigint() - start) / 1e6;
  writeFileSync(truthPath, JSON.stringify(truth, null, 2) + '\n');
  return { path, truth, generatedMs };
}
