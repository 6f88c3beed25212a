import { afterEach, describe, expect, it } from 'vitest';
import { startService, type Service } from '../../src/serve/service.js';
import { TokenStore } from '../../src/serve/token-store.js';
import { TOKEN, connect, findingSeqs, makeFinding, range, tick, type RecordingClient } from './serve-helpers.js';

let svc: Service | null = null;
afterEach(async () => {
  await svc?.close();
  svc = null;
});

async function start(ringCapacity: number, maxBufferedBytes = 4 * 1024 * 1024): Promise<{ s: Service; wsUrl: string }> {
  const s = await startService({
    listen: '127.0.0.1:0', tokens: new TokenStore([{ token: TOKEN }]), ringCapacity,
    stream: { maxBufferedBytes, slowCloseGraceMs: 25_000 },
  });
  svc = s;
  return { s, wsUrl: `${s.url.replace('http', 'ws')}/v1/stream` };
}

describe('resume', () => {
  it('a client that disconnects mid-stream and reconnects with since gets exactly what it missed', async () => {
    const { s, wsUrl } = await start(10_000);
    const a = await connect(wsUrl, { token: TOKEN });
    for (let i = 1; i <= 300; i++) s.bus.publish(makeFinding(i));
    await a.until((m) => findingSeqs(m).length >= 300);
    a.ws.close();
    await a.closed;
    const last = Math.max(...findingSeqs(a.messages));
    expect(last).toBe(300);
    for (let i = 301; i <= 700; i++) s.bus.publish(makeFinding(i));
    const b = await connect(`${wsUrl}?since=${last}`, { token: TOKEN });
    // Live findings published while the replay is under way must follow it without loss or duplicate.
    for (let i = 701; i <= 900; i++) {
      s.bus.publish(makeFinding(i));
      if (i % 50 === 0) await tick();
    }
    await b.until((m) => findingSeqs(m).includes(900));
    expect([...findingSeqs(a.messages), ...findingSeqs(b.messages)]).toEqual(range(1, 900));
    expect(b.messages.some((m) => m.type === 'gap')).toBe(false);
    b.ws.close();
  });

  it('beyond the ring buffer the client gets an explicit gap, then what the ring still holds', async () => {
    const { s, wsUrl } = await start(100);
    for (let i = 1; i <= 250; i++) s.bus.publish(makeFinding(i));
    const c = await connect(`${wsUrl}?since=20`, { token: TOKEN });
    await c.until((m) => findingSeqs(m).includes(250));
    expect(c.messages[0]).toMatchObject({ type: 'hello', lastSeq: 250, oldestSeq: 151, ringCapacity: 100 });
    expect(c.messages[1]).toEqual({ channel: 'control', type: 'gap', from: 21, to: 150 });
    expect(findingSeqs(c.messages)).toEqual(range(151, 250));
    c.ws.close();
  });
});

describe('backpressure', () => {
  it('cuts off a client that never reads (close 4008) while 49 others receive all 20,000 findings', async () => {
    const N = 20_000;
    const { s, wsUrl } = await start(N, 1024 * 1024);
    const fast: RecordingClient[] = [];
    for (let i = 0; i < 49; i++) fast.push(await connect(wsUrl, { token: TOKEN, light: true }));
    const slow = await connect(wsUrl, { token: TOKEN });
    // Stop reading: the socket's data stays in the kernel buffers, then in the server's send queue.
    (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    await Promise.all(fast.map((c) => c.until((m) => m.length >= 1)));
    // A synthetic producer: batches of 200 findings of ~700 bytes, yielding to the event loop between batches.
    // The slow client reads again as soon as it has been cut off, so it drains its queue and sees the close frame.
    let resumed = false;
    for (let i = 1; i <= N; i++) {
      s.bus.publish(makeFinding(i));
      if (i % 200 === 0) await tick();
      if (!resumed && s.events.get('stream.slow_consumer') === 1) {
        resumed = true;
        (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      }
    }
    expect(resumed).toBe(true);
    // hello + N findings (cheap predicate: it runs on every message).
    await Promise.all(fast.map((c) => c.until((m) => m.length >= N + 1)));
    for (const c of fast) expect(findingSeqs(c.messages)).toEqual(range(1, N));
    expect(s.events.get('stream.slow_consumer')).toBe(1);
    expect(await s.metrics.text()).toContain('apisensor_stream_disconnects_total{reason="slow_consumer"} 1');
    // The slow client drained what was queued before the cut, then got the documented close code.
    const closed = await slow.closed;
    expect(closed.code).toBe(4008);
    expect(closed.reason).toMatch(/^slow consumer/);
    const got = findingSeqs(slow.messages);
    expect(got.length).toBeLessThan(N);
    expect(got).toEqual(range(1, got.length));
    for (const c of fast) c.ws.close();
  });
});
