/**
 * The PACKET_FANOUT_CBPF program of `--capture-mode afpacket`: a classic BPF
 * program the kernel runs on every packet of the fanout group; the socket
 * that receives the packet is `return value % sockets`
 * (net/packet/af_packet.c, fanout_demux_bpf). It returns a SYMMETRIC hash of
 * the innermost IP addresses and TCP/UDP ports, so both directions of a
 * connection reach the same worker even when they arrive in a mirror tunnel
 * whose outer header differs per direction (VXLAN and GENEVE put a hash of
 * the inner flow, per direction, into the outer UDP source port: RFC 7348 §5,
 * RFC 8926 §3.3), and the connections of one GRE/ERSPAN mirror session (one
 * outer address pair for everything) spread over the workers.
 *
 * What it parses, in order (one level of decapsulation):
 *
 *   link: Ethernet (≤ 2 VLAN tags, 0x8100 / 0x88a8; LLC/SNAP) | raw IP (ARPHRD_NONE: tun)
 *   IPv4 (IHL honoured) | IPv6 (+ up to 3 hop-by-hop / routing / destination
 *     options / atomic fragment headers)
 *   outer only — UDP dst (then src) port in vxlanPorts  → VXLAN (8 bytes) → Ethernet
 *                                       in genevePorts → GENEVE (8 + opt len × 4) → Ethernet | IPv4 | IPv6
 *                                       in greUdpPorts → GRE (RFC 8086)
 *              — IP protocol 47 GRE version 0, no routing (C/K/S words skipped) →
 *                  0x6558 Ethernet | 0x0800 / 0x86DD IP |
 *                  0x88BE ERSPAN II (S set: 8-byte header; S clear: type I, Ethernet directly) |
 *                  0x22EB ERSPAN III (12 bytes + 8 when O is set; frame type 0 Ethernet, 2 IP)
 *   inner: the same link/IP parsing, TCP/UDP ports, no further tunnel
 *
 * These are the decoder's rules (src/decode/gre.ts, erspan.ts, geneve.ts,
 * vxlan.ts, udp.ts), so the program and the worker's decoder agree on which
 * header is innermost.
 *
 * Hash: addr = XOR of the 32-bit words of source and destination address
 * (IPv4: 2 words, IPv6: 8); ports = srcPort XOR dstPort for TCP and UDP,
 * else 0; h = murmur3 fmix32(addr XOR ports) (src/flow/murmur3.ts). XOR makes
 * it symmetric. Degraded cases, each still symmetric:
 *   - IP fragments (IPv4 MF or offset ≠ 0; an IPv6 fragment header that is
 *     not atomic), other IP protocols, a 4th IPv6 extension header: addresses only. Outer IPv4 fragments never
 *     get here: the group keeps PACKET_FANOUT_FLAG_DEFRAG, which reassembles
 *     them before the program runs. Fragmented INNER packets (rare: tunnels
 *     are set up with a large underlay MTU) may reach another worker than the
 *     rest of their connection.
 *   - a tunnel the program does not open (GRE with routing or version ≠ 0,
 *     ERSPAN III other frame types): the outer addresses.
 *   - not IP (ARP, MPLS, 3 VLAN tags...): fmix32 of the ethertype / version nibble.
 *   - a load past the end of the packet ends the program with 0 (cBPF rule):
 *     truncated packets go to socket 0.
 * The tunnel id (VNI, ERSPAN session) is left out: an ERSPAN or GRE source
 * may use one session per direction, and affinity only needs the hash to be
 * the same for both directions; two tenants with the same inner 5-tuple land
 * on the same worker, where their flow keys (which carry the tunnel id) still
 * keep them apart.
 *
 * Addressing: every load is relative to SKF_LL_OFF (the MAC header). The
 * fanout hook runs before af_packet pushes the link header back: for received
 * packets skb->data points at the network header, for outgoing ones at the
 * MAC header (measured on veth, Linux 6.x), so offsets from skb->data would
 * differ by direction. Kernels before 6.15 serve SKF_LL_OFF loads from the
 * linear part of the skb only; a load into paged data then returns 0.
 */
