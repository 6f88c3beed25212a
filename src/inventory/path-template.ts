/**
 * PathTemplater: learns endpoint path templates from observed paths
 * (issue 3 §1). Endpoint identity is tenant + host + method + template.
 *
 * State is one trie per (tenant, host, method). Each node is one position
 * below a parent; its children are literal segments, one parameter child, and
 * one parameter child per file extension (`/files/{fileName}.pdf`).
 *
 *  - A typed segment (segment-kind.ts: integer, uuid, objectid, date, email,
 *    hex, token, alnum_id) goes to the parameter child: reason `type`.
 *  - A plain word stays literal until `cardinalityThreshold` distinct words have
 *    been seen at that position (same parent, same method, same extension),
 *    and they are at least `minDistinctRatio` of the word observations there;
 *    then the position is promoted: its words, and their subtrees, merge into
 *    the parameter child (reason `cardinality`, with the distinct count).
 *    Never promoted: the first segment, a segment right under `api` or a
 *    version segment (resource names: `/api/v1/users`), version segments
 *    (`v1`) and `api` themselves, and the static words (`me`, `self`,
 *    `search`, … and `staticWords`), which stay literal siblings of the
 *    parameter (`/users/me` beside `/users/{userId}`).
 *  - Names come from the parent segment (param-name.ts), deduplicated.
 *
 * Determinism: the template of a path depends only on the learned state, and
 * the state only on the multiset of observed paths up to each promotion, so a
 * replay of the same capture gives the same templates. `generation` increases
 * on every promotion: callers holding old templates re-template them with
 * `templateFor` (a `{name}` segment matches the parameter child) and merge.
 *
 * Caps (each with an event in `events`): `maxNodes` trie nodes
 * (`inventory.template_nodes_cap`: the path is templated by type only, not
 * learned), `maxDistinct` remembered value hashes per position
 * (`inventory.template_distinct_cap`, once per position), `maxSegments` per path
 * (`inventory.path_too_deep`: the rest is dropped). Values are remembered as
 * 32-bit FNV-1a hashes only, never raw.
 */
import { EventCounter } from '../stats/event-counter.js';
import { paramName } from './param-name.js';
import {
  TemplateNode, fnv1a32, mergeParamData, nodeToState, stateToNode, type NodeState, type ParamData, type PathTemplaterState,
} from './template-node.js';
import { KIND_CONFIDENCE, TYPED_KINDS, classifySegment, decodeSegment, type SegmentKind } from './segment-kind.js';

export interface PathTemplaterOptions {
  /** Distinct plain words at one position that make it a parameter. Default 10. */
  cardinalityThreshold?: number;
  /**
   * Distinct words / observations of words at the position needed as well:
   * resource names are called again and again, values rarely repeat. Default 0.25.
   */
  minDistinctRatio?: number;
  /** Trie nodes over all hosts and methods. Default 50,000. */
  maxNodes?: number;
  /** Distinct value hashes remembered per position. Default 1,000. */
  maxDistinct?: number;
  /** Segments per path considered. Default 32. */
  maxSegments?: number;
  /** Extra words that always stay literal (lower-case). */
  staticWords?: readonly string[];
  /** Counter for cap events; a private one when omitted. */
  events?: EventCounter;
}

export type ParamReason = 'type' | 'cardinality';

/** Why and how a template segment became a parameter. */
export interface TemplateParam {
  name: string;
  /** 0-based segment index in the template. */
  position: number;
  reason: ParamReason;
  /** Observed kinds with counts (`word` counts values merged by cardinality). */
  kinds: Partial<Record<SegmentKind, number>>;
  /** Distinct values seen (a lower bound when `distinctCapped`). */
  distinctValues: number;
  distinctCapped: boolean;
  /** 0..1: dominant kind's confidence (type) or distinct/(distinct + threshold/2) (cardinality). */
  confidence: number;
  /** File extension kept after the parameter (`.pdf`), when a file name. */
  suffix?: string;
}

export interface PathTemplate {
  /** `/users/{userId}/orders/{orderId}`; `*` for an asterisk-form target. */
  template: string;
  params: TemplateParam[];
}

/** Words that stay literal even at a promoted position. */
export const DEFAULT_STATIC_WORDS: readonly string[] = [
  'me', 'self', 'current', 'mine', 'my', 'new', 'all', 'search', 'count', 'latest', 'recent', 'default',
  'bulk', 'batch', 'export', 'import', 'stats', 'summary', 'settings', 'profile', 'config', 'status',
  'health', 'login', 'logout', 'register', 'auth', 'token', 'refresh', 'create', 'list', 'edit', 'update',
  'delete', 'api', 'rest', 'graphql', 'public', 'private', 'admin', 'internal',
];

