/**
 * Test helpers for the findings service: hand-built findings and a `ws`
 * client that records every message it receives.
 */
import WebSocket from 'ws';
import { Packr } from 'msgpackr';
import type { Finding, FindingType, Severity } from '../../src/findings/finding.js';
import './ensure-built.js';

export const TOKEN = 'test-token-0123456789abcdef';
export const TOKEN_B = 'second-token-abcdef0123456789';
export const EXPIRED = 'expired-token-0123456789abcdef';

/** A complete, hand-written finding; `pad` adds that many characters of evidence note. */
export function makeFinding(seq: number, over: Partial<Finding> = {}, pad = 0): Finding {
  return {
    schemaVersion: 1,
    id: `F-${seq}`,
    seq,
    revision: 1,
    type: 'brute_force' as FindingType,
    severity: 'high' as Severity,
    confidence: 0.9,
    owaspApi: 'API2:2023',
    title: `Brute force on /login (#${seq})`,
    description: 'Many failed logins from one client.',
    endpoint: { host: 'api.example.com', method: 'POST', pathTemplate: '/login' },
    principal: { kind: 'ip', id: '198.51.100.7', clientIp: '198.51.100.7' },
    window: { start: 1700000000, end: 1700000060 },
    counts: { attempts: 40, failures: 39 },
    evidence: {
      transactions: [{ uid: 'C12', transDepth: 3, ts: 1700000030.25, method: 'POST', uri: '/login', status: 401 }],
      notes: pad > 0 ? ['x'.repeat(pad)] : [],
    },
    captureHealth: { gaps: 0, gapBytes: 0, drops: 0, midstreamFlows: 0, complete: true },
    ...over,
  };
}

const unpackr = new Packr({ useRecords: false });

export interface RecordingClient {
  ws: WebSocket;
  messages: Record<string, unknown>[];
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves when `pred` holds for the messages received so far (checked on each message). */
  until(pred: (msgs: Record<string, unknown>[]) => boolean): Promise<void>;
}

/** Open a client; resolves once open (rejects with `{status, body}` when the upgrade is refused). */
/**
 * `light`: keep only `{channel, seq}` of finding messages, read from the JSON
 * text prefix `{"channel":"findings","seq":N,` (load tests: 1M messages).
 */
export function connect(url: string, opts: { token?: string; protocols?: string[]; headers?: Record<string, string>; origin?: string; light?: boolean } = {}): Promise<RecordingClient> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers.Authorization = `Bearer ${opts.token}`;
  const wsOpts: WebSocket.ClientOptions = { headers };
  if (opts.origin !== undefined) wsOpts.origin = opts.origin;
  const ws = new WebSocket(url, opts.protocols ?? [], wsOpts);
  const messages: Record<string, unknown>[] = [];
  const waiters: { pred: (m: Record<string, unknown>[]) => boolean; resolve: () => void }[] = [];
  const check = (): void => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.pred(messages)) {
        waiters[i]!.resolve();
        waiters.splice(i, 1);
      }
    }
  };
  const prefix = /^\{"channel":"findings","seq":(\d+),/;
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const m = opts.light && !isBinary ? prefix.exec(data.toString('latin1', 0, 48)) : null;
    if (m) messages.push({ channel: 'findings', seq: Number(m[1]) });
    else messages.push((isBinary ? unpackr.unpack(data) : JSON.parse(data.toString('utf8'))) as Record<string, unknown>);
    check();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() }));
  });
  const client: RecordingClient = {
    ws, messages, closed,
    until(pred) {
      return new Promise((resolve) => {
        waiters.push({ pred, resolve });
        check();
      });
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        ws.terminate();
        reject({ status: res.statusCode, body: JSON.parse(body || '{}'), headers: res.headers });
      });
    });
    ws.once('error', (err) => reject(err));
  });
}

/** Seqs of the finding messages received. */
export function findingSeqs(msgs: Record<string, unknown>[]): number[] {
  return msgs.filter((m) => m.channel === 'findings').map((m) => m.seq as number);
}

export function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

export const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
