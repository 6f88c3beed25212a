/**
 * Drop accounting under a burst: 300,000 UDP frames from a raw AF_PACKET
 * socket into a veth, while apisensor (1 MiB kernel buffer) is stopped with
 * SIGSTOP so the ring overflows. Oracle: the kernel's own counters, the
 * receiving veth's rx_packets (/sys/class/net/IF/statistics, sampled before
 * and after). Frames go to a foreign MAC so the stack never replies. Every packet must be counted once: read or dropped by the kernel.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import path from 'node:path';
import { ROOT, createNetnsPair, destroyNetnsPair, liveSkipReason, nsExec, startCapture, stopCapture, type NetnsPair } from './live-env.js';

const skip = liveSkipReason();
if (skip) console.warn(`test/live/live-burst.test.ts skipped: ${skip}`);

const BURST = 300_000;

describe.skipIf(skip !== null)('apisensor capture under a 300,000-packet burst', () => {
  let net: NetnsPair;
  beforeAll(() => {
    net = createNetnsPair('aps-live-burst', 'apb');
  });
  afterAll(() => {
    if (net) destroyNetnsPair(net);
  });

  const rxPackets = (): number => Number(nsExec(net.a, 'cat', [`/sys/class/net/${net.a0}/statistics/rx_packets`]).trim());

  it('counts every packet as read or dropped, agreeing with the kernel', async () => {
    // Not the interface's own MAC: the kernel discards the frames (PACKET_OTHERHOST)
    // without answering, so nothing else crosses the link; promiscuous capture sees them.
    const mac = '02:00:00:00:00:01';
    const rxBefore = rxPackets();
    const cap = await startCapture(net.a, ['-i', net.a0, '-f', 'udp port 9999', '--buffer-mb', '1', '--workers', '1', '--json']);
    cap.child.kill('SIGSTOP');
    let sent: number;
    try {
      sent = Number(nsExec(net.b, 'python3', [path.join(ROOT, 'test', 'live', 'burst-sender.py'), net.b0, String(BURST), mac]).trim());
    } finally {
      cap.child.kill('SIGCONT');
    }
    await new Promise((r) => setTimeout(r, 1500));
    const code = await stopCapture(cap);
    expect(code, cap.stderr()).toBe(0);
    const rxDelta = rxPackets() - rxBefore;
    expect(sent).toBe(BURST);
    expect(rxDelta).toBe(BURST);

    const summary = JSON.parse(cap.stdout());
    const h = summary.capture;
    expect(h.received).toBe(rxDelta);
    expect(h.delivered + h.droppedKernel).toBe(h.received);
    expect(h.unread).toBe(0);
    expect(h.droppedKernel).toBeGreaterThan(0); // the 1 MiB ring cannot hold the burst while stopped
    expect(h.dropRate).toBe(h.droppedKernel / h.received);
    expect(summary.packets).toBe(h.delivered);
    expect(h.batchTruncated).toBe(0);
    expect(h.windowsWithDrops).toBeGreaterThanOrEqual(1);
  });
});