const EXT_RE = /^(.+)\.([A-Za-z][A-Za-z0-9]{0,7})$/;
const PLACEHOLDER_RE = /^\{[^{}/]*\}(\.[A-Za-z][A-Za-z0-9]{0,7})?$/;

/** Path part of a request target: origin-form as is, absolute-form without scheme and authority, no query/fragment. */
export function pathOfTarget(uri: string): string {
  let p = uri;
  if (!p.startsWith('/')) {
    const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(p);
    if (m) p = p.slice(m[0].length) || '/';
  }
  const q = p.search(/[?#]/);
  return q >= 0 ? p.slice(0, q) : p;
}

export { fnv1a32, type NodeState, type PathTemplaterState };

export class PathTemplater {
  readonly #threshold: number;
  readonly #minDistinctRatio: number;
  readonly #maxNodes: number;
  readonly #maxDistinct: number;
  readonly #maxSegments: number;
  readonly #static: ReadonlySet<string>;
  readonly #events: EventCounter;
  #roots = new Map<string, TemplateNode>();
  #nodes = 0;
  #generation = 0;

  constructor(options: PathTemplaterOptions = {}) {
    this.#threshold = Math.max(2, options.cardinalityThreshold ?? 10);
    this.#minDistinctRatio = options.minDistinctRatio ?? 0.25;
    this.#maxNodes = options.maxNodes ?? 50_000;
    this.#maxDistinct = options.maxDistinct ?? 1_000;
    this.#maxSegments = options.maxSegments ?? 32;
    this.#static = new Set([...DEFAULT_STATIC_WORDS, ...(options.staticWords ?? []).map((w) => w.toLowerCase())]);
    this.#events = options.events ?? new EventCounter();
  }

  /** Increases on every cardinality promotion (templates learned earlier may have changed). */
  get generation(): number {
    return this.#generation;
  }

  get nodeCount(): number {
    return this.#nodes;
  }

  get events(): EventCounter {
    return this.#events;
  }

  /** Learn from one observed request target and return its template. */
  observe(tenant: string, host: string, method: string, uri: string): PathTemplate {
    return this.#walk(tenant, host, method, uri, true);
  }

  /** Template of a request target (or of a template) under the current state; learns nothing. */
  templateFor(tenant: string, host: string, method: string, uri: string): PathTemplate {
    return this.#walk(tenant, host, method, uri, false);
  }

  #newNode(): TemplateNode | null {
    if (this.#nodes >= this.#maxNodes) {
      this.#events.add('inventory.template_nodes_cap');
      return null;
    }
    this.#nodes++;
    return new TemplateNode();
  }

  #newParam(): TemplateNode | null {
    const n = this.#newNode();
    if (n) n.data = { kinds: new Map(), distinct: new Set(), distinctCapped: false, cardinality: false, promotedAt: 0 };
    return n;
  }

  #remember(set: Set<number>, value: string, capped: () => boolean, markCapped: () => void): void {
    if (set.size >= this.#maxDistinct) {
      if (!set.has(fnv1a32(value)) && !capped()) {
        markCapped();
        this.#events.add('inventory.template_distinct_cap');
      }
      return;
    }
    set.add(fnv1a32(value));
  }

  #isStaticWord(word: string, position: number): boolean {
    return position === 0 || this.#static.has(word.toLowerCase()) || classifySegment(word) === 'version';
  }

  #walk(tenant: string, host: string, method: string, uri: string, learn: boolean): PathTemplate {
    if (uri === '*') return { template: '*', params: [] };
    const rootKey = `${tenant}|${host}|${method}`;
    let node: TemplateNode | null | undefined = this.#roots.get(rootKey);
    if (!node && learn) {
      node = this.#newNode();
      if (node) this.#roots.set(rootKey, node);
    }
    let raw = pathOfTarget(uri).split('/').filter((s) => s.length > 0);
    if (raw.length > this.#maxSegments) {
      if (learn) this.#events.add('inventory.path_too_deep');
      raw = raw.slice(0, this.#maxSegments);
    }
    const out: string[] = [];
    const params: TemplateParam[] = [];
    const used = new Set<string>();
    let parentLabel: string | null = null;
    // Root, `api` and version parents hold resource names: never promoted by cardinality.
    let parentFixed = true;
    for (let i = 0; i < raw.length; i++) {
      const rawSeg = raw[i]!;
      const placeholder = PLACEHOLDER_RE.exec(rawSeg);
      const seg = decodeSegment(rawSeg);
      let kind: SegmentKind = placeholder ? 'other' : classifySegment(seg);
      let suffix = placeholder ? (placeholder[1] ?? '') : '';
      let stem = seg;
      if (!placeholder && (kind === 'word' || kind === 'other')) {
        const m = EXT_RE.exec(seg);
        if (m) {
          const stemKind = classifySegment(m[1]!);
          if (TYPED_KINDS.has(stemKind)) {
            kind = stemKind;
            suffix = '.' + m[2]!;
          } else if (stemKind === 'word' || stemKind === 'version') {
            stem = m[1]!;
            suffix = '.' + m[2]!;
          }
        }
      }
      const typed = TYPED_KINDS.has(kind);
      let next: TemplateNode | null | undefined;
      let isParam = placeholder !== null || typed;
      const countable = kind === 'word' && !parentFixed && !this.#isStaticWord(stem, i);
      if (countable && node && learn) node.wordObs.set(suffix, (node.wordObs.get(suffix) ?? 0) + 1);
      if (!isParam && node) {
        const lit = node.literals.get(seg);
        if (lit) {
          next = lit;
        } else if (countable && node.promoted.has(suffix)) {
          isParam = true;
        }
      }
      if (!isParam && next === undefined && node && learn) {
        // A new literal: count it toward cardinality, maybe promote.
        if (countable) {
          let set = node.words.get(suffix);
          if (!set) node.words.set(suffix, (set = new Set()));
          if (set.size < this.#maxDistinct) set.add(fnv1a32(stem));
          const obs = node.wordObs.get(suffix) ?? 0;
          if (set.size >= this.#threshold && set.size >= obs * this.#minDistinctRatio) {
            this.#promote(node, suffix, set.size);
            isParam = true;
          }
        }
        if (!isParam) {
          next = this.#newNode();
          if (next) node.literals.set(seg, next);
        }
      }
      if (isParam) {
        let pnode: TemplateNode | null | undefined = node ? (suffix ? node.fileParams.get(suffix) : node.param) : null;
        if (!pnode && node && learn) {
          pnode = this.#newParam();
          if (pnode) {
            if (suffix) node.fileParams.set(suffix, pnode);
            else node.param = pnode;
          }
        }
        if (pnode && learn && !placeholder) {
          const d = pnode.data!;
          const k: SegmentKind = typed ? kind : 'word';
          d.kinds.set(k, (d.kinds.get(k) ?? 0) + 1);
          if (!typed) d.cardinality = true;
          this.#remember(d.distinct, stem, () => d.distinctCapped, () => (d.distinctCapped = true));
        }
        const name = paramName(parentLabel, suffix !== '', used);
        used.add(name);
        out.push(`{${name}}${suffix}`);
        params.push(this.#explain(name, i, suffix, pnode?.data ?? null, typed ? kind : null));
        parentLabel = null;
        parentFixed = false;
        node = pnode ?? null;
      } else {
        out.push(rawSeg);
        parentFixed = kind === 'version' || seg.toLowerCase() === 'api';
        parentLabel = parentFixed ? null : seg;
        node = next ?? null;
      }
    }
    return { template: '/' + out.join('/'), params };
  }

  #explain(name: string, position: number, suffix: string, d: ParamData | null, kind: SegmentKind | null): TemplateParam {
    const kinds: Partial<Record<SegmentKind, number>> = {};
    let reason: ParamReason = 'type';
    let distinct = 0;
    let capped = false;
    let best: SegmentKind | null = kind;
    if (d) {
      let bestCount = -1;
      for (const k of [...d.kinds.keys()].sort()) {
        const c = d.kinds.get(k)!;
        kinds[k] = c;
        if (k !== 'word' && c > bestCount) {
          best = k;
          bestCount = c;
        }
      }
      distinct = d.distinct.size;
      capped = d.distinctCapped;
      if (d.cardinality) reason = 'cardinality';
    } else if (kind) {
      kinds[kind] = 1;
      distinct = 1;
    }
    let confidence: number;
    if (reason === 'cardinality') {
      const n = Math.max(distinct, d?.promotedAt ?? 0);
      confidence = Math.round((n / (n + this.#threshold / 2)) * 100) / 100;
    } else {
      confidence = best ? KIND_CONFIDENCE[best] : 0.5;
    }
    const p: TemplateParam = { name, position, reason, kinds, distinctValues: distinct, distinctCapped: capped, confidence };
    if (suffix) p.suffix = suffix;
    return p;
  }

  /** Promote slot `suffix` of `node` (cardinality reached): merge its plain-word literals into the parameter child. */
  #promote(node: TemplateNode, suffix: string, distinct: number): void {
    let pnode = suffix ? node.fileParams.get(suffix) : node.param;
    if (!pnode) {
      pnode = this.#newParam() ?? undefined;
      if (!pnode) return;
      if (suffix) node.fileParams.set(suffix, pnode);
      else node.param = pnode;
    }
    const d = pnode.data!;
    d.cardinality = true;
    d.promotedAt = Math.max(d.promotedAt, distinct);
    node.promoted.add(suffix);
    this.#absorb(node, suffix, pnode);
    this.#generation++;
  }

  /** Move the non-static plain-word literals of slot `suffix` of `node` into `pnode`. */
  #absorb(node: TemplateNode, suffix: string, pnode: TemplateNode): void {
    const d = pnode.data!;
    for (const [lit, child] of [...node.literals]) {
      const m = EXT_RE.exec(lit);
      const stemKind = m ? classifySegment(m[1]!) : 'other';
      const hasExt = m !== null && (stemKind === 'word' || stemKind === 'version');
      if ((hasExt ? '.' + m![2] : '') !== suffix) continue;
      const stem = hasExt ? m![1]! : lit;
      if (classifySegment(stem) !== 'word' || this.#isStaticWord(stem, 1)) continue;
      node.literals.delete(lit);
      d.kinds.set('word', (d.kinds.get('word') ?? 0) + 1);
      this.#remember(d.distinct, stem, () => d.distinctCapped, () => (d.distinctCapped = true));
      this.#mergeInto(pnode, child);
    }
  }

  /** After a state merge: re-apply promotions to literals that arrived from the other state. */
  #normalize(node: TemplateNode): void {
    for (const slot of node.promoted) {
      const pnode = slot ? node.fileParams.get(slot) : node.param;
      if (pnode) this.#absorb(node, slot, pnode);
    }
    for (const child of node.literals.values()) this.#normalize(child);
    if (node.param) this.#normalize(node.param);
    for (const child of node.fileParams.values()) this.#normalize(child);
  }

  /** Fold the subtree `src` into `dst` (node counts are released for merged-away nodes). */
  #mergeInto(dst: TemplateNode, src: TemplateNode): void {
    this.#nodes--;
    for (const [lit, child] of src.literals) {
      const have = dst.literals.get(lit);
      if (have) this.#mergeInto(have, child);
      else dst.literals.set(lit, child);
    }
    const mergeParam = (have: TemplateNode | null | undefined, child: TemplateNode): TemplateNode => {
      if (!have) return child;
      mergeParamData(have.data!, child.data!, this.#maxDistinct);
      this.#mergeInto(have, child);
      return have;
    };
    if (src.param) dst.param = mergeParam(dst.param, src.param);
    for (const [ext, child] of src.fileParams) dst.fileParams.set(ext, mergeParam(dst.fileParams.get(ext), child));
    for (const [slot, set] of src.words) {
      const have = dst.words.get(slot);
      if (!have) dst.words.set(slot, set);
      else for (const h of set) if (have.size < this.#maxDistinct) have.add(h);
    }
    for (const [slot, n] of src.wordObs) dst.wordObs.set(slot, (dst.wordObs.get(slot) ?? 0) + n);
    for (const slot of src.promoted) dst.promoted.add(slot);
  }

  /** Plain-JSON state (hashes, literal words, counts); stable key order. */
  toJSON(): PathTemplaterState {
    const roots: Record<string, NodeState> = {};
    for (const key of [...this.#roots.keys()].sort()) roots[key] = nodeToState(this.#roots.get(key)!);
    return { version: 1, roots };
  }

  /** Fold in a state saved by `toJSON` (an earlier run): counts and hashes add, promotions carry over. */
  load(state: PathTemplaterState): void {
    if (state.version !== 1) return;
    for (const key of Object.keys(state.roots)) {
      const incoming = stateToNode(state.roots[key]!, () => this.#nodes++);
      const have = this.#roots.get(key);
      if (have) this.#mergeInto(have, incoming);
      else this.#roots.set(key, incoming);
      this.#normalize(this.#roots.get(key)!);
    }
    this.#generation++;
  }


}
