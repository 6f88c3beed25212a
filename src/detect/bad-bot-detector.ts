/**
 * Bad bots (issue 4 §2, OWASP API6:2023): per principal, over its requests
 *  - the user agent: a known attack / scanning / load tool (sqlmap, hydra,
 *    gobuster, nikto, wrk…) → high; a generic automation client (curl,
 *    python-requests, Go-http-client…) or none at all → automation;
 *  - headers a browser always sends (Accept, Accept-Language) never sent, and
 *    never a Cookie;
 *  - machine-regular timing: the coefficient of variation of the last
 *    `timingSamples` inter-request gaps below `maxTimingCv`, mean gap under 5 s.
 * Automation alone is `low` (scripts are normal API clients); automation with
 * regular timing or `volumeRequests` in the window is `medium`. Reported from
 * `minRequests` requests on. State: LruMap of tenant-qualified principals (cap `maxPrincipals`).
 */
import type { EvidenceTransaction, FindingPrincipal, Severity } from '../findings/finding.js';
import type { DetectionInput } from './detection-input.js';
import { addEvidence, findingPrincipal, principalKey, round2, type DetectionContext, type Detector, type DetectorStats } from './detector.js';
import { LruMap } from './lru-map.js';
import { SlidingCounter } from './sliding-window.js';

export interface BadBotOptions {
  /** Default 10. */
  minRequests?: number;
  /** Seconds. Default 60. */
  windowSec?: number;
  /** Default 300. */
  volumeRequests?: number;
  /** Default 30. */
  timingSamples?: number;
  /** Default 0.1. */
  maxTimingCv?: number;
  /** Default 50,000. */
  maxPrincipals?: number;
}

const ATTACK_TOOL_RE = /\b(sqlmap|hydra|nikto|gobuster|ffuf|wfuzz|dirbuster|dirb|feroxbuster|masscan|nmap|zgrab|nuclei|wpscan|acunetix|netsparker|burp(?:suite)?|owasp[ _-]?zap|zaproxy|havij|w3af|arachni|skipfish|commix|xsstrike|medusa|patator|wrk|ApacheBench|jmeter|locust|vegeta|hey\/|siege)\b/i;
const AUTOMATION_RE = /^(?:curl|wget|python-requests|python-urllib|python-httpx|aiohttp|go-http-client|okhttp|java\/|apache-httpclient|libwww-perl|lwp::|httpie|axios|node-fetch|undici|got |postmanruntime|insomnia|scrapy|ruby|faraday|guzzle|php\/|rest-client|restsharp|powershell|winhttp)|headlesschrome|phantomjs|selenium|puppeteer|playwright/i;

type UaClass = 'attack_tool' | 'automation' | 'none' | 'browser';

export function classifyUserAgent(ua: string | null): { cls: UaClass; tool: string | null } {
  if (ua === null || ua.trim() === '') return { cls: 'none', tool: null };
  const m = ATTACK_TOOL_RE.exec(ua);
  if (m) return { cls: 'attack_tool', tool: m[1]!.toLowerCase() };
  if (AUTOMATION_RE.test(ua)) return { cls: 'automation', tool: ua.split('/')[0]!.trim().slice(0, 32) };
  return { cls: 'browser', tool: null };
}

interface State {
  principal: FindingPrincipal;
  requests: number;
  window: SlidingCounter;
  uaClass: UaClass;
  tool: string | null;
  sawAccept: boolean;
  sawAcceptLanguage: boolean;
  sawCookie: boolean;
  lastTs: number;
  gaps: Float64Array;
  gapCount: number;
  first: number;
  evidence: EvidenceTransaction[];
}

const UA_RANK: Readonly<Record<UaClass, number>> = { browser: 0, automation: 1, none: 1, attack_tool: 2 };

export class BadBotDetector implements Detector {
  readonly name = 'bad-bot';
  readonly #o: Required<BadBotOptions>;
  readonly #principals: LruMap<string, State>;

  constructor(options: BadBotOptions = {}) {
    this.#o = { minRequests: 10, windowSec: 60, volumeRequests: 300, timingSamples: 30, maxTimingCv: 0.1, maxPrincipals: 50_000, ...options };
    this.#principals = new LruMap(this.#o.maxPrincipals);
  }

