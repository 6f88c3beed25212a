/**
 * Capture health while the capture runs (issue 6 §5): `/metrics` of
 * `apisensor capture --serve` moves during the run, and kernel drops reach the
 * findings whose window they fall in.
 *
 * Scenario (pcap mode, then afpacket mode; 1 MiB kernel buffer, one worker), server side of a veth pair:
 *   1. failed form logins (curl, one client, 6 accounts) against the attack
 *      lab's API server: credential stuffing starts;
 *   2. apisensor is stopped (SIGSTOP) while burst-sender.py sends BURST UDP
 *      frames to a foreign MAC: the ring overflows and the kernel drops;
 *      apisensor resumes (SIGCONT) and reads what the ring kept;
 *   3. more failed logins: the same episode grows past the drop.
 * Then the `--write` copy of what was captured is replayed (no capture drops).
 *
 * Oracles: the sender's count of frames sent and the receiving veth's
 * rx_packets (every frame arrived), tcpdump's count of the burst frames in
 * the `--write` file (what apisensor read), so kernel drops = BURST − read;
 * the veth's rx_dropped + rx_missed_errors (interface drops); the server's
 * access log (failed logins). The detector's own confidence is not an oracle:
 * the live finding is compared with the same finding (same id) from the replay.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  ROOT,
  CLI,
  closeServerLab,
  openServerLab,
  type ServerLab,
  liveSkipReason,
  nsExec,
  readJsonl,
  sh,
  startCapture,
  stopCapture,
  type NetnsPair,
  type Running,
} from './live-env.js';

const skip = liveSkipReason();
if (skip) console.warn(`test/live/live-health.test.ts skipped: ${skip}`);

const BURST = 50_000;
const SERVER = '10.79.0.1';
const CLIENT = '10.79.0.2';
const DEADLINE_MS = 30_000;

interface Finding {
  id: string;
  type: string;
  confidence: number;
  principal: { clientIp: string } | null;
  counts: Record<string, number>;
  window: { start: number; end: number };
  captureHealth: { gaps: number; gapBytes: number; drops: number; midstreamFlows: number; complete: boolean };
}

/** The latest revision of every finding of a findings JSONL file. */
function latestRevisions(file: string): Finding[] {
  const byId = new Map<string, Finding>();
  for (const f of readJsonl<Finding>(file)) byId.set(f.id, f);
  return [...byId.values()];
}

