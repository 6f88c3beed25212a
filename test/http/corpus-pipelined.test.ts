/**
 * Real-world check on a peer capture: the Zeek test trace
 * `pipelined-requests` (5 pipelined GETs, gzip and image responses). The
 * per-direction bytes come from `tshark -q -z follow,tcp,raw,0` (one line per
 * segment, in capture order; server lines start with a tab); oracles are
 * tshark.tsv (methods, URIs, status codes, Content-Length) and Zeek's http.log
 * (response_body_len, which Zeek counts AFTER gzip decoding).
 *
 * Needs the shared corpus folder (../shared/corpus beside the repo) and
 * tshark; skipped with a message otherwise.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { run } from './harness.js';
import type { Step } from './harness.js';

const CASE = join(fileURLToPath(new URL('.', import.meta.url)), '../../../shared/corpus/zeek/pipelined-requests');
const PCAP = join(CASE, 'pipelined-requests.pcap');
const haveTshark = (() => {
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const available = existsSync(PCAP) && haveTshark;
if (!available) console.warn(`corpus-pipelined: skipped (needs ${PCAP} and tshark)`);

describe.skipIf(!available)('zeek pipelined-requests capture', () => {
  it('methods, URIs, statuses and body lengths match tshark and Zeek', () => {
    const out = execFileSync('tshark', ['-r', PCAP, '-q', '-z', 'follow,tcp,raw,0'], { encoding: 'utf8' });
    const steps: Step[] = [];
    for (const line of out.split('\n')) {
      const m = /^(\t?)([0-9a-f]+)$/.exec(line);
      if (m) steps.push({ d: m[1] === '\t' ? 1 : 0, data: Buffer.from(m[2]!, 'hex'), ts: 1258577594 });
    }
    const r = run(steps, {}, { clientIp: '192.168.1.104', clientPort: 1673, serverIp: '63.245.209.11', serverPort: 80 });

    const tsv = readFileSync(join(CASE, 'tshark.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
    const requests = tsv.filter((c) => c[7] !== '').map((c) => ({ method: c[7], uri: c[8], host: c[9] }));
    const responses = tsv.filter((c) => c[10] !== '').map((c) => ({ status: Number(c[10]), contentLength: Number(c[11]) }));
    const zeek = readFileSync(join(CASE, 'http.log'), 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => l.split('\t'));
    const zeekBodyLen = zeek.map((c) => Number(c[15]));

    expect(requests.length).toBe(5);
    expect(r.records.map((x) => ({ method: x.method, uri: x.uri, host: x.host }))).toEqual(requests);
    expect(r.records.map((x) => ({ status: x.status, contentLength: x.responseBodyLength }))).toEqual(responses);
    // Zeek's response_body_len is the decoded size: ours is responseBodyDecodedLength when gzip, else the wire length.
    expect(r.records.map((x) => x.responseBodyDecodedLength ?? x.responseBodyLength)).toEqual(zeekBodyLen);
    expect(r.records.map((x) => [x.transDepth, x.clientIp, x.serverPort, x.flags])).toEqual(
      [0, 1, 2, 3, 4].map((k) => [k, '192.168.1.104', 80, []]),
    );
    expect(r.events).toEqual({});
  });
});
