/**
 * Live ERSPAN / GRE mirroring: `tc … action mirred egress mirror` copies the
 * server link's TCP packets (both directions) into a mirror source that
 * sends them, wrapped in IPv4 / GRE (/ ERSPAN), across the underlay veth pair;
 * `apisensor capture` on the far end of the underlay must report the
 * transactions of the server's access log, field by field equal to a direct
 * capture of the server link, each tagged with the tunnel.
 *
 *   ns aps-ersp-<pid>-a                                      ns aps-ersp-<pid>-b
 *   server 10.83.0.1:8080  apea0 ── veth ── apeb0         curl 10.83.0.2
 *     │ tc mirred (TCP, ingress + egress)
 *     ▼
 *   mirror source ──► apea1 10.83.0.129 ── veth ── apeb1 10.83.0.130
 *                                                  tcpdump (oracle copy) + apisensor capture
 *
 * (The namespace names carry the test process id, so two runs on one
 * machine never tear down each other's namespaces.)
 *
 * The mirror source is the kernel's own `erspan` / `gretap` device where the
 * kernel has one (ip_gre). Kernels without it (as on our development and CI
 * machines) answer "Unknown device type"; there a user-space source stands
 * in: tc mirrors into a dedicated veth pair (apemx → apemy) and
 * erspan-encap.py reads apemy with an AF_PACKET socket and sends each frame
 * out of apea1 as ERSPAN type I, II, III (with a platform subheader) or GRE
 * transparent Ethernet bridging with a key.
 *
 * Oracles: the server's access log and a direct capture (transactions);
 * tshark dissecting tcpdump's copy of the underlay (every encapsulated frame:
 * GRE flags, protocol, sequence numbers, key, ERSPAN version, VLAN, session
 * id, index, hardware id, direction, platform id — the values the test
 * configured — and the inner HTTP requests). Expected tunnel tags: ERSPAN
 * II/III carry the session id; ERSPAN I has no header, so id 0; GRE keys are
 * not part of the flow key (they may differ per direction), so kind gre with
 * id 0 (see DecodedPacket.tunnelId).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import path from 'node:path';
import {
  ROOT,
  closeServerLab,
  openServerLab,
  type ServerLab,
  kernelSupportsLink,
  linkMac,
  liveSkipReason,
  mirrorTcpInto,
  readJsonl,
  removeMirror,
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

function erspanSkipReason(): string | null {
  const live = liveSkipReason();
  if (live) return live;
  for (const tool of ['python3', 'tcpdump', 'tshark', 'tc']) {
    try {
      sh(tool, tool === 'tc' ? ['-V'] : ['--version']);
    } catch {
      return `'${tool}' not installed`;
    }
  }
  return null;
}

const skip = erspanSkipReason();
if (skip) console.warn(`test/live/erspan-mirror.test.ts skipped: ${skip}`);

const SUBNET = '10.83.0';
const SERVER = `${SUBNET}.1`;
const UNDERLAY_SRC = `${SUBNET}.129`;
const UNDERLAY_DST = `${SUBNET}.130`;
const ENCAP = path.join(ROOT, 'test', 'live', 'erspan-encap.py');
/** The mirror veth pair of the user-space source (both ends in namespace a). */
const MIRROR_IN = 'apemx';
const MIRROR_OUT = 'apemy';
const TUNNEL_DEV = 'apegr0';

/** Values the test configures; tshark must read them back from every frame. */
const SESSION_II = 301;
const SESSION_III = 777;
const ERSPAN_VLAN = 42;
const ERSPAN_INDEX = 0x12345;
const PORT_INDEX_III = 0x1abc;
const HW_ID = 5;
const GRE_KEY = 0x00c0ffee;
const KERNEL_SESSION = 123;
const KERNEL_INDEX = 0x2222;
const KERNEL_HW_ID = 7;

