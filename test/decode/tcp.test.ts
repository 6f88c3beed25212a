/**
 * TCP header fields against tshark: MSS and window-scale options on every SYN
 * of a few corpus captures, and payload / wire lengths on a capture re-cut to
 * an 80-byte snap length with editcap (the payload is what is present, the
 * wire length comes from the IP header).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeCapture } from './decode-capture.js';
import { corpusFile, haveOracle } from './corpus.js';
import { tsharkFields } from './tshark-oracle.js';

const dir = mkdtempSync(join(tmpdir(), 'decode-tcp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!haveOracle)('TCP options equal tshark on every SYN', () => {
  const cases: Array<[string, string]> = [
    ['zeek/get', 'get.pcap'],
    ['arkime/v6-http', 'v6-http.pcap'],
    ['suricata-verify/tcp-fastopen-01', 'tfo.pcap'],
    ['zeek/vxlan-encapsulated-http', 'vxlan-encapsulated-http.pcap'],
    ['arkime/arkime_synthetic', 'arkime_synthetic.pcap'],
  ];
  for (const [caseDir, name] of cases) {
    it(caseDir, () => {
      const path = corpusFile(caseDir, name);
      const expected = tsharkFields(path, 'tcp.flags.syn == 1 && !icmp', ['frame.number', 'tcp.options.mss_val', 'tcp.options.wscale.shift'])
        .map((c) => `${c[0]} ${c[1] || 0} ${c[2] || -1}`);
      expect(expected.length).toBeGreaterThan(0);
      const { frames } = decodeCapture(path);
      const actual = expected.map((e) => {
        const f = frames[Number(e.split(' ')[0]) - 1]!;
        return `${f.frame} ${f.mss} ${f.windowScale}`;
      });
      expect(actual).toEqual(expected);
    });
  }
});

describe.skipIf(!haveOracle)('snap length: payload present vs wire length', () => {
  it('zeek/get cut to 80 bytes per frame (editcap -F pcap -s 80)', () => {
    const cut = join(dir, 'get-snap80.pcap');
    execFileSync('editcap', ['-F', 'pcap', '-s', '80', corpusFile('zeek/get', 'get.pcap'), cut]);
    // Present payload = captured - Ethernet (14) - IP header - TCP header.
    const expected = tsharkFields(cut, 'tcp', ['frame.number', 'tcp.len', 'frame.cap_len', 'ip.hdr_len', 'tcp.hdr_len'])
      .map((c) => `${c[0]} ${c[1]} ${Math.min(Number(c[1]), Number(c[2]) - 14 - Number(c[3]) - Number(c[4]))}`);
    const { tcp, events } = decodeCapture(cut);
    expect(tcp.map((f) => `${f.frame} ${f.payloadWireLength} ${f.payloadLength}`)).toEqual(expected);
    const truncated = expected.filter((e) => {
      const [, wire, present] = e.split(' ');
      return Number(present) < Number(wire);
    }).length;
    expect(truncated).toBeGreaterThan(0);
    expect(events['decode.tcp_truncated_payload']).toBe(truncated);
  });
});
