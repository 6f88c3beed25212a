/**
 * Reassembly of real captures, compared byte for byte with TShark's
 * `follow,tcp,raw` output (fixtures/README.md says how the oracles were made).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TcpReassembler } from '../../src/reassembly/tcp-reassembler.js';
import { EventCounter } from '../../src/stats/event-counter.js';
import { parseFollowRaw, readTcpPackets } from './pcap-test-reader.js';
import { Recorder } from './recording-handler.js';

const here = dirname(fileURLToPath(import.meta.url));
const corpus = resolve(here, '../../../shared/corpus');

function run(pcap: string) {
  const recorder = new Recorder();
  const events = new EventCounter();
  const r = new TcpReassembler(recorder.factory, events);
  let last = { tsSec: 0, tsNsec: 0, packetIndex: 0, peerAckOffset: -1 };
  readTcpPackets(resolve(corpus, pcap), (pkt, ctx) => {
    r.process(pkt, ctx);
    last = { ...ctx };
  });
  r.flushAll(last);
  return { recorder, events, stats: r.stats() };
}

const hex = (bytes: number[]): string => Buffer.from(bytes).toString('hex');

describe.skipIf(!existsSync(corpus))('real captures vs tshark follow,tcp,raw', () => {
  it('zeek/get/get.pcap: both directions byte-exact, closed by FIN', () => {
    const oracle = parseFollowRaw(readFileSync(resolve(here, 'fixtures/get.follow-raw.txt'), 'utf8'));
    const { recorder, events, stats } = run('zeek/get/get.pcap');
    expect(recorder.connections).toHaveLength(1);
    const c = recorder.connections[0]!;
    expect(`${c.info.clientIp}:${c.info.clientPort}`).toBe(oracle.node0);
    expect(`${c.info.serverIp}:${c.info.serverPort}`).toBe(oracle.node1);
    expect(c.info.uid).toBe('C0');
    expect(c.info.midstream).toBe(false);
    expect(hex(c.raw[0])).toBe(oracle.hex[0]);
    expect(hex(c.raw[1])).toBe(oracle.hex[1]);
    // Sizes from Zeek's conn.log for this trace: orig_bytes 136, resp_bytes 5007.
    expect(c.raw[0].length).toBe(136);
    expect(c.raw[1].length).toBe(5007);
    expect(c.calls.filter((x) => x.kind === 'gap')).toEqual([]);
    expect(c.closed).toBe('fin');
    // Packet 13 (index 12) is the server's FIN, the second FIN: the close happens there.
    expect(c.calls.at(-1)).toEqual({ kind: 'close', reason: 'fin', packetIndex: 12 });
    expect(events.toJSON()).toEqual({});
    expect(stats.gaps).toBe(0);
    expect(stats.lateSegments).toBe(1); // packet 14, the last ACK, hits the tombstone
  });

  it('arkime/wireshark-retrans.pcap: every segment seen up to 4 times, delivered once', () => {
    const oracle = parseFollowRaw(readFileSync(resolve(here, 'fixtures/wireshark-retrans.follow-raw.txt'), 'utf8'));
    const { recorder, events, stats } = run('arkime/wireshark-retrans/wireshark-retrans.pcap');
    expect(recorder.connections).toHaveLength(1);
    const c = recorder.connections[0]!;
    expect(`${c.info.clientIp}:${c.info.clientPort}`).toBe(oracle.node0);
    expect(`${c.info.serverIp}:${c.info.serverPort}`).toBe(oracle.node1);
    expect(hex(c.raw[0])).toBe(oracle.hex[0]);
    expect(hex(c.raw[1])).toBe(oracle.hex[1]);
    // tshark: client Seq=5223 at its FIN (5222 data bytes), server Seq=577 at its FIN (576 bytes).
    expect(c.raw[0].length).toBe(5222);
    expect(c.raw[1].length).toBe(576);
    expect(c.calls.filter((x) => x.kind === 'gap')).toEqual([]);
    expect(c.closed).toBe('fin');
    // Packet 100 (index 99) is the server's first FIN.
    expect(c.calls.at(-1)).toEqual({ kind: 'close', reason: 'fin', packetIndex: 99 });
    expect(events.toJSON()).toEqual({}); // duplicates carry identical bytes: no overlap_inconsistent
    expect(stats.connectionsTotal).toBe(1);
    // tshark -Y 'tcp.len>0 && (tcp.analysis.retransmission || tcp.analysis.fast_retransmission
    //   || tcp.analysis.spurious_retransmission)' lists 36 frames (of 48 with payload).
    expect(stats.retransmittedSegments).toBe(36);
    // Packets 101-108 arrive after the close (tombstone).
    expect(stats.lateSegments).toBe(8);
  });

  it('suricata-verify bug-3286 Linux evasion: an RST the client ignored does not hide the HTTP exchange', () => {
    const oracle = parseFollowRaw(readFileSync(resolve(here, 'fixtures/with_evasion_linux.follow-raw.txt'), 'utf8'));
    const { recorder, events } = run('suricata-verify/bug-3286-02-linux-evasion/with_evasion_linux.pcap');
    // Packet 2 (index 1) is the server's RST: the first connection closes there.
    expect(recorder.connections.map((c) => [c.info.uid, c.closed])).toEqual([['C0', 'rst'], ['C4', 'end']]);
    expect(recorder.connections[0]!.calls).toEqual([{ kind: 'close', reason: 'rst', packetIndex: 1 }]);
    // Packet 5 (index 4), a SYN-ACK after the RSTs, starts a new connection that tshark's stream 0 covers.
    const c = recorder.connections[1]!;
    expect(`${c.info.clientIp}:${c.info.clientPort}`).toBe(oracle.node0);
    expect(`${c.info.serverIp}:${c.info.serverPort}`).toBe(oracle.node1);
    expect(c.info.midstream).toBe(false);
    expect(hex(c.raw[0])).toBe(oracle.hex[0]);
    expect(hex(c.raw[1])).toBe(oracle.hex[1]);
    expect(events.toJSON()).toEqual({ 'tcp.data_after_reset': 1 });
  });
});