describe.skipIf(skip !== null)('live capture health in /metrics and findings', () => {
  let net: NetnsPair;
  let dir = '';
  let server: Running;
  let log = '';

  let lab: ServerLab | undefined;

  beforeAll(async () => {
    lab = await openServerLab({ name: 'live-health', prefix: 'aps-live-health', short: 'aph', serverIp: SERVER, serverScript: 'pcaps/attacks/tools/attack-api-server.mjs' });
    ({ net, dir, log, server } = lab);
  });

  afterAll(async () => {
    await closeServerLab(lab);
  });

  const sysfs = (name: string): number => Number(nsExec(net.a, 'cat', [`/sys/class/net/${net.a0}/statistics/${name}`]).trim());
  const ifaceDrops = (): number => sysfs('rx_dropped') + sysfs('rx_missed_errors');

  /** Service URL of the running capture (`--listen 127.0.0.1:0`: the port it printed). */
  let serviceUrl = '';
  /** The `/metrics` sample values by metric name (unlabelled series only). */
  const metrics = (): Map<string, number> => {
    const text = nsExec(net.a, 'curl', ['-sS', '--max-time', '5', `${serviceUrl}/metrics`]);
    const m = new Map<string, number>();
    for (const line of text.split('\n')) {
      const hit = /^(apisensor_[a-z_]+) (\S+)$/.exec(line);
      if (hit) m.set(hit[1]!, Number(hit[2]));
    }
    return m;
  };
  /** Polls `/metrics` until `ok` holds (generous deadline: a hung run fails, a slow one does not). */
  const pollMetrics = async (what: string, ok: (m: Map<string, number>) => boolean): Promise<Map<string, number>> => {
    const until = Date.now() + DEADLINE_MS;
    let last = new Map<string, number>();
    while (Date.now() < until) {
      last = metrics();
      if (ok(last)) return last;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`/metrics never showed ${what}: ${JSON.stringify([...last].filter(([k]) => k.startsWith('apisensor_capture')))}`);
  };

  /** `count` failed form logins from the client, accounts user<first>..: one curl, one keep-alive connection. */
  const failedLogins = (first: number, count: number, accounts: number): void => {
    const args = ['-sS'];
    for (let i = 0; i < count; i++) {
      if (i > 0) args.push('--next');
      args.push('-o', '/dev/null', '--data', `username=user${(first + i) % accounts}&password=guess${first + i}`, `http://${SERVER}:8080/api/v1/login`);
    }
    nsExec(net.b, 'curl', args);
  };

  it.each(['pcap', 'afpacket'])('%s mode: updates /metrics during the run and books kernel drops on the findings of their window', async (mode) => {
    const pcap = path.join(dir, `${mode}-captured.pcap`);
    const liveFindings = path.join(dir, `${mode}-live-findings.jsonl`);
    const replayFindings = path.join(dir, `${mode}-replay-findings.jsonl`);
    const logBefore = existsSync(log) ? readJsonl(log).length : 0; // the server creates it on its first request
    const ifaceDropsBefore = ifaceDrops();
    const rxBefore = sysfs('rx_packets');
    const cap = await startCapture(net.a, [
      '-i', net.a0, '-f', 'tcp port 8080 or udp port 9999', '--buffer-mb', '1', '--workers', '1', '--json', '--capture-mode', mode,
      '--db', ':memory:', '--write', pcap, '--findings', liveFindings, '--serve', '--listen', '127.0.0.1:0', '--no-auth',
    ]);
    serviceUrl = /serving findings on (http:\/\/127\.0\.0\.1:\d+)/.exec(cap.stderr())?.[1] ?? '';
    let summary: { capture: Record<string, number> };
    let during: { receivedBefore: number; receivedAfterLogins: number; kernelDrops: number; interfaceDrops: number; allDrops: number };
    let sent = 0;
    try {
      expect(serviceUrl, cap.stderr()).not.toBe('');
      const m0 = await pollMetrics('the capture metrics', (m) => m.has('apisensor_capture_received_packets_total'));
      failedLogins(0, 12, 6);
      // (a) the packet counter moves while the capture runs.
      const m1 = await pollMetrics('received packets rising', (m) => m.get('apisensor_capture_received_packets_total')! > m0.get('apisensor_capture_received_packets_total')!);
      expect(m1.get('apisensor_capture_kernel_drops_total')).toBe(0);
      // Pipeline totals move too: the logins' transactions (oracle: the server's access log).
      const logged = readJsonl(log).length - logBefore;
      const mt = await pollMetrics('the logins as transactions', (m) => m.get('apisensor_transactions_total') === logged);
      expect(mt.get('apisensor_packets_total')).toBeGreaterThan(0);

      // (b) kernel drops: apisensor stopped, the ring overflows.
      cap.child.kill('SIGSTOP');
      try {
        sent = Number(nsExec(net.b, 'python3', [path.join(ROOT, 'test', 'live', 'burst-sender.py'), net.b0, String(BURST), '02:00:00:00:00:01']).trim());
      } finally {
        cap.child.kill('SIGCONT');
      }
      // Drained: every packet the kernel accepted was read or dropped.
      const m2 = await pollMetrics('the ring drained after drops', (m) => {
        const k = m.get('apisensor_capture_kernel_drops_total')!;
        return k > 0 && m.get('apisensor_capture_delivered_packets_total')! + k === m.get('apisensor_capture_received_packets_total')!;
      });
      during = {
        receivedBefore: m0.get('apisensor_capture_received_packets_total')!,
        receivedAfterLogins: m1.get('apisensor_capture_received_packets_total')!,
        kernelDrops: m2.get('apisensor_capture_kernel_drops_total')!,
        interfaceDrops: m2.get('apisensor_capture_interface_drops_total')!,
        allDrops: m2.get('apisensor_capture_drops_total')!,
      };
      failedLogins(12, 4, 6);
      const code = await stopCapture(cap);
      expect(code, cap.stderr()).toBe(0);
      summary = JSON.parse(cap.stdout());
    } finally {
      cap.child.kill('SIGCONT');
      if (cap.child.exitCode === null) cap.child.kill('SIGKILL');
    }

    // Oracles.
    expect(sent).toBe(BURST);
    const burstRead = Number(sh('tcpdump', ['-nr', pcap, 'udp port 9999']).trim().split('\n').filter((l) => l.length > 0).length);
    const kernelDrops = BURST - burstRead;
    const interfaceDrops = ifaceDrops() - ifaceDropsBefore;
    const failures = readJsonl<{ status: number; clientIp: string }>(log).slice(logBefore).filter((e) => e.status === 403 && e.clientIp === CLIENT).length;
    expect(failures).toBe(16);
    expect(sysfs('rx_packets') - rxBefore).toBeGreaterThanOrEqual(BURST);
    expect(kernelDrops).toBeGreaterThan(0);

    // /metrics during the run (after the drain, before the second logins and the stop).
    expect(during.receivedAfterLogins).toBeGreaterThan(during.receivedBefore);
    expect(during.kernelDrops).toBe(kernelDrops);
    expect(during.interfaceDrops).toBe(interfaceDrops);
    expect(during.allDrops).toBe(kernelDrops + interfaceDrops);
    // The run summary agrees (no drop after the drain).
    expect(summary.capture['droppedKernel']).toBe(kernelDrops);

    // The live finding carries the drops of its window; the replay of what was captured has none.
    const liveList = latestRevisions(liveFindings);
    const live = liveList.find((f) => f.type === 'credential_stuffing' && f.principal?.clientIp === CLIENT);
    expect(live, JSON.stringify(liveList.map((f) => f.type))).toBeDefined();
    sh(process.execPath, [CLI, 'replay', pcap, '--workers', '1', '--quiet', '--db', ':memory:', '--findings', replayFindings]);
    const replayed = latestRevisions(replayFindings).find((f) => f.id === live!.id);
    expect(replayed).toBeDefined();
    expect(live!.counts['failures']).toBe(failures);
    expect(replayed!.counts['failures']).toBe(failures);
    expect(live!.captureHealth).toEqual({ gaps: 0, gapBytes: 0, drops: kernelDrops + interfaceDrops, midstreamFlows: 0, complete: false });
    expect(replayed!.captureHealth).toEqual({ gaps: 0, gapBytes: 0, drops: 0, midstreamFlows: 0, complete: true });
    expect(live!.confidence).toBeLessThan(replayed!.confidence);
  });
});
