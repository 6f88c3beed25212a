/**
 * DetectionEngine: runs every detector over the transactions of a run, on the
 * main thread, and turns their reports into findings (issue 4 §2-3).
 *
 *   DetectionInput ──► templating (inventory PathTemplater) ──► detectors ──report──► episodes ──► Finding (onFinding)
 *
 * Episodes: a report's (type, key) names an episode. The first report opens
 * it (id = first 16 hex digits of SHA-256 over type, key and window start:
 * stable across runs), later reports grow it. A finding is emitted when the
 * episode opens, when its severity rises, when its primary count reaches
 * twice the last emitted value, and once more at `finish()` if it changed
 * since; each emission has the next `seq` and `revision` + 1. An episode with
 * no report for `episodeGapSec` is closed; the next report opens a new one.
 * Severity never decreases within an episode.
 *
 * Tenants (issue 6 §4): the transaction's tenant tag qualifies the episode
 * key (`type@tenant|key`; plain traffic keeps `type|key`, hence its ids) and
 * becomes `Finding.tenant` (absent for plain traffic), so one attack mirrored
 * from two tenants with the same private addresses gives two findings even
 * if a detector's own key forgot the tenant. Detectors qualify their own
 * state keys (detector.ts `principalKey`, `endpointKey`, `tenantKey`).
 *
 * Capture health: the health of the finding's window (capture-health-timeline.ts)
 * is attached; when incomplete, confidence is multiplied by 0.6.
 *
 * Deterministic: packet time only, Map insertion order only, no randomness.
 * Caps: `maxEpisodes` open episodes (LRU; `capHits` in stats).
 */
import { createHash } from 'node:crypto';
import { FINDING_SCHEMA_VERSION, SEVERITY_RANK, type Finding } from '../findings/finding.js';
import { PathTemplater } from '../inventory/path-template.js';
import { pathOfTarget } from '../inventory/path-template.js';
import { CaptureHealthTimeline } from './capture-health-timeline.js';
import type { DetectionInput } from './detection-input.js';
import type { DetectionContext, Detector, DetectorStats, FindingDraft } from './detector.js';
import { LruMap } from './lru-map.js';
import { OWASP_BY_TYPE } from './owasp.js';
import { round2 } from './detector.js';

export interface DetectionEngineOptions {
  detectors: readonly Detector[];
  /** Templater for endpoints; share the inventory's to get the same templates. Default: a private one. */
  templater?: PathTemplater;
  /**
   * Called for every emission (in emission order) with a copy the callee may
   * keep. May return the seq the finding was published under (e.g.
   * `FindingBus.publish(f).seq`, where inventory events share the numbering):
   * the engine's copy then takes it, so `findings()` agrees with the stream
   * and the findings file.
   */
  onFinding?: (finding: Finding) => number | void;
  /** Quiet time that closes an episode, seconds. Default 300. */
  episodeGapSec?: number;
  /** Open episodes remembered. Default 10,000. */
  maxEpisodes?: number;
  /** Packet-time period of detector flushes, seconds. Default 10. */
  flushIntervalSec?: number;
}

interface Episode {
  finding: Finding;
  /** Tenant tag of the transactions that opened the episode ('' for plain traffic). */
  tenant: string;
  /** The detector's confidence before the capture-health discount. */
  baseConfidence: number;
  lastReportTs: number;
  emittedPrimary: number;
  primary: string;
  dirty: boolean;
}

export interface DetectionEngineStats {
  transactions: number;
  findingsEmitted: number;
  episodes: { value: number; cap: number; capHits: number };
  detectors: DetectorStats[];
}

