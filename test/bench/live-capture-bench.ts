/**
 * Live-capture figure of `npm run bench`: packets/s that `apisensor capture`
 * takes off a veth pair while `tcpreplay --topspeed` replays a slice of the
 * benchmark capture into it, in pcap and afpacket modes, with drops; tcpdump
 * capturing the same replay is the baseline of the same run.
 *
 *   ns aps-bench-b: tcpreplay --topspeed -i apbb0 slice.pcap ──veth──► ns aps-bench-a: apba0 (promiscuous)
 *                                                                       └─ tcpdump -w /dev/null | apisensor capture --json
 *
 * The slice is the first `packets` frames of the bench capture (editcap -r,
 * cached in bench-data/). Its frames carry foreign MAC and IP addresses, so the
 * receiving stack discards them after capture and nothing answers.
 * Per run: offered rate (tcpreplay's packets / its send time), the interface's
 * rx_packets delta (kernel oracle), what the capture received / read /
 * dropped (its own counters: PACKET_STATISTICS), and `capturedPerS` = packets
 * read / tcpreplay's send time. Needs root, tcpreplay, ip, editcap, the addon.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

const NS_A = 'aps-bench-a';
const NS_B = 'aps-bench-b';
const IF_A = 'apba0';
const IF_B = 'apbb0';

export interface LiveBenchRun {
  name: string;
  /** Packets tcpreplay sent and its send time. */
  sent: number;
  sendSeconds: number;
  offeredPerS: number;
  /** rx_packets delta of the capture interface. */
  interfaceRx: number;
  received: number;
  read: number;
  droppedKernel: number;
  dropRate: number;
  capturedPerS: number;
  transactions: number | null;
  /** capturedPerS / tcpdump's capturedPerS in this run. */
  vsTcpdump: number | null;
}

export interface LiveBenchResult {
  slice: string;
  packets: number;
  bytes: number;
  workers: number;
  bufferMb: number;
  runs: LiveBenchRun[];
}

