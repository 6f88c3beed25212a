import { describe, expect, it } from 'vitest';
import { classifyStartLine, MessageKind } from '../../src/http/start-line.js';
import { packetTime } from '../../src/http/transaction-builder.js';
import { run } from './harness.js';

const kind = (s: string): number => {
  const b = Buffer.from(s, 'latin1');
  return classifyStartLine(b, 0, b.length);
};

describe('classifyStartLine (RFC 9112 §3, §4)', () => {
  it.each([
    ['GET / HTTP/1.1', MessageKind.REQUEST],
    ['GET / HTTP/1.1\r', MessageKind.REQUEST],
    ['M-SEARCH * HTTP/1.1', MessageKind.REQUEST],
    ['CONNECT a:443 HTTP/1.0', MessageKind.REQUEST],
    ['HTTP/1.1 200 OK', MessageKind.RESPONSE],
    ['HTTP/1.0 404', MessageKind.RESPONSE],
    ['HTTP/1.1 200', MessageKind.RESPONSE],
    ['FOO / HTTP/1.1', MessageKind.NONE], // unknown method
    ['get / HTTP/1.1', MessageKind.NONE],
    ['GET /a b HTTP/1.1', MessageKind.REQUEST], // tshark: request, uri /a (ndpi WebattackRCE stream 534)
    ['GET  / HTTP/1.1', MessageKind.NONE],
    ['GET /', MessageKind.NONE],
    ['GET / HTTP/1.1 x', MessageKind.NONE],
    ['http/1.1 200 OK', MessageKind.NONE],
    ['HTTP/1.1 20 OK', MessageKind.NONE],
    ['HTTP/1.1 2000', MessageKind.NONE],
    ['', MessageKind.NONE],
  ])('%j → %i', (line, k) => expect(kind(line)).toBe(k));
});

describe('record envelope', () => {
  it('packet time is rounded to the microsecond', () => {
    expect(packetTime(1258577594, 123456789)).toBe(1258577594.123457);
    expect(packetTime(1258577594, 999999600)).toBe(1258577595);
    expect(packetTime(0, 0)).toBe(0);
  });

  it('VLAN ids and tunnel kind come from the connection info', () => {
    const r = run([{ d: 0, data: 'GET / HTTP/1.1\r\n\r\n' }], {}, { vlanOuter: 100, vlanInner: 200, tunnelKind: 1, tunnelId: 4242 });
    expect([r.records[0]!.vlan, r.records[0]!.tunnel]).toEqual([[100, 200], { kind: 'vxlan', id: 4242 }]);
  });
});