export class DetectionEngine {
  readonly #detectors: readonly Detector[];
  readonly #templater: PathTemplater;
  readonly #onFinding: ((f: Finding) => number | void) | undefined;
  readonly #gap: number;
  readonly #flushEvery: number;
  readonly #episodes: LruMap<string, Episode>;
  readonly #health = new CaptureHealthTimeline();
  /** Latest revision of every finding emitted, by id (insertion = first emission order). */
  readonly #latest = new Map<string, Finding>();
  #seq = 0;
  #transactions = 0;
  #now = 0;
  #lastFlush = -Infinity;
  #current: DetectionInput | null = null;
  readonly #ctx: { endpoint: DetectionContext['endpoint']; pathParams: [string, string][]; report: (d: FindingDraft) => void };

  constructor(options: DetectionEngineOptions) {
    this.#detectors = options.detectors;
    this.#templater = options.templater ?? new PathTemplater();
    this.#onFinding = options.onFinding;
    this.#gap = options.episodeGapSec ?? 300;
    this.#flushEvery = options.flushIntervalSec ?? 10;
    this.#episodes = new LruMap(options.maxEpisodes ?? 10_000);
    this.#ctx = { endpoint: { host: '', method: '', pathTemplate: '' }, pathParams: [], report: (d) => this.#report(d) };
  }

  /** Capture health counted outside the transactions (drops, gap bytes) at packet time `tsSec`. */
  noteCaptureHealth(tsSec: number, counts: { gaps?: number; gapBytes?: number; drops?: number; midstreamFlows?: number }): void {
    this.#health.note(tsSec, counts);
  }

