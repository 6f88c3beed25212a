/**
 * Live capture end to end: a real node:http server in one namespace, curl in
 * the other; `apisensor capture` on the server side. Oracle: the server's
 * access log (client address and port, method, target, status, body sizes).
 *
 * Mirroring: tc `mirred egress mirror` copies the direct link's TCP packets
 * (both directions, u32 classifier) into a vxlan device whose underlay is the
 * second veth pair; apisensor captures the underlay on the far side and must
 * report the same transactions, tagged vxlan + VNI. A second run uses a
 * gretap / erspan device where the kernel has one.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import path from 'node:path';
import {
  closeServerLab,
  openServerLab,
  type ServerLab,
  liveSkipReason,
  readJsonl,
  runClients,
  sh,
  sortEntries,
  startCapture,
  stopCapture,
  toAccessEntry,
  type AccessEntry,
  type NetnsPair,
  type Running,
} from './live-env.js';

const skip = liveSkipReason();
if (skip) console.warn(`test/live/live-capture.test.ts skipped: ${skip}`);

const VNI = 4242;
const ERSPAN_SESSION = 123;

describe.skipIf(skip !== null)('apisensor capture on a veth pair between namespaces', () => {
  let net: NetnsPair;
  let dir = '';
  let server: Running;
  let log = '';
  let n = 0;

  const out = (name: string): string => path.join(dir, `${name}-${++n}`);
  const accessSince = (count: number): AccessEntry[] => readJsonl<AccessEntry>(log).slice(count);
  const logLength = (): number => readJsonl<AccessEntry>(log).length;

  /** Mirrors both directions of the direct link's TCP into `dev`. */
  const mirrorInto = (dev: string): void => {
    sh('ip', ['netns', 'exec', net.a, 'tc', 'qdisc', 'replace', 'dev', net.a0, 'clsact']);
    for (const dir of ['ingress', 'egress']) {
      sh('ip', ['netns', 'exec', net.a, 'tc', 'filter', 'add', 'dev', net.a0, dir, 'protocol', 'ip', 'u32', 'match', 'ip', 'protocol', '6', '0xff', 'action', 'mirred', 'egress', 'mirror', 'dev', dev]);
    }
  };
  const removeMirror = (): void => {
    sh('ip', ['netns', 'exec', net.a, 'tc', 'qdisc', 'del', 'dev', net.a0, 'clsact'], { allowFail: true });
  };

  let lab: ServerLab | undefined;

  beforeAll(async () => {
    lab = await openServerLab({ name: 'live', prefix: 'aps-live', short: 'apl', serverIp: '10.79.0.1' });
    ({ net, dir, log, server } = lab);
  });

  afterAll(async () => {
    await closeServerLab(lab);
  });

  it('reports exactly the transactions of the server access log (2 workers), with capture health', async () => {
    const before = logLength();
    const tx = out('direct.jsonl');
    const pcap = out('direct.pcap');
    const cap = await startCapture(net.a, ['-i', net.a0, '-f', 'tcp port 8080', '--workers', '2', '--transactions', tx, '--write', pcap, '--json']);
    runClients(net.b);
    const code = await stopCapture(cap);
    expect(code, cap.stderr()).toBe(0);
    const access = accessSince(before);
    expect(access).toHaveLength(10);
    const records = readJsonl<Record<string, unknown>>(tx);
    expect(sortEntries(records.map(toAccessEntry))).toEqual(sortEntries(access));
    for (const r of records) {
      expect(r['serverIp']).toBe('10.79.0.1');
      expect(r['serverPort']).toBe(8080);
      expect(r['tunnel']).toBeNull();
      expect(r['flags']).toEqual([]);
    }
    const summary = JSON.parse(cap.stdout());
    expect(summary.transactions).toBe(10);
    expect(summary.capture.interface).toBe(net.a0);
    expect(summary.capture.droppedKernel).toBe(0);
    // Every packet the kernel accepted through the filter was read.
    expect(summary.capture.delivered).toBe(summary.capture.received);
    expect(summary.packets).toBe(summary.capture.delivered);
    // --write kept every packet read: tshark reads the copy (nanosecond pcap) and finds the same requests.
    const frames = sh('tshark', ['-r', pcap, '-T', 'fields', '-e', 'frame.number']).trim().split('\n');
    expect(frames).toHaveLength(summary.packets);
    const uris = sh('tshark', ['-r', pcap, '-Y', 'http.request', '-T', 'fields', '-e', 'http.request.uri']).trim().split('\n');
    expect(uris.sort()).toEqual(access.map((e) => e.uri).sort());
  });

  it('decapsulates a tc-mirrored VXLAN copy into the same transactions, tagged vxlan + VNI', async () => {
    sh('ip', ['-n', net.a, 'link', 'add', 'aplvx0', 'type', 'vxlan', 'id', String(VNI), 'local', '10.79.0.129', 'remote', '10.79.0.130', 'dstport', '4789', 'dev', net.a1]);
    sh('ip', ['-n', net.a, 'link', 'set', 'aplvx0', 'mtu', '8950', 'up']);
    mirrorInto('aplvx0');
    try {
      const before = logLength();
      const direct = out('direct.jsonl');
      const mirrored = out('vxlan.jsonl');
      const capDirect = await startCapture(net.a, ['-i', net.a0, '-f', 'tcp port 8080', '--workers', '1', '--transactions', direct, '--json']);
      const capMirror = await startCapture(net.b, ['-i', net.b1, '-f', 'udp port 4789', '--workers', '2', '--transactions', mirrored, '--json']);
      runClients(net.b);
      expect(await stopCapture(capDirect), capDirect.stderr()).toBe(0);
      expect(await stopCapture(capMirror), capMirror.stderr()).toBe(0);
      const access = accessSince(before);
      expect(access).toHaveLength(10);
      const viaTunnel = readJsonl<Record<string, unknown>>(mirrored);
      expect(sortEntries(viaTunnel.map(toAccessEntry))).toEqual(sortEntries(access));
      for (const r of viaTunnel) expect(r['tunnel']).toEqual({ kind: 'vxlan', id: VNI });
      // Field by field equal to the direct capture, but for uid, times and the tunnel tag.
      const strip = (r: Record<string, unknown>): Record<string, unknown> => {
        const { uid: _u, requestTs: _a, responseTs: _b, tunnel: _t, ...rest } = r;
        return rest;
      };
      const directRecords = readJsonl<Record<string, unknown>>(direct);
      const byKey = (list: Record<string, unknown>[]) => sortEntries(list.map((r) => ({ ...toAccessEntry(r), r: strip(r) }))).map((e) => e.r);
      expect(byKey(viaTunnel)).toEqual(byKey(directRecords));
      const summary = JSON.parse(capMirror.stdout());
      expect(summary.capture.droppedKernel).toBe(0);
    } finally {
      removeMirror();
      sh('ip', ['-n', net.a, 'link', 'del', 'aplvx0'], { allowFail: true });
    }
  });

  it('decapsulates an ERSPAN (or GRETAP) mirror copy into the same transactions', async (ctx) => {
    const exists = (): boolean => sh('ip', ['-n', net.a, 'link', 'show', 'aplgr0'], { allowFail: true }) !== '';
    let kind = 'erspan';
    // Linux puts the GRE key in the ERSPAN session id field (ip_gre.c, erspan_xmit); `erspan N` is the index.
    let id = ERSPAN_SESSION;
    sh('ip', ['-n', net.a, 'link', 'add', 'aplgr0', 'type', 'erspan', 'seq', 'key', String(ERSPAN_SESSION), 'local', '10.79.0.129', 'remote', '10.79.0.130', 'erspan_ver', '1', 'erspan', '7'], { allowFail: true });
    if (!exists()) {
      kind = 'gre';
      id = 0;
      sh('ip', ['-n', net.a, 'link', 'add', 'aplgr0', 'type', 'gretap', 'local', '10.79.0.129', 'remote', '10.79.0.130'], { allowFail: true });
    }
    if (!exists()) {
      console.warn('ERSPAN/GRETAP mirror test skipped: this kernel has neither erspan nor gretap devices (CONFIG_NET_IPGRE)');
      ctx.skip();
      return;
    }
    sh('ip', ['-n', net.a, 'link', 'set', 'aplgr0', 'mtu', '8900', 'up']);
    mirrorInto('aplgr0');
    try {
      const before = logLength();
      const mirrored = out('gre.jsonl');
      const cap = await startCapture(net.b, ['-i', net.b1, '-f', 'ip proto 47', '--workers', '2', '--transactions', mirrored, '--json']);
      runClients(net.b);
      expect(await stopCapture(cap), cap.stderr()).toBe(0);
      const access = accessSince(before);
      const viaTunnel = readJsonl<Record<string, unknown>>(mirrored);
      expect(sortEntries(viaTunnel.map(toAccessEntry))).toEqual(sortEntries(access));
      for (const r of viaTunnel) expect(r['tunnel']).toEqual({ kind, id });
    } finally {
      removeMirror();
      sh('ip', ['-n', net.a, 'link', 'del', 'aplgr0'], { allowFail: true });
    }
  });
});
