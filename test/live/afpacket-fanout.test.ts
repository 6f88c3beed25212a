/**
 * `--capture-mode afpacket`: two workers, each reading its own AF_PACKET
 * socket of one PACKET_FANOUT_CBPF group (the fanout program), on the server side of a veth pair
 * (namespaces aps-fan-a / aps-fan-b, 10.81.0.0/24). A pcap-mode capture runs
 * at the same time on the same interface.
 *
 * Oracles: the server's access log (every transaction), tshark reading each
 * worker's own `--write` file (which connections reached which socket), and
 * the pcap-mode run (same transactions, field by field, but for uids and
 * capture times: two sockets stamp the same packet microseconds apart).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import path from 'node:path';
import {
  CLI,
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
if (skip) console.warn(`test/live/afpacket-fanout.test.ts skipped: ${skip}`);

const SERVER = '10.81.0.1';
/** Extra client connections beside runClients' 8: with 24 connections both sockets get some. */
const EXTRA_CONNECTIONS = 16;

describe.skipIf(skip !== null)('apisensor capture --capture-mode afpacket (PACKET_FANOUT, 2 workers)', () => {
  let net: NetnsPair;
  let dir = '';
  let server: Running;
  let log = '';

  let lab: ServerLab | undefined;

  beforeAll(async () => {
    lab = await openServerLab({ name: 'fanout', prefix: 'aps-fan', short: 'apf', subnet: '10.81.0', serverIp: SERVER });
    ({ net, dir, log, server } = lab);
  });

  afterAll(async () => {
    await closeServerLab(lab);
  });

  it('keeps every connection on one worker and reports the pcap mode’s and the access log’s transactions', async () => {
    const afTx = path.join(dir, 'af.jsonl');
    const pcTx = path.join(dir, 'pcap.jsonl');
    const pcapCopy = path.join(dir, 'af.pcap');
    const filter = 'tcp port 8080';
    const af = await startCapture(net.a, ['-i', net.a0, '-f', filter, '--capture-mode', 'afpacket', '--workers', '2', '--transactions', afTx, '--write', pcapCopy, '--json']);
    const pc = await startCapture(net.a, ['-i', net.a0, '-f', filter, '--workers', '2', '--transactions', pcTx, '--json']);
    runClients(net.b, SERVER);
    for (let i = 0; i < EXTRA_CONNECTIONS; i++) {
      nsExec(net.b, 'curl', ['-sS', '-o', '/dev/null', '-o', '/dev/null', `http://${SERVER}:8080/api/items/${200 + i}`, `http://${SERVER}:8080/api/items?limit=${10 * (i + 1)}`]);
    }
    expect(await stopCapture(af), af.stderr()).toBe(0);
    expect(await stopCapture(pc), pc.stderr()).toBe(0);

    const access = readJsonl<AccessEntry>(log);
    expect(access).toHaveLength(10 + 2 * EXTRA_CONNECTIONS);
    const afRecords = readJsonl<Record<string, unknown>>(afTx);
    const pcRecords = readJsonl<Record<string, unknown>>(pcTx);
    expect(sortEntries(afRecords.map(toAccessEntry))).toEqual(sortEntries(access));
    expect(sortEntries(pcRecords.map(toAccessEntry))).toEqual(sortEntries(access));

    // Field by field equal to the pcap mode, but for uid and capture times.
    const strip = (r: Record<string, unknown>): Record<string, unknown> => {
      const { uid: _u, requestTs: _a, responseTs: _b, ...rest } = r;
      return rest;
    };
    const byConnection = (list: Record<string, unknown>[]) =>
      [...list].sort((x, y) => (x['clientPort'] as number) - (y['clientPort'] as number) || (x['transDepth'] as number) - (y['transDepth'] as number)).map(strip);
    expect(byConnection(afRecords)).toEqual(byConnection(pcRecords));

    // Which connections each socket received, read by tshark from each worker's own copy.
    const clientPortsIn = (file: string): Set<number> => {
      const lines = sh('tshark', ['-r', file, '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tcp.dstport']).trim().split('\n').filter(Boolean);
      return new Set(lines.map((l) => l.split('\t').map(Number)).map(([s, d]) => (s === 8080 ? d! : s!)));
    };
    const frameCount = (file: string): number => sh('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.number']).trim().split('\n').filter(Boolean).length;
    const files = [path.join(dir, 'af.w0.pcap'), path.join(dir, 'af.w1.pcap')];
    const perWorker = files.map(clientPortsIn);
    const clientPorts = new Set(access.map((e) => e.clientPort));
    expect(clientPorts.size).toBe(8 + EXTRA_CONNECTIONS);
    // No connection appears in two workers; together they saw every connection.
    expect([...perWorker[0]!].filter((p) => perWorker[1]!.has(p))).toEqual([]);
    expect(new Set([...perWorker[0]!, ...perWorker[1]!])).toEqual(clientPorts);
    expect(perWorker[0]!.size).toBeGreaterThan(0);
    expect(perWorker[1]!.size).toBeGreaterThan(0);
    // Each transaction came from the worker whose socket carried its connection (uid C<k·2 + worker>).
    for (const r of afRecords) {
      const worker = Number((r['uid'] as string).slice(1)) % 2;
      expect(perWorker[worker]!.has(r['clientPort'] as number)).toBe(true);
    }
    // Per connection, transactions come out in depth order.
    const lastDepth = new Map<number, number>();
    for (const r of afRecords) {
      const port = r['clientPort'] as number;
      expect(r['transDepth']).toBe((lastDepth.get(port) ?? -1) + 1);
      lastDepth.set(port, r['transDepth'] as number);
    }

    const afSummary = JSON.parse(af.stdout());
    const pcSummary = JSON.parse(pc.stdout());
    expect(afSummary.capture.mode).toBe('afpacket');
    expect(afSummary.capture.afpacket.fanoutMode).toBe('cbpf+defrag');
    expect(afSummary.capture.afpacket.fanoutFallback).toBeNull();
    const workers = afSummary.capture.afpacket.workers as Array<{ shard: number; packets: number; received: number; delivered: number; droppedKernel: number }>;
    expect(workers.map((w) => w.shard)).toEqual([0, 1]);
    for (const w of workers) {
      expect(w.packets).toBe(frameCount(files[w.shard]!));
      expect(w.delivered).toBe(w.received);
      expect(w.droppedKernel).toBe(0);
    }
    expect(afSummary.capture.droppedKernel).toBe(0);
    expect(afSummary.capture.delivered).toBe(afSummary.capture.received);
    // Both modes read the same packets off the interface.
    expect(afSummary.packets).toBe(pcSummary.packets);
    expect(afSummary.packets).toBe(workers[0]!.packets + workers[1]!.packets);
    expect(afSummary.transactions).toBe(access.length);
  });

  it('rejects a filter that does not compile, and an unknown mode, with one line and exit 2', async () => {
    const badFilter = startIn(net.a, process.execPath, [CLI, 'capture', '-i', net.a0, '--capture-mode', 'afpacket', '--workers', '2', '-f', 'tcp port nonsense']);
    const badMode = startIn(net.a, process.execPath, [CLI, 'capture', '-i', net.a0, '--capture-mode', 'dpdk']);
    const [filterCode, modeCode] = await Promise.all([badFilter.exited, badMode.exited]);
    expect(filterCode).toBe(2);
    expect(badFilter.stderr().trim().split('\n')).toHaveLength(1);
    expect(badFilter.stderr()).toContain("bad capture filter 'tcp port nonsense'");
    expect(modeCode).toBe(2);
    expect(badMode.stderr()).toContain("--capture-mode takes pcap or afpacket, got 'dpdk'");
  });
});
