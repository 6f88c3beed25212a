/**
 * Trie node of the PathTemplater and its saved (JSON) form. Internal to
 * path-template.ts; values are kept only as 32-bit FNV-1a hashes.
 */
import type { SegmentKind } from './segment-kind.js';

export interface ParamData {
  kinds: Map<SegmentKind, number>;
  distinct: Set<number>;
  distinctCapped: boolean;
  cardinality: boolean;
  /** Distinct plain words at promotion time (explanation). */
  promotedAt: number;
}

export class TemplateNode {
  literals = new Map<string, TemplateNode>();
  param: TemplateNode | null = null;
  fileParams = new Map<string, TemplateNode>();
  /** Distinct word hashes per slot ('' or '.ext'), for cardinality. */
  words = new Map<string, Set<number>>();
  /** Word observations per slot (repeats included), for the distinct ratio. */
  wordObs = new Map<string, number>();
  promoted = new Set<string>();
  /** Set on parameter nodes. */
  data: ParamData | null = null;
}

/** FNV-1a 32-bit hash of a string's UTF-16 code units. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function mergeParamData(dst: ParamData, src: ParamData, maxDistinct: number): void {
  for (const [k, c] of src.kinds) dst.kinds.set(k, (dst.kinds.get(k) ?? 0) + c);
  for (const h of src.distinct) {
    if (dst.distinct.size >= maxDistinct) {
      dst.distinctCapped = true;
      break;
    }
    dst.distinct.add(h);
  }
  dst.distinctCapped ||= src.distinctCapped;
  dst.cardinality ||= src.cardinality;
  dst.promotedAt = Math.max(dst.promotedAt, src.promotedAt);
}

/** Saved trie node: literals, parameter child, file parameters, word hashes, promoted slots, parameter data. */
export interface NodeState {
  l?: Record<string, NodeState>;
  p?: NodeState;
  f?: Record<string, NodeState>;
  w?: Record<string, number[]>;
  wo?: Record<string, number>;
  pr?: string[];
  d?: { k: Record<string, number>; h: number[]; dc: boolean; c: boolean; pa: number };
}

export interface PathTemplaterState {
  version: 1;
  roots: Record<string, NodeState>;
}

export function nodeToState(n: TemplateNode): NodeState {
  const s: NodeState = {};
  if (n.literals.size > 0) {
    s.l = {};
    for (const k of [...n.literals.keys()].sort()) s.l[k] = nodeToState(n.literals.get(k)!);
  }
  if (n.param) s.p = nodeToState(n.param);
  if (n.fileParams.size > 0) {
    s.f = {};
    for (const k of [...n.fileParams.keys()].sort()) s.f[k] = nodeToState(n.fileParams.get(k)!);
  }
  if (n.words.size > 0) {
    s.w = {};
    for (const k of [...n.words.keys()].sort()) s.w[k] = [...n.words.get(k)!].sort((a, b) => a - b);
  }
  if (n.wordObs.size > 0) {
    s.wo = {};
    for (const k of [...n.wordObs.keys()].sort()) s.wo[k] = n.wordObs.get(k)!;
  }
  if (n.promoted.size > 0) s.pr = [...n.promoted].sort();
  if (n.data) {
    const k: Record<string, number> = {};
    for (const key of [...n.data.kinds.keys()].sort()) k[key] = n.data.kinds.get(key)!;
    s.d = { k, h: [...n.data.distinct].sort((a, b) => a - b), dc: n.data.distinctCapped, c: n.data.cardinality, pa: n.data.promotedAt };
  }
  return s;
}

/** Rebuild a subtree from saved state; `onNode` is called once per node made. */
export function stateToNode(s: NodeState, onNode: () => void): TemplateNode {
  onNode();
  const n = new TemplateNode();
  for (const k of Object.keys(s.l ?? {})) n.literals.set(k, stateToNode(s.l![k]!, onNode));
  if (s.p) n.param = stateToNode(s.p, onNode);
  for (const k of Object.keys(s.f ?? {})) n.fileParams.set(k, stateToNode(s.f![k]!, onNode));
  for (const k of Object.keys(s.w ?? {})) n.words.set(k, new Set(s.w![k]!));
  for (const k of Object.keys(s.wo ?? {})) n.wordObs.set(k, s.wo![k]!);
  for (const k of s.pr ?? []) n.promoted.add(k);
  if (s.d) {
    n.data = {
      kinds: new Map(Object.entries(s.d.k) as [SegmentKind, number][]),
      distinct: new Set(s.d.h),
      distinctCapped: s.d.dc,
      cardinality: s.d.c,
      promotedAt: s.d.pa,
    };
  }
  return n;
}