/** One tshark row per frame of the underlay copy. */
const FIELDS = [
  'gre.flags_and_version',
  'gre.proto',
  'gre.sequence_number',
  'gre.key',
  'erspan.version',
  'erspan.vlan',
  'erspan.spanid',
  'erspan.index',
  'erspan.ft',
  'erspan.hw',
  'erspan.direction',
  'erspan.o',
  'erspan.platid',
  'erspan.pid3.port_index',
  'ip.src',
  'tcp.srcport',
] as const;
type Row = Record<(typeof FIELDS)[number], string>;

function tsharkRows(pcap: string): Row[] {
  const out = sh('tshark', ['-r', pcap, '-n', '-T', 'fields', '-E', 'separator=|', ...FIELDS.flatMap((f) => ['-e', f])]);
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const cells = l.split('|');
      return Object.fromEntries(FIELDS.map((f, i) => [f, cells[i] ?? ''])) as Row;
    });
}

/** How frames reach the underlay in one run, and what tshark must see in each. */
interface MirrorRun {
  name: string;
  /** Starts the mirror source (after tc mirrors into `mirrorDev`); returns the process to stop, if any. */
  start: () => Promise<Running | null>;
  mirrorDev: string;
  tunnel: { kind: string; id: number };
  /** The outer GRE/ERSPAN fields every frame carries (tshark's spelling), except the per-frame ones checked below. */
  outer: Partial<Row>;
  /** GRE sequence numbers: 'from-zero' (ours), 'increasing' (the kernel's), or 'absent'. */
  sequence: 'from-zero' | 'increasing' | 'absent';
  /** ERSPAN III direction bit: egress (1) exactly on the server's frames. */
  checksDirection?: boolean;
}

