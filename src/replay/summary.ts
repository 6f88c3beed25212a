/**
 * End-of-run summary: builds the ReplaySummary from the counters of every
 * stage and renders it for a terminal or as JSON (`--json`).
 */
import type { ReassemblyStats } from '../reassembly/tcp-reassembler.js';
import type { CappedCounter, ReplaySummary } from './replay-types.js';
import type { ReplayConfig } from './replay-config.js';

export interface DecoderStatsLike {
  fragmentDatagramsPeak?: number;
  fragmentCapHits?: number;
  fragmentsTimedOut?: number;
  [key: string]: unknown;
}

export interface SummaryInputs {
  files: string[];
  packets: number;
  bytes: number;
  wireBytes: number;
  tcpPackets: number;
  transactions: number;
  events: Record<string, number>;
  decoder: DecoderStatsLike;
  reassembly: ReassemblyStats[];
  config: ReplayConfig;
  elapsedMs: number;
}

export function buildSummary(input: SummaryInputs): ReplaySummary {
  const r = input.reassembly;
  const sum = (pick: (s: ReassemblyStats) => number | undefined): number =>
    r.reduce((acc, s) => acc + (pick(s) ?? 0), 0);
  const max = (pick: (s: ReassemblyStats) => number | undefined): number =>
    r.reduce((acc, s) => Math.max(acc, pick(s) ?? 0), 0);
  const capHits = (key: string): number => sum((s) => s.capHits?.[key]);

  const caps: Record<string, CappedCounter> = {
    'decode.fragment_datagrams': {
      value: input.decoder.fragmentDatagramsPeak ?? 0,
      cap: input.config.decode.maxFragmentDatagrams,
      capHits: input.decoder.fragmentCapHits ?? 0,
    },
    'reassembly.connections_per_worker': {
      value: max((s) => s.connectionsPeak),
      cap: input.config.reassembly.maxConnections,
      capHits: capHits('maxConnections'),
    },
    'reassembly.buffered_bytes_per_worker': {
      value: max((s) => s.bufferedBytesPeak),
      cap: input.config.reassembly.maxBufferedBytesTotal,
      capHits: capHits('maxBufferedBytesTotal'),
    },
    'reassembly.buffered_bytes_per_direction': {
      value: max((s) => s.bufferedBytesPerDirectionPeak),
      cap: input.config.reassembly.maxBufferedBytesPerDirection,
      capHits: capHits('maxBufferedBytesPerDirection'),
    },
    'reassembly.buffered_segments_per_direction': {
      value: max((s) => s.bufferedSegmentsPerDirectionPeak),
      cap: input.config.reassembly.maxBufferedSegmentsPerDirection,
      capHits: capHits('maxBufferedSegmentsPerDirection'),
    },
    'http.header_bytes': {
      value: -1,
      cap: input.config.http.maxHeaderBytes,
      capHits: input.events['http.header_cap'] ?? 0,
    },
    'http.body_sample_bytes': {
      value: -1,
      cap: input.config.http.maxBodySampleBytes,
      capHits: input.events['http.body_sample_truncated'] ?? 0,
    },
    'http.pending_requests': {
      value: -1,
      cap: input.config.http.maxPendingRequests,
      capHits: input.events['http.pending_cap'] ?? 0,
    },
  };

  return {
    files: input.files,
    packets: input.packets,
    bytes: input.bytes,
    wireBytes: input.wireBytes,
    tcpPackets: input.tcpPackets,
    flows: sum((s) => s.connectionsTotal),
    transactions: input.transactions,
    events: input.events,
    gaps: sum((s) => s.gaps),
    gapBytes: sum((s) => s.gapBytes),
    flowsEvicted: sum((s) => s.evictedConnections),
    midstreamFlows: sum((s) => s.midstreamConnections),
    caps,
    elapsedMs: input.elapsedMs,
  };
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/** Human-readable rendering for a terminal. */
export function formatSummary(s: ReplaySummary): string {
  const lines: string[] = [];
  lines.push(`replayed ${s.files.length} file${s.files.length === 1 ? '' : 's'}: ${s.files.join(', ')}`);
  lines.push(`  packets        ${fmt(s.packets)} (${fmt(s.bytes)} bytes captured, ${fmt(s.wireBytes)} on the wire; ${fmt(s.tcpPackets)} TCP)`);
  lines.push(`  flows          ${fmt(s.flows)} (${fmt(s.midstreamFlows)} midstream, ${fmt(s.flowsEvicted)} evicted)`);
  lines.push(`  transactions   ${fmt(s.transactions)}`);
  lines.push(`  gaps           ${fmt(s.gaps)} (${fmt(s.gapBytes)} bytes skipped)`);
  const names = Object.keys(s.events);
  lines.push(`  events         ${names.length === 0 ? 'none' : ''}`);
  const width = Math.max(0, ...names.map((n) => n.length));
  for (const name of names) lines.push(`    ${name.padEnd(width)}  ${fmt(s.events[name]!)}`);
  lines.push('  caps           (peak / cap, times hit)');
  const capNames = Object.keys(s.caps);
  const capWidth = Math.max(0, ...capNames.map((n) => n.length));
  for (const name of capNames) {
    const c = s.caps[name]!;
    const peak = c.value < 0 ? '-' : fmt(c.value);
    const hit = c.capHits > 0 ? `  CAP HIT ${fmt(c.capHits)}x` : '  ok';
    lines.push(`    ${name.padEnd(capWidth)}  ${peak} / ${fmt(c.cap)}${hit}`);
  }
  lines.push(`  elapsed        ${(s.elapsedMs / 1000).toFixed(2)} s`);
  return lines.join('\n');
}