  /** Runs the detectors on one transaction. */
  observe(input: DetectionInput): void {
    this.#transactions++;
    if (input.ts > this.#now) this.#now = input.ts;
    const gap = input.flags.includes('gap');
    const mid = input.transDepth === 0 && input.flags.includes('midstream');
    if (gap || mid) this.#health.note(input.ts, { gaps: gap ? 1 : 0, midstreamFlows: mid ? 1 : 0 });
    if (this.#now - this.#lastFlush >= this.#flushEvery) {
      for (const d of this.#detectors) d.flush(this.#now);
      this.#closeIdle();
      this.#lastFlush = this.#now;
    }
    if (input.method === null || input.uri === null) return;
    const t = this.#templater.observe(input.tenant, input.host, input.method, input.uri);
    const ctx = this.#ctx;
    ctx.endpoint = { host: input.host, method: input.method, pathTemplate: t.template };
    ctx.pathParams = [];
    if (t.params.length > 0) {
      const segs = pathOfTarget(input.uri).split('/').filter((s) => s.length > 0);
      for (const p of t.params) {
        const raw = segs[p.position];
        if (raw === undefined) continue;
        let v = raw;
        if (p.suffix && v.endsWith(p.suffix)) v = v.slice(0, -p.suffix.length);
        try { v = decodeURIComponent(v); } catch { /* keep raw */ }
        ctx.pathParams.push([p.name, v]);
      }
    }
    this.#current = input;
    for (const d of this.#detectors) d.observe(input, ctx);
    this.#current = null;
  }

  /** End of input: flushes detectors and emits every episode changed since its last emission. */
  finish(): Finding[] {
    for (const d of this.#detectors) d.flush(this.#now);
    for (const ep of this.#episodes.values()) {
      this.#refreshHealth(ep);
      if (ep.dirty) this.#emit(ep);
    }
    return this.findings();
  }

  /** Latest revision of every finding, in first-emission order. */
  findings(): Finding[] {
    return [...this.#latest.values()];
  }

  stats(): DetectionEngineStats {
    return {
      transactions: this.#transactions,
      findingsEmitted: this.#seq,
      episodes: { value: this.#episodes.size, cap: this.#episodes.cap, capHits: this.#episodes.evictions },
      detectors: this.#detectors.map((d) => d.stats()),
    };
  }

  #closeIdle(): void {
    const limit = this.#now - this.#gap;
    this.#episodes.deleteWhere((ep) => {
      if (ep.lastReportTs >= limit) return false;
      this.#refreshHealth(ep);
      if (ep.dirty) this.#emit(ep);
      return true;
    });
  }

  #report(d: FindingDraft): void {
    const tenant = this.#current?.tenant ?? '';
    // `@` never occurs in a finding type, so qualified and plain keys cannot meet.
    const key = tenant === '' ? `${d.type}|${d.key}` : `${d.type}@${tenant}|${d.key}`;
    const now = this.#current?.ts ?? this.#now;
    let ep = this.#episodes.get(key);
    if (ep && now - ep.lastReportTs > this.#gap) {
      if (ep.dirty) this.#emit(ep);
      this.#episodes.delete(key);
      ep = undefined;
    }
    const primaryValue = d.counts[d.primary] ?? 0;
    if (!ep) {
      const id = createHash('sha256').update(`${key}|${d.window.start}`).digest('hex').slice(0, 16);
      ep = { finding: this.#build(id, 0, d, tenant), tenant, baseConfidence: d.confidence, lastReportTs: now, emittedPrimary: 0, primary: d.primary, dirty: true };
      this.#episodes.set(key, ep);
      this.#emit(ep);
      return;
    }
    const prev = ep.finding;
    const severity = SEVERITY_RANK[d.severity] > SEVERITY_RANK[prev.severity] ? d.severity : prev.severity;
    const rose = severity !== prev.severity;
    ep.finding = this.#build(prev.id, prev.revision, { ...d, severity, window: { start: Math.min(prev.window.start, d.window.start), end: Math.max(prev.window.end, d.window.end) } }, ep.tenant);
    ep.baseConfidence = d.confidence;
    ep.lastReportTs = now;
    ep.dirty = true;
    if (rose || primaryValue >= 2 * Math.max(1, ep.emittedPrimary)) this.#emit(ep);
  }

  /**
   * Capture health noted after the episode's last report (live drops are
   * counted on a wall-clock tick, up to one tick after the packets they
   * concern) still reaches its last revision: the window's health is read
   * again before the episode is emitted for the last time.
   */
  #refreshHealth(ep: Episode): void {
    const f = ep.finding;
    const h = this.#health.health(f.window.start, f.window.end);
    const o = f.captureHealth;
    if (o && h.gaps === o.gaps && h.gapBytes === o.gapBytes && h.drops === o.drops && h.midstreamFlows === o.midstreamFlows) return;
    f.captureHealth = h;
    f.confidence = round2(h.complete ? ep.baseConfidence : ep.baseConfidence * 0.6);
    ep.dirty = true;
  }

  /** Finding of a draft; `tenant` is set only when non-empty (plain findings keep their exact JSON). */
  #build(id: string, revision: number, d: FindingDraft, tenant: string): Finding {
    const health = this.#health.health(d.window.start, d.window.end);
    const confidence = round2(health.complete ? d.confidence : d.confidence * 0.6);
    const f: Finding = {
      schemaVersion: FINDING_SCHEMA_VERSION,
      id,
      seq: 0,
      revision,
      type: d.type,
      severity: d.severity,
      confidence,
      owaspApi: d.owaspApi ?? OWASP_BY_TYPE[d.type],
      title: d.title,
      description: d.description,
      endpoint: d.endpoint,
      principal: d.principal,
      window: { start: d.window.start, end: d.window.end },
      counts: { ...d.counts },
      evidence: { transactions: d.evidence.map((e) => ({ ...e })), notes: d.notes.slice() },
      captureHealth: health,
    };
    if (tenant !== '') f.tenant = tenant;
    return f;
  }

  #emit(ep: Episode): void {
    const f = ep.finding;
    f.seq = ++this.#seq;
    f.revision++;
    ep.emittedPrimary = f.counts[ep.primary] ?? 0;
    ep.dirty = false;
    const out = structuredClone(f);
    this.#latest.set(f.id, out);
    const published = this.#onFinding?.(out);
    if (typeof published === 'number' && published > 0) out.seq = f.seq = published;
  }
}