import { Bpf, CbpfAssembler, SKF_AD_HATYPE, SKF_AD_OFF, SKF_LL_OFF, type CbpfInstruction } from './cbpf-assembler.js';

export interface FanoutProgramOptions {
  /** UDP ports carrying VXLAN (default [4789]; the decoder's `vxlanPorts`). At most 16. */
  vxlanPorts?: readonly number[];
  /** UDP ports carrying GENEVE (default [6081]; the decoder's `genevePorts`). At most 16. */
  genevePorts?: readonly number[];
  /** UDP ports carrying GRE (default [4754]; the decoder's `greUdpPorts`). At most 16. */
  greUdpPorts?: readonly number[];
}

/** Scratch words. */
const M_ADDR = 0;
const M_PORTS = 1;
const M_TMP = 2;
const M_OFF = 3;
const M_GRE_FLAGS = 4;
const M_GRE_NEXT = 5;

const ARPHRD_NONE = 0xfffe;
const ETH_HEADER = 14;
const VLAN_TAG = 4;
const MAX_VLAN_TAGS = 2;
/** Smallest ethertype; smaller values are an 802.3 length (IEEE 802.3 §3.2.6). */
const ETH_MIN_ETHERTYPE = 0x0600;
/** DSAP AA, SSAP AA, control 03, OUI (3), ethertype (2) (RFC 1042). */
const LLC_SNAP_HEADER = 8;
const IPV6_HEADER = 40;
const IPV6_FRAGMENT_HEADER = 8;
const ETHERTYPE = { IPV4: 0x0800, IPV6: 0x86dd, VLAN: 0x8100, QINQ: 0x88a8, TEB: 0x6558, ERSPAN2: 0x88be, ERSPAN3: 0x22eb } as const;
const IPPROTO = { HOPOPTS: 0, TCP: 6, UDP: 17, ROUTING: 43, IPV6_FRAGMENT: 44, GRE: 47, DSTOPTS: 60 } as const;
const IPV6_MAX_EXTENSIONS = 3;
const MAX_PORTS = 16;

const { LD, LDX, ST, STX, ALU, RET, MISC, W, H, B, IMM, IND, ABS, MEM } = Bpf;

/**
 * Builds the program (497 instructions with the default ports; BPF_MAXINSNS is 4096).
 * @throws RangeError when a port list is longer than 16 or holds a value outside 0..65535.
 */
