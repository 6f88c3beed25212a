/**
 * Main-thread packet decoder: RawFrame → DecodedPacket (innermost TCP
 * segment), following gopacket's DecodingLayerParser habit: one reused
 * output object, one reused cursor, a result code, no exceptions, and no
 * allocation per packet on the common path (the payload view aside).
 *
 *   link layer ─► [VLAN* | MPLS | PPPoE/PPP | LLC/SNAP]* ─► IPv4/IPv6 (+ext, defrag)
 *        ▲                                                        │
 *        └── Ethernet ◄── GRE/ERSPAN, VXLAN, GENEVE ◄── UDP/GRE ◄─┤── IP-in-IP ─► IP
 *                         Teredo, AYIYA, GTP-U ───────► IP        └── TCP ─► DecodedPacket
 *
 * Flow-key policy: the outermost tunnel's kind is recorded on every packet,
 * but its id only when it names a tenant or mirror session, the same in both
 * directions (VXLAN VNI, GENEVE VNI, ERSPAN II/III session id). GRE keys, GTP
 * TEIDs, MPLS labels, Teredo, AYIYA and IP-in-IP record id 0: directional
 * identifiers are not part of the flow key (a GRE key or TEID chosen by each
 * receiver would put requests and responses in different flows).
 */
import type { RawFrame } from '../capture/raw-frame.js';
import { LinkType } from '../capture/raw-frame.js';
import { UsageError } from '../errors.js';
import type { EventCounter } from '../stats/event-counter.js';
import { decodeAyiya } from './ayiya.js';
import { decodeCiscoHdlc } from './cisco-hdlc.js';
import { DecodeEvent } from './decode-event.js';
import { DecodedPacket, DecodeResult } from './decoded-packet.js';
import { decodeErspan2, decodeErspan3 } from './erspan.js';
import { nextForEtherType } from './ether-type.js';
import { decodeEthernet } from './ethernet.js';
import { decodeGeneve } from './geneve.js';
import { decodeGre } from './gre.js';
import { decodeGtpU } from './gtp-u.js';
import { decodeRadiotap, decodeWlan } from './ieee80211.js';
import { IpDefragmenter, type IpDefragmenterStats } from './ip-defrag.js';
import { guessIpVersion } from './ip-guess.js';
import { nextForIpProto } from './ip-proto.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6, decodeIpv6Extension } from './ipv6.js';
import { LayerCursor } from './layer-cursor.js';
import { decodeLlc } from './llc-snap.js';
import { decodeMpls } from './mpls.js';
import { Next } from './next-layer.js';
import { decodeNflog } from './nflog.js';
import { decodeNullLoopback } from './null-loopback.js';
import { decodePpp } from './ppp.js';
import { decodePppoe } from './pppoe.js';
import { decodeSll, decodeSll2 } from './sll.js';
import { decodeTcp } from './tcp.js';
import { decodeTeredo } from './teredo.js';
import { decodeUdp } from './udp.js';
import { decodeVlan } from './vlan.js';
import { decodeVxlan } from './vxlan.js';

export interface DecoderOptions {
  /** IP fragment reassembly: max datagrams in flight (default 4096). */
  maxFragmentDatagrams?: number;
  /** IP fragment reassembly: max fragment payload bytes buffered in total (default 32 MiB). */
  maxFragmentBytes?: number;
  /** IP fragment reassembly: incomplete datagram timeout, packet-time seconds (default 30). */
  fragmentTimeoutSec?: number;
  /** UDP ports carrying VXLAN (default [4789]). */
  vxlanPorts?: number[];
  /** UDP ports carrying GENEVE (default [6081]). */
  genevePorts?: number[];
  /** UDP ports carrying Teredo (default [3544]). */
  teredoPorts?: number[];
  /** UDP ports carrying AYIYA (default [5072]). */
  ayiyaPorts?: number[];
  /** UDP ports carrying GTP-U (default [2152]). */
  gtpuPorts?: number[];
  /** UDP ports carrying GRE-in-UDP, RFC 8086 (default [4754]). */
  greUdpPorts?: number[];
  /**
   * Decapsulate Teredo on UDP ports not listed above when the payload passes
   * the strict heuristic of teredo-heuristic.ts (default true; counts
   * `decode.teredo_heuristic`). Teredo relays and peers use arbitrary ports.
   */
  teredoHeuristic?: boolean;
  /** Most layers followed in one frame before giving up (default 32; `decode.too_many_layers`). */
  maxLayers?: number;
}

