#!/usr/bin/env python3
"""A user-space ERSPAN / GRE mirror source for the live tests.

Kernels built without ip_gre have no `erspan` or `gretap` device, so this
script plays the part of the remote-SPAN source instead: it reads every frame
that `tc ... action mirred egress mirror` copied into a veth pair (the IN
interface), wraps it in Ethernet / IPv4 (protocol 47) / GRE / [ERSPAN], and
sends the result out of the underlay interface (OUT) towards the collector.

  mirrored frame on IN ──► Ethernet(OUT's MAC → --dst-mac) / IPv4(--src → --dst, DF, TTL 64)
                           / GRE / ERSPAN header / mirrored frame ──► OUT

Modes (byte layouts: RFC 2784 and RFC 2890 for GRE, draft-foschiano-erspan-03
for ERSPAN, also what Wireshark's ERSPAN dissector reads):
  erspan1  GRE, no flags, protocol 0x88BE, no ERSPAN header (type I)
  erspan2  GRE with S (sequence number), protocol 0x88BE, 8-byte ERSPAN type II
           header: Ver=1 (4) VLAN (12) | COS (3) En (2) T (1) Session ID (10)
           | Reserved (12) Index (20)
  erspan3  GRE with S, protocol 0x22EB, 12-byte ERSPAN type III header:
           Ver=2 (4) VLAN (12) | COS (3) BSO (2) T (1) Session ID (10)
           | Timestamp (32, 100 µs units: Gra=00) | SGT (16) P (1) FT (5)
           HW ID (6) D (1) Gra (2) O (1); with --platform-subheader, O=1 and
           an 8-byte platform subheader follows: Platf ID=3 (6) Reserved (12)
           Port index (14) | Timestamp upper bits (32, 0 here)
  gre-teb  GRE with K (key), protocol 0x6558 (transparent Ethernet bridging)

GRE sequence numbers start at 0 and increase by one per frame sent. ERSPAN
type III's D bit is 1 (egress) for frames whose source MAC is --egress-mac.
When the kernel hands over a frame whose TCP checksum was left to offload
(TP_STATUS_CSUMNOTREADY), the checksum is filled in first, so the mirror
carries the bytes a wire would have.

Usage: erspan-encap.py --in IFACE --out IFACE --dst-mac MAC --src IP --dst IP
       --mode MODE [--session N] [--vlan N] [--index N] [--key N] [--hwid N]
       [--egress-mac MAC] [--platform-subheader]
Prints "ready" once both sockets are bound; on SIGTERM or SIGINT prints
"sent N" (frames sent) and exits 0. Needs CAP_NET_RAW. Standard library only.
"""

import argparse
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
PACKET_OUTGOING = 4
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_CSUMNOTREADY = 0x8
IPPROTO_GRE = 47
IPPROTO_TCP = 6

GRE_FLAG_KEY = 0x2000
GRE_FLAG_SEQUENCE = 0x1000
GRE_PROTO_ERSPAN2 = 0x88BE  # types I and II
GRE_PROTO_ERSPAN3 = 0x22EB
GRE_PROTO_TEB = 0x6558

ERSPAN2_VERSION = 1
ERSPAN3_VERSION = 2
ERSPAN3_PLATFORM_ID = 3

MAX_FRAME = 65535