describe.skipIf(skip !== null)('ERSPAN / GRE mirror of a live server link', () => {
  let net: NetnsPair;
  let dir = '';
  let server: Running;
  let log = '';
  let serverMac = '';
  let collectorMac = '';
  let n = 0;

  const out = (name: string): string => path.join(dir, `${++n}-${name}`);
  const logLength = (): number => readJsonl<AccessEntry>(log).length;

  const encapRun = (mode: string, extra: string[]): (() => Promise<Running>) => async () => {
    const run = startIn(net.a, 'python3', [ENCAP, '--in', MIRROR_OUT, '--out', net.a1, '--dst-mac', collectorMac, '--src', UNDERLAY_SRC, '--dst', UNDERLAY_DST, '--mode', mode, ...extra]);
    await run.waitFor('ready');
    return run;
  };

  let lab: ServerLab | undefined;

  beforeAll(async () => {
    lab = await openServerLab({ name: 'erspan', prefix: `aps-ersp-${process.pid}`, short: 'ape', subnet: SUBNET, serverIp: SERVER });
    ({ net, dir, log, server } = lab);
    sh('ip', ['-n', net.a, 'link', 'add', MIRROR_IN, 'type', 'veth', 'peer', 'name', MIRROR_OUT]);
    for (const d of [MIRROR_IN, MIRROR_OUT]) sh('ip', ['-n', net.a, 'link', 'set', d, 'mtu', '9000', 'up']);
    serverMac = linkMac(net.a, net.a0);
    collectorMac = linkMac(net.b, net.b1);
  });

  afterAll(async () => {
    await closeServerLab(lab);
  });

  /** One mirrored run: direct capture, underlay capture, tcpdump copy, clients; then every check. */
  async function mirrorRun(run: MirrorRun): Promise<void> {
    mirrorTcpInto(net.a, net.a0, run.mirrorDev);
    let source: Running | null = null;
    try {
      source = await run.start();
      const before = logLength();
      const direct = out(`${run.name}-direct.jsonl`);
      const mirrored = out(`${run.name}-mirror.jsonl`);
      const copy = out(`${run.name}-underlay.pcap`);
      const tcpdump = startIn(net.b, 'tcpdump', ['-i', net.b1, '-n', '-U', '-w', copy, 'ip proto 47']);
      await tcpdump.waitFor('listening on');
      const capDirect = await startCapture(net.a, ['-i', net.a0, '-f', 'tcp port 8080', '--workers', '1', '--transactions', direct, '--json']);
      const capMirror = await startCapture(net.b, ['-i', net.b1, '-f', 'ip proto 47', '--workers', '2', '--transactions', mirrored, '--json']);
      runClients(net.b, SERVER);
      await new Promise((r) => setTimeout(r, 500));
      let sent: number | null = null;
      if (source) {
        source.child.kill('SIGTERM');
        expect(await source.exited, source.stderr()).toBe(0);
        sent = Number(/sent (\d+)/.exec(source.stdout())?.[1]);
        source = null;
      }
      expect(await stopCapture(capDirect), capDirect.stderr()).toBe(0);
      expect(await stopCapture(capMirror), capMirror.stderr()).toBe(0);
      tcpdump.child.kill('SIGINT');
      await tcpdump.exited;

      // Transactions: the access log's, tagged with the tunnel.
      const access = readJsonl<AccessEntry>(log).slice(before);
      expect(access).toHaveLength(10);
      const viaTunnel = readJsonl<Record<string, unknown>>(mirrored);
      expect(sortEntries(viaTunnel.map(toAccessEntry))).toEqual(sortEntries(access));
      for (const r of viaTunnel) {
        expect(r['tunnel']).toEqual(run.tunnel);
        expect(r['serverIp']).toBe(SERVER);
        expect(r['flags']).toEqual([]);
      }
      // Field by field equal to the direct capture, but for uid, times and the tunnel tag.
      const strip = (r: Record<string, unknown>): Record<string, unknown> => {
        const { uid: _u, requestTs: _a, responseTs: _b, tunnel: _t, ...rest } = r;
        return rest;
      };
      const byKey = (list: Record<string, unknown>[]): Record<string, unknown>[] =>
        sortEntries(list.map((r) => ({ ...toAccessEntry(r), r: strip(r) }))).map((e) => e.r);
      expect(byKey(viaTunnel)).toEqual(byKey(readJsonl<Record<string, unknown>>(direct)));

      // The encapsulation, as tshark dissects tcpdump's copy of the underlay.
      const rows = tsharkRows(copy);
      if (sent !== null) expect(rows).toHaveLength(sent);
      const summary = JSON.parse(capMirror.stdout()) as { packets: number; capture: { droppedKernel: number } };
      expect(summary.packets).toBe(rows.length);
      expect(summary.capture.droppedKernel).toBe(0);
      const frameNumbers = (filter: string, prefs: string[] = []): string =>
        sh('tshark', ['-r', copy, '-n', ...prefs, '-Y', filter, '-T', 'fields', '-e', 'frame.number']).trim();
      expect(frameNumbers('_ws.malformed')).toBe('');
      // The mirrored frames arrive whole: every inner TCP checksum verifies (status 1 = good).
      expect(frameNumbers('tcp.checksum.status == 1', ['-o', 'tcp.check_checksum:TRUE']).split('\n')).toHaveLength(rows.length);
      rows.forEach((row, i) => {
        for (const [field, value] of Object.entries(run.outer)) expect(`${i}:${field}=${row[field as keyof Row]}`).toBe(`${i}:${field}=${value}`);
        // Outer source, then the mirrored frame's own IPv4 source.
        expect(row['ip.src'].split(',')[0]).toBe(UNDERLAY_SRC);
        if (run.sequence === 'from-zero') expect(row['gre.sequence_number']).toBe(String(i));
        if (run.sequence === 'absent') expect(row['gre.sequence_number']).toBe('');
        if (run.sequence === 'increasing' && i > 0) expect(Number(row['gre.sequence_number'])).toBeGreaterThan(Number(rows[i - 1]!['gre.sequence_number']));
        if (run.checksDirection) {
          const fromServer = row['ip.src'].split(',')[1] === SERVER && row['tcp.srcport'] === '8080';
          // tshark prints booleans as 1/0 (4.0) or True/False (4.2 on).
          const egress = ['1', 'True'].includes(row['erspan.direction']) ? 'egress' : ['0', 'False'].includes(row['erspan.direction']) ? 'ingress' : row['erspan.direction'];
          expect(`${i}:${egress}`).toBe(`${i}:${fromServer ? 'egress' : 'ingress'}`);
        }
      });
      const uris = sh('tshark', ['-r', copy, '-n', '-Y', 'http.request', '-T', 'fields', '-e', 'http.request.uri']).trim().split('\n');
      expect(uris.sort()).toEqual(access.map((e) => e.uri).sort());
    } finally {
      if (source) {
        source.child.kill('SIGTERM');
        await source.exited;
      }
      removeMirror(net.a, net.a0);
    }
  }

  // ── User-space ERSPAN source: runs on every kernel ──────────────────────────

  it('ERSPAN type II (user-space source): transactions tagged erspan + session id', async () => {
    await mirrorRun({
      name: 'erspan2',
      mirrorDev: MIRROR_IN,
      start: encapRun('erspan2', ['--session', String(SESSION_II), '--vlan', String(ERSPAN_VLAN), '--index', String(ERSPAN_INDEX)]),
      tunnel: { kind: 'erspan', id: SESSION_II },
      outer: {
        'gre.flags_and_version': '0x1000',
        'gre.proto': '0x88be',
        'gre.key': '',
        'erspan.version': '1',
        'erspan.vlan': String(ERSPAN_VLAN),
        'erspan.spanid': String(SESSION_II),
        'erspan.index': String(ERSPAN_INDEX),
      },
      sequence: 'from-zero',
    });
  });

  it('ERSPAN type III with a platform subheader (user-space source): tagged erspan + session id', async () => {
    await mirrorRun({
      name: 'erspan3',
      mirrorDev: MIRROR_IN,
      start: encapRun('erspan3', ['--session', String(SESSION_III), '--vlan', String(ERSPAN_VLAN), '--hwid', String(HW_ID), '--index', String(PORT_INDEX_III), '--egress-mac', serverMac, '--platform-subheader']),
      tunnel: { kind: 'erspan', id: SESSION_III },
      outer: {
        'gre.flags_and_version': '0x1000',
        'gre.proto': '0x22eb',
        'gre.key': '',
        'erspan.version': '2',
        'erspan.vlan': String(ERSPAN_VLAN),
        'erspan.spanid': String(SESSION_III),
        'erspan.ft': '0',
        'erspan.hw': String(HW_ID),
        'erspan.o': '1',
        'erspan.platid': '3',
        'erspan.pid3.port_index': String(PORT_INDEX_III),
      },
      sequence: 'from-zero',
      checksDirection: true,
    });
  });

  it('ERSPAN type I (user-space source): no ERSPAN header, tagged erspan with id 0', async () => {
    await mirrorRun({
      name: 'erspan1',
      mirrorDev: MIRROR_IN,
      start: encapRun('erspan1', []),
      tunnel: { kind: 'erspan', id: 0 },
      outer: { 'gre.flags_and_version': '0x0000', 'gre.proto': '0x88be', 'gre.key': '', 'erspan.spanid': '' },
      sequence: 'absent',
    });
  });

  it('GRE transparent Ethernet bridging with a key (user-space source): tagged gre with id 0', async () => {
    await mirrorRun({
      name: 'gre-teb',
      mirrorDev: MIRROR_IN,
      start: encapRun('gre-teb', ['--key', String(GRE_KEY)]),
      tunnel: { kind: 'gre', id: 0 },
      outer: { 'gre.flags_and_version': '0x2000', 'gre.proto': '0x6558', 'gre.key': `0x${GRE_KEY.toString(16).padStart(8, '0')}`, 'erspan.version': '' },
      sequence: 'absent',
    });
  });

  // ── Kernel devices: where the kernel has ip_gre ─────────────────────────────

  const probe = (type: string, extra: string[]): boolean =>
    skip === null && kernelSupportsLink([type, 'local', '192.0.2.1', 'remote', '192.0.2.2', ...extra]);
  const kernelErspan0 = probe('erspan', ['erspan_ver', '0']);
  const kernelErspan1 = probe('erspan', ['seq', 'key', '1', 'erspan_ver', '1', 'erspan', '1']);
  const kernelErspan2 = probe('erspan', ['seq', 'key', '1', 'erspan_ver', '2', 'erspan_dir', 'egress', 'erspan_hwid', '1']);
  const kernelGretap = probe('gretap', []);
  if (skip === null && !(kernelErspan0 && kernelErspan1 && kernelErspan2 && kernelGretap)) {
    console.warn('test/live/erspan-mirror.test.ts: kernel erspan/gretap devices unavailable here (no ip_gre); the user-space ERSPAN source covers them');
  }

  /** Creates the kernel tunnel device in namespace a over the underlay; `type` args after `type`. */
  const kernelDevice = (typeArgs: string[]): (() => Promise<null>) => async () => {
    sh('ip', ['-n', net.a, 'link', 'add', TUNNEL_DEV, 'type', ...typeArgs, 'local', UNDERLAY_SRC, 'remote', UNDERLAY_DST, 'dev', net.a1]);
    sh('ip', ['-n', net.a, 'link', 'set', TUNNEL_DEV, 'mtu', '8900', 'up']);
    return null;
  };
  const withKernelDevice = async (run: MirrorRun): Promise<void> => {
    try {
      await mirrorRun(run);
    } finally {
      sh('ip', ['-n', net.a, 'link', 'del', TUNNEL_DEV], { allowFail: true });
    }
  };

  it.skipIf(!kernelErspan0)('ERSPAN type I (kernel erspan device, erspan_ver 0): tagged erspan with id 0', async () => {
    await withKernelDevice({
      name: 'kernel-erspan1',
      mirrorDev: TUNNEL_DEV,
      start: kernelDevice(['erspan', 'erspan_ver', '0']),
      tunnel: { kind: 'erspan', id: 0 },
      outer: { 'gre.flags_and_version': '0x0000', 'gre.proto': '0x88be', 'erspan.spanid': '' },
      sequence: 'absent',
    });
  });

  // Linux takes the ERSPAN session id from the tunnel's key (ip_gre.c erspan_xmit: o_key).
  it.skipIf(!kernelErspan1)('ERSPAN type II (kernel erspan device, erspan_ver 1): tagged erspan + session id', async () => {
    await withKernelDevice({
      name: 'kernel-erspan2',
      mirrorDev: TUNNEL_DEV,
      start: kernelDevice(['erspan', 'seq', 'key', String(KERNEL_SESSION), 'erspan_ver', '1', 'erspan', String(KERNEL_INDEX)]),
      tunnel: { kind: 'erspan', id: KERNEL_SESSION },
      outer: { 'gre.proto': '0x88be', 'erspan.version': '1', 'erspan.spanid': String(KERNEL_SESSION), 'erspan.index': String(KERNEL_INDEX) },
      sequence: 'increasing',
    });
  });

  it.skipIf(!kernelErspan2)('ERSPAN type III (kernel erspan device, erspan_ver 2): tagged erspan + session id', async () => {
    await withKernelDevice({
      name: 'kernel-erspan3',
      mirrorDev: TUNNEL_DEV,
      start: kernelDevice(['erspan', 'seq', 'key', String(KERNEL_SESSION), 'erspan_ver', '2', 'erspan_dir', 'egress', 'erspan_hwid', String(KERNEL_HW_ID)]),
      tunnel: { kind: 'erspan', id: KERNEL_SESSION },
      outer: { 'gre.proto': '0x22eb', 'erspan.version': '2', 'erspan.spanid': String(KERNEL_SESSION), 'erspan.hw': String(KERNEL_HW_ID) },
      sequence: 'increasing',
    });
  });

  it.skipIf(!kernelGretap)('GRE transparent Ethernet bridging (kernel gretap device, key): tagged gre with id 0', async () => {
    await withKernelDevice({
      name: 'kernel-gretap',
      mirrorDev: TUNNEL_DEV,
      start: kernelDevice(['gretap', 'key', String(GRE_KEY)]),
      tunnel: { kind: 'gre', id: 0 },
      outer: { 'gre.proto': '0x6558', 'gre.key': `0x${GRE_KEY.toString(16).padStart(8, '0')}` },
      sequence: 'absent',
    });
  });
});
