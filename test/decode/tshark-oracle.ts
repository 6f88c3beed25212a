/**
 * Test helper: run tshark on a capture and return, for every frame in which
 * tshark dissects a TCP header (not inside an ICMP error), the innermost
 * 5-tuple, raw sequence number, TCP length and encapsulation ids. tshark
 * reassembles IP fragments by default, so a fragmented segment shows on the
 * frame that completed its datagram, as with our decoder.
 */
import { execFileSync } from 'node:child_process';

export interface OracleRow {
  frame: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seqRaw: number;
  tcpLen: number;
  /** ieee8021ad.id values then vlan.id values, in dissection order. */
  vlanIds: number[];
  /** First of vxlan.vni, geneve.vni, erspan.spanid, gtp.teid, gre.key present, or -1. */
  tunnelIds: Record<string, number>;
}

const FIELDS = [
  'frame.number', 'frame.protocols', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst',
  'tcp.srcport', 'tcp.dstport', 'tcp.seq_raw', 'tcp.len',
  'ieee8021ad.id', 'vlan.id', 'vxlan.vni', 'geneve.vni', 'erspan.spanid', 'gtp.teid', 'gre.key',
];

export function tsharkAvailable(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * tshark preference matching a decoder default: Teredo is also found on
 * ports other than 3544 (our DecoderOptions.teredoHeuristic, on by default).
 */
export const TEREDO_HEURISTIC_PREF = 'teredo.heuristic_teredo:TRUE';

/** The exact tshark invocation the expected values come from (quoted in failures). */
export function tsharkArgs(file: string): string[] {
  const args = ['-n', '-r', file, '-o', TEREDO_HEURISTIC_PREF, '-Y', 'tcp && !icmp && !icmpv6', '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,'];
  for (const f of FIELDS) args.push('-e', f);
  return args;
}

/**
 * Rows for frames whose TCP header tshark dissected; `malformed` lists the
 * frames where tshark started a TCP header but could not compute tcp.len
 * (data offset under 20 or past the segment, segment shorter than a header).
 */
export function tsharkTcpFrames(file: string): { rows: OracleRow[]; malformed: number[] } {
  const text = execFileSync('tshark', tsharkArgs(file), { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  const rows: OracleRow[] = [];
  const malformed: number[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const col = line.split('\t');
    const get = (name: string): string[] => {
      const v = col[FIELDS.indexOf(name)] ?? '';
      return v === '' ? [] : v.split(',');
    };
    const last = (name: string): string => {
      const v = get(name);
      return v[v.length - 1] ?? '';
    };
    if (last('tcp.len') === '') {
      malformed.push(Number(col[0]));
      continue;
    }
    const protocols = col[1]!.split(':');
    const innermostV6 = protocols.lastIndexOf('ipv6') > protocols.lastIndexOf('ip');
    const tunnelIds: Record<string, number> = {};
    for (const f of ['vxlan.vni', 'geneve.vni', 'erspan.spanid', 'gtp.teid', 'gre.key']) {
      const v = get(f);
      if (v.length > 0) tunnelIds[f] = Number(v[0]);
    }
    rows.push({
      frame: Number(col[0]),
      src: innermostV6 ? normalizeIpv6(last('ipv6.src')) : last('ip.src'),
      dst: innermostV6 ? normalizeIpv6(last('ipv6.dst')) : last('ip.dst'),
      srcPort: Number(last('tcp.srcport')),
      dstPort: Number(last('tcp.dstport')),
      seqRaw: Number(last('tcp.seq_raw')),
      tcpLen: Number(last('tcp.len')),
      vlanIds: [...get('ieee8021ad.id'), ...get('vlan.id')].map(Number),
      tunnelIds,
    });
  }
  return { rows, malformed };
}

/**
 * Raw field values: one array per displayed frame, one string per field
 * (`occurrence=a`, values joined by ','). `tshark -n -r FILE -Y FILTER -T
 * fields -e F...` with optional `-o` preferences.
 */
export function tsharkFields(file: string, filter: string, fields: string[], prefs: string[] = []): string[][] {
  const args = ['-n', '-r', file, '-Y', filter, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,'];
  for (const p of prefs) args.push('-o', p);
  for (const f of fields) args.push('-e', f);
  const text = execFileSync('tshark', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  return text.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

/** RFC 5952 text form of an IPv6 address, via the WHATWG URL host serializer. */
export function normalizeIpv6(text: string): string {
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

/** Text form of a 16-byte address buffer as DecodedPacket holds it. */
export function addressText(addr: Uint8Array, version: 4 | 6): string {
  if (version === 4) return `${addr[0]}.${addr[1]}.${addr[2]}.${addr[3]}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((addr[i]! << 8) | addr[i + 1]!).toString(16));
  return normalizeIpv6(groups.join(':'));
}