export function buildFanoutProgram(options: FanoutProgramOptions = {}): CbpfInstruction[] {
  const ports = {
    vxlan: checkPorts('vxlanPorts', options.vxlanPorts ?? [4789]),
    geneve: checkPorts('genevePorts', options.genevePorts ?? [6081]),
    greUdp: checkPorts('greUdpPorts', options.greUdpPorts ?? [4754]),
  };
  const a = new CbpfAssembler();
  /** Load `size` at offset `off` from the header at X (the MAC header when X = 0). */
  const ldi = (size: number, off: number): CbpfAssembler => a.op(LD | size | IND, SKF_LL_OFF + off);
  /** X += n, M[OFF] = X (A is clobbered). */
  const advance = (n: number): CbpfAssembler => a.op(MISC | Bpf.TXA).op(ALU | Bpf.ADD | Bpf.K, n).op(MISC | Bpf.TAX).op(STX, M_OFF);

  // Prologue: every scratch word read later is written on every path first (the kernel's classic checker insists).
  a.op(LD | IMM, 0).op(ST, M_ADDR).op(ST, M_PORTS).op(ST, M_OFF).op(LDX | IMM, 0);
  a.op(LD | W | ABS, SKF_AD_OFF + SKF_AD_HATYPE).jeq(ARPHRD_NONE, 'raw', 'l2.0');
  a.label('raw');
  ipGuess(a, 0);

  for (const level of [0, 1]) {
    const L = `.${level}`;
    // Ethernet: X = start of the frame.
    a.label(`l2${L}`);
    ldi(H, 12).op(ST, M_TMP);
    advance(ETH_HEADER).op(LD | MEM, M_TMP);
    for (let tag = 1; tag <= MAX_VLAN_TAGS; tag++) {
      a.jeq(ETHERTYPE.VLAN, `tag${tag}${L}`).jeq(ETHERTYPE.QINQ, `tag${tag}${L}`, `et${L}`);
      a.label(`tag${tag}${L}`);
      ldi(H, 2).op(ST, M_TMP);
      advance(VLAN_TAG).op(LD | MEM, M_TMP);
    }
    // 802.3 length instead of an ethertype: LLC/SNAP (AA AA 03, OUI, ethertype) is opened, other LLC is not.
    a.label(`et${L}`);
    a.jump(Bpf.JMP | Bpf.JGE | Bpf.K, ETH_MIN_ETHERTYPE, `ip${L}`);
    ldi(H, 0).jeq(0xaaaa, null, `unk${L}`);
    ldi(B, 2).jeq(0x03, null, `unk${L}`);
    ldi(H, 6).op(ST, M_TMP);
    advance(LLC_SNAP_HEADER).op(LD | MEM, M_TMP);
    a.label(`ip${L}`);
    a.jeq(ETHERTYPE.IPV4, `ipv4${L}`).jeq(ETHERTYPE.IPV6, `ipv6${L}`, `unk${L}`);

    // IPv4 (RFC 791): X = header.
    a.label(`ipv4${L}`);
    ldi(W, 12).op(ST, M_ADDR);
    ldi(W, 16).op(LDX | MEM, M_ADDR).op(ALU | Bpf.XOR | Bpf.X).op(ST, M_ADDR).op(LDX | MEM, M_OFF);
    ldi(H, 6).jset(0x3fff, `final${L}`); // MF or fragment offset: addresses only
    ldi(B, 9).op(ST, M_TMP);
    ldi(B, 0).op(ALU | Bpf.AND | Bpf.K, 0x0f).op(ALU | Bpf.LSH | Bpf.K, 2).op(ALU | Bpf.ADD | Bpf.X).op(MISC | Bpf.TAX).op(STX, M_OFF);
    a.op(LD | MEM, M_TMP).ja(`l4${L}`);

    // IPv6 (RFC 8200 §3): X = header; next header taken as the transport.
    a.label(`ipv6${L}`);
    ldi(W, 8).op(ST, M_ADDR);
    for (let off = 12; off < 40; off += 4) ldi(W, off).op(LDX | MEM, M_ADDR).op(ALU | Bpf.XOR | Bpf.X).op(ST, M_ADDR).op(LDX | MEM, M_OFF);
    ldi(B, 6).op(ST, M_TMP);
    advance(IPV6_HEADER).op(LD | MEM, M_TMP);
    // Up to 3 extension headers (RFC 8200 §4): hop-by-hop, routing, destination options are skipped
    // by their length; the fragment header of an atomic fragment (offset 0, M clear; RFC 6946) too;
    // a real fragment: addresses only.
    for (let ext = 0; ext < IPV6_MAX_EXTENSIONS; ext++) {
      const E = `${L}.${ext}`;
      a.jeq(IPPROTO.HOPOPTS, `ext${E}`).jeq(IPPROTO.ROUTING, `ext${E}`).jeq(IPPROTO.DSTOPTS, `ext${E}`);
      a.jeq(IPPROTO.IPV6_FRAGMENT, null, `l4${L}`);
      ldi(H, 2).op(ALU | Bpf.AND | Bpf.K, 0xfff9).jeq(0, null, `final${L}`);
      ldi(B, 0).op(ST, M_TMP);
      advance(IPV6_FRAGMENT_HEADER).op(LD | MEM, M_TMP).ja(`next${E}`);
      a.label(`ext${E}`);
      ldi(B, 0).op(ST, M_TMP);
      ldi(B, 1).op(ALU | Bpf.ADD | Bpf.K, 1).op(ALU | Bpf.LSH | Bpf.K, 3).op(ALU | Bpf.ADD | Bpf.X).op(MISC | Bpf.TAX).op(STX, M_OFF);
      a.op(LD | MEM, M_TMP);
      a.label(`next${E}`);
    }

    // Transport: A = protocol, X = its header.
    a.label(`l4${L}`);
    a.jeq(IPPROTO.TCP, `ports${L}`);
    if (level === 0) {
      a.jeq(IPPROTO.GRE, 'gre.0').jeq(IPPROTO.UDP, null, 'final.0');
      emitUdpPortChecks(a, ldi, ports);
    } else a.jeq(IPPROTO.UDP, `ports${L}`, `final${L}`);
    a.label(`ports${L}`);
    ldi(H, 0).op(ST, M_PORTS);
    ldi(H, 2).op(LDX | MEM, M_PORTS).op(ALU | Bpf.XOR | Bpf.X).op(ST, M_PORTS);
    a.label(`final${L}`).ja('final');
    a.label(`unk${L}`).ja('unknown');

    if (level === 0) emitTunnels(a, ldi, advance);
  }

  // A = a protocol number we do not parse: hash it alone.
  a.label('unknown').op(ST, M_ADDR).op(LD | IMM, 0).op(ST, M_PORTS);
  // h = fmix32(addr ^ ports)
  a.label('final').op(LD | MEM, M_PORTS).op(LDX | MEM, M_ADDR).op(ALU | Bpf.XOR | Bpf.X);
  a.op(MISC | Bpf.TAX).op(ALU | Bpf.RSH | Bpf.K, 16).op(ALU | Bpf.XOR | Bpf.X).op(ALU | Bpf.MUL | Bpf.K, 0x85ebca6b);
  a.op(MISC | Bpf.TAX).op(ALU | Bpf.RSH | Bpf.K, 13).op(ALU | Bpf.XOR | Bpf.X).op(ALU | Bpf.MUL | Bpf.K, 0xc2b2ae35);
  a.op(MISC | Bpf.TAX).op(ALU | Bpf.RSH | Bpf.K, 16).op(ALU | Bpf.XOR | Bpf.X);
  a.op(RET | Bpf.A);
  return a.assemble();
}