def checksum16(data):
    """RFC 1071 Internet checksum of bytes."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def fill_tcp_checksum(frame):
    """Completes the TCP checksum of an Ethernet/IPv4/TCP frame in place (other frames untouched)."""
    if len(frame) < 34 or struct.unpack_from("!H", frame, 12)[0] != ETH_P_IP:
        return
    ihl = (frame[14] & 0x0F) * 4
    total_length = struct.unpack_from("!H", frame, 16)[0]
    if frame[23] != IPPROTO_TCP or 14 + total_length > len(frame):
        return
    tcp_offset = 14 + ihl
    tcp_length = total_length - ihl
    if tcp_length < 20:
        return
    struct.pack_into("!H", frame, tcp_offset + 16, 0)
    pseudo = bytes(frame[26:34]) + struct.pack("!BBH", 0, IPPROTO_TCP, tcp_length)
    struct.pack_into("!H", frame, tcp_offset + 16, checksum16(pseudo + bytes(frame[tcp_offset:tcp_offset + tcp_length])))


def mac_bytes(text):
    return bytes(int(part, 16) for part in text.split(":"))


def interface_mac(name):
    with open("/sys/class/net/%s/address" % name) as f:
        return mac_bytes(f.read().strip())


class Encapsulator:
    """Builds the outer headers of one mirror session; sequence numbers and IPv4 ids count per frame."""

    def __init__(self, args):
        self.args = args
        self.eth = mac_bytes(args.dst_mac) + interface_mac(args.out_if) + struct.pack("!H", ETH_P_IP)
        self.src = socket.inet_aton(args.src)
        self.dst = socket.inet_aton(args.dst)
        self.egress_mac = mac_bytes(args.egress_mac) if args.egress_mac else None
        self.sequence = 0
        self.ip_id = 0

    def gre_and_erspan(self, frame):
        a = self.args
        if a.mode == "erspan1":
            return struct.pack("!HH", 0, GRE_PROTO_ERSPAN2)
        if a.mode == "gre-teb":
            return struct.pack("!HHI", GRE_FLAG_KEY, GRE_PROTO_TEB, a.key)
        seq = self.sequence
        self.sequence = (self.sequence + 1) & 0xFFFFFFFF
        if a.mode == "erspan2":
            gre = struct.pack("!HHI", GRE_FLAG_SEQUENCE, GRE_PROTO_ERSPAN2, seq)
            # COS 0, En 0 (original frame untagged), T 0 (not truncated).
            return gre + struct.pack("!HHI", (ERSPAN2_VERSION << 12) | a.vlan, a.session & 0x3FF, a.index & 0xFFFFF)
        gre = struct.pack("!HHI", GRE_FLAG_SEQUENCE, GRE_PROTO_ERSPAN3, seq)
        timestamp = int(time.time() * 10_000) & 0xFFFFFFFF  # Gra=00: 100 µs units
        egress = 1 if self.egress_mac is not None and frame[6:12] == self.egress_mac else 0
        option = 1 if a.platform_subheader else 0
        # P=1 (Ethernet PDU frame), FT=0 (Ethernet), Gra=00.
        low = (1 << 15) | (0 << 10) | ((a.hwid & 0x3F) << 4) | (egress << 3) | (0 << 1) | option
        hdr = struct.pack("!HHIHH", (ERSPAN3_VERSION << 12) | a.vlan, a.session & 0x3FF, timestamp, a.sgt, low)
        if option:
            hdr += struct.pack("!II", (ERSPAN3_PLATFORM_ID << 26) | (a.index & 0x3FFF), 0)
        return gre + hdr

    def wrap(self, frame):
        inner = self.gre_and_erspan(frame) + bytes(frame)
        total_length = 20 + len(inner)
        ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, total_length, self.ip_id, 0x4000, 64, IPPROTO_GRE, 0, self.src, self.dst))
        self.ip_id = (self.ip_id + 1) & 0xFFFF
        struct.pack_into("!H", ip, 10, checksum16(bytes(ip)))
        return self.eth + bytes(ip) + inner


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--in", dest="in_if", required=True)
    p.add_argument("--out", dest="out_if", required=True)
    p.add_argument("--dst-mac", required=True)
    p.add_argument("--src", required=True)
    p.add_argument("--dst", required=True)
    p.add_argument("--mode", required=True, choices=["erspan1", "erspan2", "erspan3", "gre-teb"])
    p.add_argument("--session", type=int, default=0)
    p.add_argument("--vlan", type=int, default=0)
    p.add_argument("--index", type=int, default=0)
    p.add_argument("--key", type=int, default=0)
    p.add_argument("--hwid", type=int, default=0)
    p.add_argument("--sgt", type=int, default=0)
    p.add_argument("--egress-mac", default=None)
    p.add_argument("--platform-subheader", action="store_true")
    args = p.parse_args()

    rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    rx.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    rx.bind((args.in_if, ETH_P_ALL))
    tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    tx.bind((args.out_if, 0))
    enc = Encapsulator(args)
    sent = 0

    def stop(_signum, _frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("ready", flush=True)
    try:
        while True:
            data, ancillary, _flags, addr = rx.recvmsg(MAX_FRAME, socket.CMSG_SPACE(32))
            if addr[2] == PACKET_OUTGOING:
                continue
            frame = bytearray(data)
            for level, kind, value in ancillary:
                if level == SOL_PACKET and kind == PACKET_AUXDATA and len(value) >= 4:
                    if struct.unpack_from("=I", value, 0)[0] & TP_STATUS_CSUMNOTREADY:
                        fill_tcp_checksum(frame)
            tx.send(enc.wrap(frame))
            sent += 1
    finally:
        print("sent %d" % sent, flush=True)


if __name__ == "__main__":
    sys.exit(main())