export const DEFAULT_DECODER_OPTIONS: Readonly<Required<DecoderOptions>> = Object.freeze({
  maxFragmentDatagrams: 4096,
  maxFragmentBytes: 32 * 1024 * 1024,
  fragmentTimeoutSec: 30,
  vxlanPorts: [4789],
  genevePorts: [6081],
  teredoPorts: [3544],
  ayiyaPorts: [5072],
  gtpuPorts: [2152],
  greUdpPorts: [4754],
  teredoHeuristic: true,
  maxLayers: 32,
});

export type DecoderStats = IpDefragmenterStats;

export class PacketDecoder {
  readonly #events: EventCounter;
  readonly #defrag: IpDefragmenter;
  readonly #udpPortTable = new Uint8Array(65536);
  readonly #maxLayers: number;
  readonly #teredoHeuristic: boolean;
  /** Cursor bound to the packet passed to the latest decode(); rebuilt when the caller switches packets. */
  #cursor: LayerCursor | null = null;

  /**
   * @throws UsageError when an option is not a positive integer (fragment
   *   timeout: a positive number; teredoHeuristic: a boolean) or a port is
   *   outside 0..65535.
   */
  constructor(events: EventCounter, options: DecoderOptions = {}) {
    const o = { ...DEFAULT_DECODER_OPTIONS, ...options };
    positiveInteger('maxFragmentDatagrams', o.maxFragmentDatagrams);
    positiveInteger('maxFragmentBytes', o.maxFragmentBytes);
    positiveInteger('maxLayers', o.maxLayers);
    if (!(o.fragmentTimeoutSec > 0)) throw new UsageError(`decoder option fragmentTimeoutSec must be > 0, got ${o.fragmentTimeoutSec}`);
    this.#events = events;
    this.#maxLayers = o.maxLayers;
    if (typeof o.teredoHeuristic !== 'boolean') throw new UsageError(`decoder option teredoHeuristic must be a boolean, got ${String(o.teredoHeuristic)}`);
    this.#teredoHeuristic = o.teredoHeuristic;
    this.#defrag = new IpDefragmenter(
      Object.freeze({ maxDatagrams: o.maxFragmentDatagrams, maxBytes: o.maxFragmentBytes, timeoutSec: o.fragmentTimeoutSec }),
    );
    const ports: Array<[string, number[], number]> = [
      ['vxlanPorts', o.vxlanPorts, Next.VXLAN],
      ['genevePorts', o.genevePorts, Next.GENEVE],
      ['teredoPorts', o.teredoPorts, Next.TEREDO],
      ['ayiyaPorts', o.ayiyaPorts, Next.AYIYA],
      ['gtpuPorts', o.gtpuPorts, Next.GTPU],
      ['greUdpPorts', o.greUdpPorts, Next.GRE],
    ];
    for (const [name, list, next] of ports) {
      for (const port of list) {
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`decoder option ${name}: bad UDP port ${port}`);
        this.#udpPortTable[port] = next;
      }
    }
  }

  /**
   * Decodes one frame into `out`. Returns a DecodeResult. Malformed/truncated/
   * unsupported input increments a named event in `events` and returns
   * MALFORMED/UNSUPPORTED/NOT_TCP. Never throws. out.payload may point into
   * frame.data or into a defragmentation buffer owned by the decoder: valid
   * until the next decode() call. On any result other than TCP the fields of
   * `out` are partly filled and meaningless.
   */
  decode(frame: RawFrame, out: DecodedPacket): DecodeResult {
    let c = this.#cursor;
    if (c === null || c.out !== out) {
      c = new LayerCursor(this.#events, out, this.#defrag, this.#udpPortTable);
      c.teredoHeuristic = this.#teredoHeuristic;
      this.#cursor = c;
    }
    const data = frame.data;
    const captured = Math.min(data.length, frame.capturedLength);
    const cut = frame.originalLength > captured ? frame.originalLength - captured : 0;
    c.reset(data, captured, cut);
    c.nowSec = frame.tsSec + frame.tsNsec / 1e9;
    out.frameLength = frame.originalLength;
    out.vlanOuter = 0;
    out.vlanInner = 0;
    out.tunnelKind = 0;
    out.tunnelId = 0;
    this.#defrag.expire(c.nowSec, c);

    let next = this.#linkLayer(c, frame.linkType);
    let layers = 0;
    while (next >= Next.FIRST_LAYER) {
      if (++layers > this.#maxLayers) {
        next = c.fail(DecodeEvent.TOO_MANY_LAYERS, Next.MALFORMED);
        break;
      }
      next = step(c, next);
    }
    switch (next) {
      case Next.TCP_DONE:
        return DecodeResult.TCP;
      case Next.NOT_TCP:
        this.#events.add(DecodeEvent.NOT_TCP);
        return DecodeResult.NOT_TCP;
      case Next.FRAGMENT_HELD:
        return DecodeResult.FRAGMENT_HELD;
      case Next.UNSUPPORTED:
        return DecodeResult.UNSUPPORTED;
      default:
        return DecodeResult.MALFORMED;
    }
  }

  /** Stats for the run summary: fragment table peak, cap hits, datagrams timed out, etc. */
  stats(): { fragmentsHeld: number; fragmentDatagramsPeak: number; fragmentCapHits: number; fragmentsTimedOut: number; reassembledDatagrams: number } {
    return this.#defrag.stats();
  }

  #linkLayer(c: LayerCursor, linkType: number): Next {
    switch (linkType) {
      case LinkType.ETHERNET:
        return Next.ETHERNET;
      case LinkType.NULL:
      case LinkType.LOOP:
        return decodeNullLoopback(c);
      case LinkType.RAW:
      case LinkType.RAW_ALT12:
      case LinkType.RAW_ALT14:
        return Next.IP_GUESS;
      case LinkType.IPV4:
        return Next.IPV4;
      case LinkType.IPV6:
        return Next.IPV6;
      case LinkType.LINUX_SLL:
        return decodeSll(c);
      case LinkType.LINUX_SLL2:
        return decodeSll2(c);
      case LinkType.C_HDLC:
        return decodeCiscoHdlc(c);
      case LinkType.NFLOG:
        return decodeNflog(c);
      case LinkType.IEEE802_11:
        return decodeWlan(c);
      case LinkType.IEEE802_11_RADIOTAP:
        return decodeRadiotap(c);
      default:
        return c.fail(DecodeEvent.UNSUPPORTED_LINK_TYPE, Next.UNSUPPORTED);
    }
  }
}