/** IPv4 or IPv6 by the version nibble of the header at X (raw-IP links, ERSPAN III frame type 2). */
function ipGuess(a: CbpfAssembler, level: number): void {
  a.op(LD | B | IND, SKF_LL_OFF).op(ALU | Bpf.RSH | Bpf.K, 4);
  a.jeq(4, `ipv4.${level}`).jeq(6, `ipv6.${level}`).ja('unknown');
}

type Ldi = (size: number, off: number) => CbpfAssembler;

/** Outer UDP (X = its header): a tunnel port, destination first, then source (udp.ts), or fall through to the ports. */
function emitUdpPortChecks(a: CbpfAssembler, ldi: Ldi, ports: { vxlan: readonly number[]; geneve: readonly number[]; greUdp: readonly number[] }): void {
  for (const off of [2, 0]) {
    ldi(H, off);
    for (const p of ports.vxlan) a.jeq(p, 'vxlan.0');
    for (const p of ports.geneve) a.jeq(p, 'geneve.0');
    for (const p of ports.greUdp) a.jeq(p, 'greudp.0');
  }
}

/**
 * The outer level's tunnel headers; each continues at the inner level with
 * X = M[OFF] = the inner header and the ports reset; a header not opened
 * ends with the outer addresses.
 */
function emitTunnels(a: CbpfAssembler, ldi: Ldi, advance: (n: number) => CbpfAssembler): void {
  // VXLAN (RFC 7348 §5): UDP 8 + VXLAN 8, then Ethernet.
  a.label('vxlan.0');
  advance(16).op(LD | IMM, 0).op(ST, M_PORTS).ja('l2.1');

  // GENEVE (RFC 8926 §3.4): UDP 8 + 8 + options (6-bit length in 4-byte words); protocol type at +2.
  a.label('geneve.0');
  ldi(H, 8 + 2).op(ST, M_TMP);
  ldi(B, 8).op(ALU | Bpf.AND | Bpf.K, 0x3f).op(ALU | Bpf.LSH | Bpf.K, 2).op(ALU | Bpf.ADD | Bpf.K, 16).op(ALU | Bpf.ADD | Bpf.X);
  a.op(MISC | Bpf.TAX).op(STX, M_OFF).op(LD | IMM, 0).op(ST, M_PORTS).op(LD | MEM, M_TMP);
  a.jeq(ETHERTYPE.TEB, 'l2.1').jeq(ETHERTYPE.IPV4, 'ipv4.1').jeq(ETHERTYPE.IPV6, 'ipv6.1').ja('unknown');

  // GRE in UDP (RFC 8086): the GRE header follows the 8-byte UDP header.
  a.label('greudp.0');
  advance(8);

  // GRE (RFC 2784, RFC 2890): X = GRE header.
  a.label('gre.0');
  a.op(LD | IMM, 0).op(ST, M_PORTS);
  ldi(H, 0).op(ST, M_GRE_FLAGS);
  a.jset(0x4000, 'outer'); // routing present (RFC 1701): not opened
  a.op(ALU | Bpf.AND | Bpf.K, 0x0007).jeq(0, null, 'outer'); // version 0 only
  a.op(MISC | Bpf.TXA).op(ALU | Bpf.ADD | Bpf.K, 4).op(ST, M_GRE_NEXT);
  for (const [bit, name] of [[0x8000, 'c'], [0x2000, 'k'], [0x1000, 's']] as const) {
    a.op(LD | MEM, M_GRE_FLAGS).jset(bit, null, `gre.${name}`);
    a.op(LD | MEM, M_GRE_NEXT).op(ALU | Bpf.ADD | Bpf.K, 4).op(ST, M_GRE_NEXT);
    a.label(`gre.${name}`);
  }
  ldi(H, 2).op(LDX | MEM, M_GRE_NEXT).op(STX, M_OFF);
  a.jeq(ETHERTYPE.TEB, 'l2.1').jeq(ETHERTYPE.IPV4, 'ipv4.1').jeq(ETHERTYPE.IPV6, 'ipv6.1');
  a.jeq(ETHERTYPE.ERSPAN2, null, 'erspan3.0');
  // ERSPAN: sequence bit set → type II (8-byte header); clear → type I (Ethernet directly; Wireshark's rule).
  a.op(LD | MEM, M_GRE_FLAGS).jset(0x1000, null, 'l2.1');
  advance(8).ja('l2.1');
  a.label('erspan3.0');
  a.jeq(ETHERTYPE.ERSPAN3, null, 'outer');
  // ERSPAN III (draft-foschiano-erspan-03 §4.2): SGT | P FT(5) HW ID(6) D Gra(2) O at +8..+11.
  ldi(H, 10).op(ST, M_TMP);
  advance(12).op(LD | MEM, M_TMP).jset(0x0001, null, 'erspan3.ft');
  advance(8);
  a.label('erspan3.ft');
  a.op(LD | MEM, M_TMP).op(ALU | Bpf.RSH | Bpf.K, 10).op(ALU | Bpf.AND | Bpf.K, 0x1f);
  a.jeq(0, 'l2.1').jeq(2, null, 'outer');
  ipGuess(a, 1);
  a.label('outer').ja('final');
}

function checkPorts(name: string, list: readonly number[]): readonly number[] {
  if (list.length > MAX_PORTS) throw new RangeError(`fanout program: at most ${MAX_PORTS} ${name}, got ${list.length}`);
  for (const p of list) if (!Number.isInteger(p) || p < 0 || p > 65535) throw new RangeError(`fanout program: bad port in ${name}: ${p}`);
  return [...new Set(list)];
}
