#!/usr/bin/env python3
"""Wrap every Ethernet frame of a classic pcap in VXLAN (RFC 7348 §5), the way
AWS VPC Traffic Mirroring delivers a mirror session to its target.

    python3 vxlan-wrap.py IN.pcap VNI OUT.pcap

Each frame F of IN (link type 1, Ethernet) becomes, in OUT:

    outer Ethernet II   14 bytes  dst 02:00:00:00:00:0a, src 02:00:00:00:<VNI>, type 0x0800
    outer IPv4          20 bytes  version 4, IHL 5, TTL 64, protocol 17, DF,
                                  src 198.51.100.<VNI % 256>, dst 198.51.100.10 (RFC 5737
                                  documentation addresses), header checksum (RFC 791)
    UDP                  8 bytes  src port 49152 + (VNI % 16384), dst port 4789 (IANA VXLAN),
                                  checksum 0 (RFC 768: none, allowed for IPv4 and by RFC 7348)
    VXLAN                8 bytes  flags 0x08 (I: VNI valid), 24 reserved bits 0,
                                  VNI in the next 24 bits, 8 reserved bits 0
    F                             unchanged (inner Ethernet frame, as captured)

Timestamps are kept, so two wraps of one capture with different VNIs merge
(mergecap) into one file where both tenants carry the same traffic at the same
instants. Captured and original lengths both grow by 50 bytes. Only classic
pcap with Ethernet frames is read (either byte order, micro- or nanosecond
magic); the output keeps the input's magic and byte order.
"""
import struct
import sys

OUTER_LEN = 14 + 20 + 8 + 8


def ipv4_checksum(header: bytes) -> int:
    total = 0
    for i in range(0, len(header), 2):
        total += (header[i] << 8) | header[i + 1]
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def outer_headers(vni: int, inner_len: int, ident: int) -> bytes:
    eth = bytes.fromhex('02000000000a') + bytes([0x02, 0, 0, (vni >> 16) & 0xFF, (vni >> 8) & 0xFF, vni & 0xFF]) + b'\x08\x00'
    total_len = 20 + 8 + 8 + inner_len
    src = bytes([198, 51, 100, vni % 256])
    dst = bytes([198, 51, 100, 10])
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, total_len, ident & 0xFFFF, 0x4000, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack('!H', ipv4_checksum(ip)) + ip[12:]
    udp = struct.pack('!HHHH', 49152 + (vni % 16384), 4789, 8 + 8 + inner_len, 0)
    vxlan = struct.pack('!B3s3sB', 0x08, b'\x00\x00\x00', vni.to_bytes(3, 'big'), 0)
    return eth + ip + udp + vxlan


def main() -> None:
    if len(sys.argv) != 4:
        sys.exit('usage: vxlan-wrap.py IN.pcap VNI OUT.pcap')
    src, vni, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if not 0 <= vni < 1 << 24:
        sys.exit('VNI must fit in 24 bits')
    data = open(src, 'rb').read()
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '>'
    else:
        sys.exit(f'{src}: not a classic pcap file')
    _vmaj, _vmin, _zone, _sigfigs, snaplen, linktype = struct.unpack(e + 'HHiIII', data[4:24])
    if linktype != 1:
        sys.exit(f'{src}: link type {linktype}, only Ethernet (1) is wrapped')
    out = [data[:16], struct.pack(e + 'II', snaplen + OUTER_LEN, linktype)]
    off = 24
    n = 0
    while off + 16 <= len(data):
        ts_sec, ts_frac, caplen, origlen = struct.unpack(e + 'IIII', data[off:off + 16])
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        n += 1
        outer = outer_headers(vni, len(frame), n)
        out.append(struct.pack(e + 'IIII', ts_sec, ts_frac, caplen + OUTER_LEN, origlen + OUTER_LEN))
        out.append(outer)
        out.append(frame)
    open(dst, 'wb').write(b''.join(out))
    print(f'{dst}: {n} frames wrapped in VXLAN VNI {vni}')


if __name__ == '__main__':
    main()