/** Decode the layer `next` names at the cursor; returns the layer after it or an outcome. */
function step(c: LayerCursor, next: Next): Next {
  switch (next) {
    case Next.ETHERNET:
      return decodeEthernet(c);
    case Next.ETHERTYPE:
      return nextForEtherType(c);
    case Next.VLAN:
      return decodeVlan(c);
    case Next.MPLS:
      return decodeMpls(c);
    case Next.PPPOE:
      return decodePppoe(c);
    case Next.PPP:
      return decodePpp(c);
    case Next.LLC:
      return decodeLlc(c);
    case Next.IP_GUESS:
      return guessIpVersion(c);
    case Next.IPV4:
      return decodeIpv4(c);
    case Next.IPV6:
      return decodeIpv6(c);
    case Next.IP_PROTO:
      return nextForIpProto(c);
    case Next.IPV6_EXT:
      return decodeIpv6Extension(c);
    case Next.TCP:
      return decodeTcp(c);
    case Next.UDP:
      return decodeUdp(c);
    case Next.GRE:
      return decodeGre(c);
    case Next.ERSPAN2:
      return decodeErspan2(c);
    case Next.ERSPAN3:
      return decodeErspan3(c);
    case Next.VXLAN:
      return decodeVxlan(c);
    case Next.GENEVE:
      return decodeGeneve(c);
    case Next.TEREDO:
      return decodeTeredo(c);
    case Next.AYIYA:
      return decodeAyiya(c);
    case Next.GTPU:
      return decodeGtpU(c);
    default:
      return c.fail(DecodeEvent.UNSUPPORTED_ETHERTYPE, Next.UNSUPPORTED);
  }
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) throw new UsageError(`decoder option ${name} must be a positive integer, got ${value}`);
}