  /** Coefficient of variation of the remembered gaps, or null with too few. */
  #timingCv(s: State): { cv: number; mean: number } | null {
    const n = Math.min(s.gapCount, s.gaps.length);
    if (n < this.#o.timingSamples) return null;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += s.gaps[i]!;
    const mean = sum / n;
    if (mean <= 0) return { cv: 0, mean: 0 };
    let sq = 0;
    for (let i = 0; i < n; i++) sq += (s.gaps[i]! - mean) ** 2;
    return { cv: Math.sqrt(sq / n) / mean, mean };
  }

  observe(input: DetectionInput, ctx: DetectionContext): void {
    const o = this.#o;
    const key = principalKey(input);
    const ua = classifyUserAgent(input.userAgent);
    const s = this.#principals.getOrCreate(key, () => ({
      principal: findingPrincipal(input), requests: 0, window: new SlidingCounter(o.windowSec), uaClass: ua.cls, tool: ua.tool,
      sawAccept: false, sawAcceptLanguage: false, sawCookie: false, lastTs: input.ts, gaps: new Float64Array(o.timingSamples), gapCount: 0,
      first: input.ts, evidence: [],
    }));
    if (UA_RANK[ua.cls] > UA_RANK[s.uaClass] || (ua.cls !== 'browser' && s.uaClass === 'browser')) {
      s.uaClass = ua.cls;
      s.tool = ua.tool;
    }
    if (s.requests > 0) {
      s.gaps[s.gapCount % s.gaps.length] = Math.max(0, input.ts - s.lastTs);
      s.gapCount++;
    }
    s.requests++;
    s.lastTs = input.ts;
    const inWindow = s.window.add(input.ts);
    for (const h of input.headerNames) {
      if (h === 'accept') s.sawAccept = true;
      else if (h === 'accept-language') s.sawAcceptLanguage = true;
      else if (h === 'cookie') s.sawCookie = true;
    }
    if (s.evidence.length < 3) addEvidence(s.evidence, input);
    if (s.requests < o.minRequests || s.uaClass === 'browser') return;
    const timing = this.#timingCv(s);
    const regular = timing !== null && timing.cv < o.maxTimingCv && timing.mean < 5;
    const noBrowserHeaders = !s.sawAcceptLanguage && !s.sawCookie;
    let severity: Severity = 'low';
    if (s.uaClass === 'attack_tool') severity = 'high';
    else if (regular || inWindow >= o.volumeRequests) severity = 'medium';
    const signals: string[] = [];
    signals.push(s.uaClass === 'attack_tool' ? `attack tool user agent (${s.tool})` : s.uaClass === 'none' ? 'no user agent' : `automation user agent (${s.tool})`);
    if (noBrowserHeaders) signals.push(`no browser headers (Accept${s.sawAccept ? ' sent' : ' missing'}, no Accept-Language, no Cookie)`);
    if (regular) signals.push(`machine-regular timing (cv ${round2(timing!.cv)}, mean gap ${round2(timing!.mean * 1000)} ms)`);
    if (inWindow >= o.volumeRequests) signals.push(`${inWindow} requests in ${o.windowSec} s`);
    ctx.report({
      type: 'bad_bot',
      key,
      severity,
      confidence: s.uaClass === 'attack_tool' ? 0.95 : regular ? 0.7 : 0.5,
      title: s.uaClass === 'attack_tool' ? `Attack tool traffic (${s.tool})` : 'Automated client',
      description: `${input.principal.kind === 'ip' ? input.principal.clientIp : `${input.principal.kind} ${input.principal.id}`}: ${signals.join('; ')}.`,
      endpoint: null,
      principal: s.principal,
      window: { start: s.first, end: input.ts },
      counts: { requests: s.requests, requestsInWindow: inWindow },
      primary: 'requests',
      evidence: s.evidence,
      notes: signals,
    });
  }

  flush(nowSec: number): void {
    this.#principals.pruneOldest((s) => s.lastTs < nowSec - 3600);
  }

  stats(): DetectorStats {
    return { name: this.name, stateSize: this.#principals.size, stateCap: this.#o.maxPrincipals, capHits: this.#principals.evictions };
  }
}