/** Why the live bench cannot run here, or null. */
export function liveBenchSkipReason(root: string): string | null {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  if (!existsSync(join(root, 'native-bindings/build/Release/apisensor_pcap.node'))) return 'libpcap addon not built (npm run build:native)';
  for (const tool of ['tcpreplay', 'ip', 'editcap', 'tcpdump']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} not installed${tool === 'tcpreplay' ? ' (apt-get install tcpreplay)' : ''}`;
  }
  return null;
}

function sh(cmd: string, args: string[], allowFail = false): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    if (allowFail) return '';
    throw new Error(`${cmd} ${args.join(' ')}: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`);
  }
}

function setUp(): void {
  tearDown();
  sh('ip', ['netns', 'add', NS_A]);
  sh('ip', ['netns', 'add', NS_B]);
  sh('ip', ['link', 'add', IF_A, 'netns', NS_A, 'type', 'veth', 'peer', 'name', IF_B, 'netns', NS_B]);
  for (const ns of [NS_A, NS_B]) {
    sh('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  }
  sh('ip', ['-n', NS_A, 'link', 'set', IF_A, 'up']);
  sh('ip', ['-n', NS_B, 'link', 'set', IF_B, 'up']);
}

function tearDown(): void {
  sh('ip', ['netns', 'del', NS_A], true);
  sh('ip', ['netns', 'del', NS_B], true);
}

const rxPackets = (): number => Number(sh('ip', ['netns', 'exec', NS_A, 'cat', `/sys/class/net/${IF_A}/statistics/rx_packets`]).trim());

/** A capture process in NS_A; resolves once it prints `ready`. */
function startCapture(cmd: string, args: string[], ready: string): { stop: () => Promise<{ stdout: string; stderr: string; code: number | null }>; started: Promise<void> } {
  const child = spawn('ip', ['netns', 'exec', NS_A, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const started = new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes(ready)) resolve();
    });
    void exited.then(() => reject(new Error(`${cmd} ended before it started: ${err}`)));
  });
  started.catch(() => undefined);
  return {
    started,
    stop: async () => {
      child.kill('SIGINT');
      const code = await exited;
      return { stdout: out, stderr: err, code };
    },
  };
}

function replay(slice: string): { sent: number; seconds: number } {
  const text = sh('ip', ['netns', 'exec', NS_B, 'tcpreplay', '--topspeed', '-i', IF_B, slice]);
  // "Actual: 200000 packets (157019406 bytes) sent in 1.02 seconds"
  const m = /Actual: (\d+) packets \(\d+ bytes\) sent in ([\d.]+) seconds/.exec(text);
  if (!m) throw new Error(`unexpected tcpreplay output: ${text}`);
  return { sent: Number(m[1]), seconds: Number(m[2]) };
}

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs the live-capture bench on `capturePath` (the bench capture).
 * @param cli compiled CLI (dist/src/cli/main.js). Throws on setup failures.
 */
export async function runLiveCaptureBench(capturePath: string, dataDir: string, cli: string, options: { packets?: number; workers?: number; bufferMb?: number } = {}): Promise<LiveBenchResult> {
  const packets = options.packets ?? 200_000;
  const workers = options.workers ?? 2;
  const bufferMb = options.bufferMb ?? 32;
  const slice = join(dataDir, `${capturePath.split('/').pop()!.replace(/\.pcap$/, '')}-first${packets}.pcap`);
  if (!existsSync(slice) || statSync(slice).mtimeMs < statSync(capturePath).mtimeMs) sh('editcap', ['-r', capturePath, slice, `1-${packets}`]);
  setUp();
  const runs: LiveBenchRun[] = [];
  try {
    // tcpdump: the baseline.
    {
      const rx0 = rxPackets();
      const cap = startCapture('tcpdump', ['-i', IF_A, '-w', '/dev/null', '-B', String(bufferMb * 1024), '-n'], 'listening on');
      await cap.started;
      const r = replay(slice);
      await settle(1000);
      const { stderr } = await cap.stop();
      const captured = Number(/(\d+) packets captured/.exec(stderr)?.[1] ?? NaN);
      const received = Number(/(\d+) packets received by filter/.exec(stderr)?.[1] ?? NaN);
      const dropped = Number(/(\d+) packets dropped by kernel/.exec(stderr)?.[1] ?? NaN);
      runs.push(row('tcpdump -w /dev/null', r, rxPackets() - rx0, received, captured, dropped, null));
    }
    for (const mode of ['pcap', 'afpacket'] as const) {
      const rx0 = rxPackets();
      const cap = startCapture(process.execPath, [cli, 'capture', '-i', IF_A, '--capture-mode', mode, '--workers', String(workers), '--buffer-mb', String(bufferMb), '--json'], 'capturing on');
      await cap.started;
      const r = replay(slice);
      await settle(1000);
      const { stdout, stderr, code } = await cap.stop();
      if (code !== 0) throw new Error(`apisensor capture --capture-mode ${mode} exited ${code}: ${stderr}`);
      const s = JSON.parse(stdout) as { transactions: number; capture: { received: number; delivered: number; droppedKernel: number } };
      runs.push(row(`apisensor capture --capture-mode ${mode} --workers ${workers}`, r, rxPackets() - rx0, s.capture.received, s.capture.delivered, s.capture.droppedKernel, s.transactions));
    }
  } finally {
    tearDown();
  }
  const base = runs[0]!.capturedPerS;
  for (const r of runs.slice(1)) r.vsTcpdump = base > 0 ? r.capturedPerS / base : null;
  return { slice, packets, bytes: statSync(slice).size, workers, bufferMb, runs };
}

function row(name: string, r: { sent: number; seconds: number }, interfaceRx: number, received: number, read: number, dropped: number, transactions: number | null): LiveBenchRun {
  return {
    name,
    sent: r.sent,
    sendSeconds: r.seconds,
    offeredPerS: Math.round(r.sent / r.seconds),
    interfaceRx,
    received,
    read,
    droppedKernel: dropped,
    dropRate: received > 0 ? dropped / received : 0,
    capturedPerS: Math.round(read / r.seconds),
    transactions,
    vsTcpdump: null,
  };
}
