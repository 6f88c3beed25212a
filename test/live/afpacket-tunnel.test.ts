/**
 * `--capture-mode afpacket --workers 2` on a VXLAN mirror underlay: the
 * fanout program (PACKET_FANOUT_CBPF, src/capture/fanout-program.ts) must
 * keep every mirrored connection on one worker although the two directions
 * of a connection arrive with different outer UDP source ports.
 *
 *   ns aps-aft-a: server 10.82.0.1:8080 on apta0; tc mirred copies apta0's TCP
 *                 (ingress and egress) into vxlan aptvx0 (VNI 4343) over apta1
 *   ns aps-aft-b: curl on aptb0; apisensor on aptb1 (the underlay), afpacket
 *                 mode with 2 workers and pcap mode side by side
 *
 * Oracles: the server's access log (every transaction), tshark reading each
 * worker's own `--write` copy (which inner connections reached which socket,
 * and the outer UDP source ports per direction), and the pcap-mode run on
 * the same interface (same transactions field by field, but for uids and
 * capture times).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import path from 'node:path';
import {
  closeServerLab,
  openServerLab,
  type ServerLab,
  liveSkipReason,
  nsExec,
  readJsonl,
  runClients,
  sh,
  sortEntries,
  startCapture,
  startIn,
  stopCapture,
  toAccessEntry,
  type AccessEntry,
  type NetnsPair,
  type Running,
} from './live-env.js';

const skip = liveSkipReason();
if (skip) console.warn(`test/live/afpacket-tunnel.test.ts skipped: ${skip}`);

const SERVER = '10.82.0.1';
const VNI = 4343;
const EXTRA_CONNECTIONS = 16;

describe.skipIf(skip !== null)('apisensor capture --capture-mode afpacket on a VXLAN mirror underlay (fanout program, 2 workers)', () => {
  let net: NetnsPair;
  let dir = '';
  let server: Running;
  let log = '';

  let lab: ServerLab | undefined;

  beforeAll(async () => {
    lab = await openServerLab({ name: 'fanout-vxlan', prefix: 'aps-aft', short: 'apt', subnet: '10.82.0', serverIp: SERVER });
    ({ net, dir, log, server } = lab);
    sh('ip', ['-n', net.a, 'link', 'add', 'aptvx0', 'type', 'vxlan', 'id', String(VNI), 'local', '10.82.0.129', 'remote', '10.82.0.130', 'dstport', '4789', 'dev', net.a1]);
    sh('ip', ['-n', net.a, 'link', 'set', 'aptvx0', 'mtu', '8950', 'up']);
    sh('ip', ['netns', 'exec', net.a, 'tc', 'qdisc', 'replace', 'dev', net.a0, 'clsact']);
    for (const hook of ['ingress', 'egress']) {
      sh('ip', ['netns', 'exec', net.a, 'tc', 'filter', 'add', 'dev', net.a0, hook, 'protocol', 'ip', 'u32', 'match', 'ip', 'protocol', '6', '0xff', 'action', 'mirred', 'egress', 'mirror', 'dev', 'aptvx0']);
    }
  });

  afterAll(async () => {
    await closeServerLab(lab);
  });

  it('keeps both directions of every mirrored connection on one worker, with the pcap mode’s and the access log’s transactions', async () => {
    const afTx = path.join(dir, 'af.jsonl');
    const pcTx = path.join(dir, 'pcap.jsonl');
    const filter = 'udp port 4789';
    const af = await startCapture(net.b, ['-i', net.b1, '-f', filter, '--capture-mode', 'afpacket', '--workers', '2', '--transactions', afTx, '--write', path.join(dir, 'af.pcap'), '--json']);
    const pc = await startCapture(net.b, ['-i', net.b1, '-f', filter, '--workers', '2', '--transactions', pcTx, '--json']);
    runClients(net.b, SERVER);
    for (let i = 0; i < EXTRA_CONNECTIONS; i++) {
      nsExec(net.b, 'curl', ['-sS', '-o', '/dev/null', '-o', '/dev/null', `http://${SERVER}:8080/api/items/${300 + i}`, `http://${SERVER}:8080/api/items?limit=${5 * (i + 1)}`]);
    }
    expect(await stopCapture(af), af.stderr()).toBe(0);
    expect(await stopCapture(pc), pc.stderr()).toBe(0);

    const access = readJsonl<AccessEntry>(log);
    expect(access).toHaveLength(10 + 2 * EXTRA_CONNECTIONS);
    const afRecords = readJsonl<Record<string, unknown>>(afTx);
    const pcRecords = readJsonl<Record<string, unknown>>(pcTx);
    expect(sortEntries(afRecords.map(toAccessEntry))).toEqual(sortEntries(access));
    expect(sortEntries(pcRecords.map(toAccessEntry))).toEqual(sortEntries(access));
    for (const r of afRecords) expect(r['tunnel']).toEqual({ kind: 'vxlan', id: VNI });
    const strip = (r: Record<string, unknown>): Record<string, unknown> => {
      const { uid: _u, requestTs: _a, responseTs: _b, ...rest } = r;
      return rest;
    };
    const byConnection = (list: Record<string, unknown>[]) =>
      [...list].sort((x, y) => (x['clientPort'] as number) - (y['clientPort'] as number) || (x['transDepth'] as number) - (y['transDepth'] as number)).map(strip);
    expect(byConnection(afRecords)).toEqual(byConnection(pcRecords));

    // tshark decodes VXLAN on 4789: per frame the outer UDP source port and the inner TCP ports.
    interface Row { outerSport: number; clientPort: number; toServer: boolean }
    const rows = (file: string): Row[] =>
      sh('tshark', ['-r', file, '-Y', 'tcp', '-T', 'fields', '-E', 'occurrence=f', '-e', 'udp.srcport', '-e', 'tcp.srcport', '-e', 'tcp.dstport'])
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t').map(Number))
        .map(([o, s, d]) => ({ outerSport: o!, clientPort: s === 8080 ? d! : s!, toServer: d === 8080 }));
    const files = [path.join(dir, 'af.w0.pcap'), path.join(dir, 'af.w1.pcap')];
    const perWorker = files.map(rows);
    const portsOf = (list: Row[]): Set<number> => new Set(list.map((r) => r.clientPort));
    const [w0, w1] = perWorker.map(portsOf) as [Set<number>, Set<number>];
    const clientPorts = new Set(access.map((e) => e.clientPort));
    expect(clientPorts.size).toBe(8 + EXTRA_CONNECTIONS);
    expect([...w0].filter((p) => w1.has(p))).toEqual([]);
    expect(new Set([...w0, ...w1])).toEqual(clientPorts);
    expect(w0.size).toBeGreaterThan(0);
    expect(w1.size).toBeGreaterThan(0);
    // The premise: the outer source port differs between the two directions of (nearly) every connection,
    // so a hash of the outer header would have split them.
    const all = perWorker.flat();
    const differing = [...clientPorts].filter((p) => {
      const outer = (toServer: boolean): Set<number> => new Set(all.filter((r) => r.clientPort === p && r.toServer === toServer).map((r) => r.outerSport));
      const up = outer(true);
      return [...outer(false)].some((s) => !up.has(s));
    });
    expect(differing.length).toBeGreaterThan(clientPorts.size / 2);
    for (const r of afRecords) {
      const worker = Number((r['uid'] as string).slice(1)) % 2;
      expect((worker === 0 ? w0 : w1).has(r['clientPort'] as number)).toBe(true);
    }

    const afSummary = JSON.parse(af.stdout());
    const pcSummary = JSON.parse(pc.stdout());
    expect(afSummary.capture.afpacket.fanoutMode).toBe('cbpf+defrag');
    expect(afSummary.capture.afpacket.fanoutFallback).toBeNull();
    const workers = afSummary.capture.afpacket.workers as Array<{ shard: number; packets: number; tcpPackets: number; tunneledPackets: number; received: number; delivered: number; droppedKernel: number }>;
    for (const w of workers) {
      expect(w.packets).toBe(perWorker[w.shard]!.length);
      expect(w.tunneledPackets).toBe(w.tcpPackets);
      expect(w.delivered).toBe(w.received);
      expect(w.droppedKernel).toBe(0);
    }
    expect(afSummary.packets).toBe(pcSummary.packets);
    expect(afSummary.transactions).toBe(access.length);
  });

  it('falls back to the kernel hash, and says so, when the fanout group already exists in hash mode', async () => {
    // Another capture (here a python AF_PACKET socket) holds group 4545 as PACKET_FANOUT_HASH | DEFRAG:
    // the kernel refuses to join it as PACKET_FANOUT_CBPF (EINVAL), the hash join with the same flags succeeds.
    const holder = startIn(net.b, 'python3', [
      '-c',
      `import socket,struct,time
s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW,socket.htons(3))
s.bind(('${net.b1}',0))
s.setsockopt(263,18,struct.pack('I',4545|(0x8000<<16)))
print('joined',flush=True)
time.sleep(60)`,
    ]);
    await holder.waitFor('joined');
    try {
      const cap = await startCapture(net.b, ['-i', net.b1, '-f', 'udp port 4789', '--capture-mode', 'afpacket', '--workers', '2', '--fanout-group', '4545', '--json']);
      expect(await stopCapture(cap), cap.stderr()).toBe(0);
      const summary = JSON.parse(cap.stdout());
      expect(summary.capture.afpacket.fanoutMode).toBe('hash+defrag');
      expect(summary.capture.afpacket.fanoutFallback).toBe('PACKET_FANOUT_CBPF refused (Invalid argument): kernel before 4.2, or group 4545 exists in hash mode');
      expect(summary.events['capture.afpacket_fanout_program_refused']).toBe(2);
    } finally {
      holder.child.kill('SIGKILL');
      await holder.exited;
    }
  });
});
