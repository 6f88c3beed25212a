/**
 * Pairing after a lost region of the response stream by TCP acknowledgment
 * evidence (transaction-pairer.ts file comment). Streams are hand-built;
 * `ack` is the response-stream offset the client had received when it sent
 * the request (PacketContext.peerAckOffset), computed from the byte lengths
 * below.
 */
import { describe, expect, it } from 'vitest';
import { run } from './harness.js';
import type { Step } from './harness.js';

const get = (p: string): string => `GET ${p} HTTP/1.1\r\nHost: h\r\n\r\n`;
const ok = (status: number, body: string): string => `HTTP/1.1 ${status} X\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
const R1 = ok(200, 'one'); // 40 bytes
const uriStatus = (steps: Step[]) => {
  const r = run(steps);
  return { pairs: r.records.map((x) => [x.uri, x.status, x.flags]), lost: r.events['http.response_lost'] ?? 0 };
};

describe('pairing by ACK evidence after a lost response region', () => {
  it('byte layout used below', () => {
    expect(R1.length).toBe(40);
    expect(ok(404, 'dd').length).toBe(39);
  });

  it('pipelined requests without a gap: FIFO', () => {
    const r = uriStatus([
      { d: 0, data: get('/a') + get('/b') + get('/c'), ack: 0 },
      { d: 1, data: R1 + ok(404, 'two') + ok(204, '') },
    ]);
    expect(r.pairs).toEqual([
      ['/a', 200, []],
      ['/b', 404, []],
      ['/c', 204, []],
    ]);
    expect(r.lost).toBe(0);
  });

  it('pipelined requests (same ACK) with a gap: FIFO, no evidence', () => {
    const r = uriStatus([
      { d: 0, data: get('/a'), ack: 0 },
      { d: 0, data: get('/b'), ack: 0 },
      { d: 1, gap: 100 },
      { d: 1, data: ok(404, 'two') },
    ]);
    expect(r.pairs).toEqual([
      ['/a', 404, []],
      ['/b', null, ['unanswered']],
    ]);
    expect(r.lost).toBe(0);
  });

  it('non-pipelined: requests sent after more of the lost region arrived lose their responses', () => {
    // /a answered at 0..39; /b sent at 40; /c at 90 and /d at 130 (bytes 40..129 lost); next response at 130
    const r = uriStatus([
      { d: 0, data: get('/a'), ack: 0 },
      { d: 1, data: R1 },
      { d: 0, data: get('/b'), ack: 40 },
      { d: 0, data: get('/c'), ack: 90 },
      { d: 0, data: get('/d'), ack: 130 },
      { d: 1, gap: 90 },
      { d: 1, data: ok(404, 'dd') }, // offsets 130..168
      { d: 0, data: get('/e'), ack: 169 },
      { d: 1, data: ok(204, '') },
    ]);
    expect(r.pairs).toEqual([
      ['/a', 200, []],
      ['/b', null, ['unanswered']],
      ['/c', null, ['unanswered']],
      ['/d', 404, []],
      ['/e', 204, []],
    ]);
    expect(r.lost).toBe(2);
  });

  it('a request sent after the next response began is not skipped over (ack > R)', () => {
    const r = uriStatus([
      { d: 0, data: get('/a'), ack: 0 },
      { d: 0, data: get('/b'), ack: 50 }, // the client got bytes 0..49 of a response we lost...
      { d: 1, gap: 50 },
      { d: 1, data: ok(404, 'x') }, // ...and this one starts at 50: it answers /b
      { d: 0, data: get('/c'), ack: 90 }, // sent after the 404 began: no evidence about /b
    ]);
    expect(r.pairs).toEqual([
      ['/a', null, ['unanswered']],
      ['/b', 404, []],
      ['/c', null, ['unanswered']],
    ]);
    expect(r.lost).toBe(1);
  });

  it('mixed: a non-pipelined step marks a loss, a pipelined pair stops the walk', () => {
    const r = uriStatus([
      { d: 0, data: get('/a'), ack: 0 },
      { d: 1, data: R1 },
      { d: 0, data: get('/b'), ack: 40 },
      { d: 0, data: get('/c'), ack: 90 },
      { d: 0, data: get('/d'), ack: 90 }, // pipelined after /c
      { d: 1, gap: 80 },
      { d: 1, data: ok(404, 'x') + ok(204, '') }, // offset 120
    ]);
    expect(r.pairs).toEqual([
      ['/a', 200, []],
      ['/b', null, ['unanswered']],
      ['/c', 404, []],
      ['/d', 204, []],
    ]);
    expect(r.lost).toBe(1);
  });

  it('unknown ACKs (-1) leave FIFO pairing alone', () => {
    const r = uriStatus([
      { d: 0, data: get('/a') },
      { d: 1, data: R1 },
      { d: 0, data: get('/b') },
      { d: 0, data: get('/c') },
      { d: 1, gap: 90 },
      { d: 1, data: ok(404, 'x') },
    ]);
    expect(r.pairs).toEqual([
      ['/a', 200, []],
      ['/b', 404, []],
      ['/c', null, ['unanswered']],
    ]);
    expect(r.lost).toBe(0);
  });

  it('the lost region starts where a Content-Length body ended inside the gap, not at the gap start', () => {
    // R_A: 39 header bytes + 100 body bytes (offsets 0..138); 30 body bytes captured (0..68), then a gap of 110
    // (the rest of R_A, 69..138, and 40 lost bytes 139..178); the next response starts at 179.
    const head = 'HTTP/1.1 200 X\r\nContent-Length: 100\r\n\r\n';
    expect(head.length).toBe(39);
    const steps: Step[] = [
      { d: 0, data: get('/a'), ack: 0 },
      { d: 0, data: get('/b'), ack: 0 }, // pipelined
      { d: 1, data: head + 'b'.repeat(30) },
      { d: 0, data: get('/c'), ack: 118 }, // sent while R_A's body was still arriving (118 < 139)
      { d: 1, gap: 110 },
      { d: 1, data: ok(404, 'x') },
    ];
    // bytes 139.. arrived after /c was sent: no evidence that /b's answer was lost
    expect(uriStatus(steps).pairs).toEqual([
      ['/a', 200, ['gap']],
      ['/b', 404, []],
      ['/c', null, ['unanswered']],
    ]);
    // the same with /c sent after bytes of the lost region arrived (139 < ack 160 ≤ 179): /b's response was lost
    (steps[3] as { ack: number }).ack = 160;
    const r = uriStatus(steps);
    expect(r.pairs).toEqual([
      ['/a', 200, ['gap']],
      ['/b', null, ['unanswered']],
      ['/c', 404, []],
    ]);
    expect(r.lost).toBe(1);
  });
});
