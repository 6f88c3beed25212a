#!/usr/bin/env python3
"""Writes handmade.pcapng: one little-endian section exercising pcapng features
that Wireshark's writers do not produce. Frame payloads are the first four
Ethernet frames of ../shared/corpus/zeek/get/get.pcap (read from argv[1])."""
import struct, sys

def frames_of(pcap_path, n):
    d = open(pcap_path, 'rb').read()
    o, out = 24, []
    while o < len(d) and len(out) < n:
        _, _, cap, orig = struct.unpack('<IIII', d[o:o+16])
        out.append(d[o+16:o+16+cap]); o += 16 + cap
    return out

def pad(b):
    return b + b'\0' * (-len(b) % 4)

def block(btype, body):
    body = pad(body)
    n = 12 + len(body)
    return struct.pack('<II', btype, n) + body + struct.pack('<I', n)

def opt(code, value):
    return struct.pack('<HH', code, len(value)) + pad(value)

END = opt(0, b'')
eth = frames_of(sys.argv[1], 4)
out = []
out.append(block(0x0A0D0D0A, struct.pack('<IHHq', 0x1A2B3C4D, 1, 0, -1)))
# IDB 0: Ethernet, snaplen 100, if_tsresol 2^-20, if_tsoffset +1000 s
out.append(block(1, struct.pack('<HHI', 1, 0, 100) + opt(9, b'\x94') + opt(14, struct.pack('<q', 1000)) + END))
# IDB 1: Ethernet, snaplen 0, if_tsresol 10^-3 (milliseconds)
out.append(block(1, struct.pack('<HHI', 1, 0, 0) + opt(9, b'\x03') + END))
# IDB 2: raw IP (101), snaplen 0, if_tsresol 10^-10
out.append(block(1, struct.pack('<HHI', 101, 0, 0) + opt(9, b'\x0a') + END))
# IDB 3: Ethernet, snaplen 0, if_tsresol 2^-32, if_tsoffset -86400 s
out.append(block(1, struct.pack('<HHI', 1, 0, 0) + opt(9, b'\xa0') + opt(14, struct.pack('<q', -86400)) + END))

def ts(units):
    return struct.pack('<II', units >> 32, units & 0xFFFFFFFF)

# EPB on IDB 0: 1362692526.5 s = 1362692526 * 2^20 + 2^19 units
t0 = 1362692526 * (1 << 20) + (1 << 19) + 3
out.append(block(6, struct.pack('<I', 0) + ts(t0) + struct.pack('<II', len(eth[0]), len(eth[0])) + pad(eth[0])))
# Unknown block type 0x0000DEAD (not assigned): must be skipped by length
out.append(block(0x0000DEAD, b'skip me, I am an unknown block'))
# Obsolete Packet Block (type 2) on IDB 1: interface id u16, drops u16, ts, caplen, origlen
t1 = 1362692526939
out.append(block(2, struct.pack('<HH', 1, 0) + ts(t1) + struct.pack('<II', len(eth[1]), len(eth[1])) + pad(eth[1])))
# Interface Statistics Block on IDB 0 (skipped)
out.append(block(5, struct.pack('<I', 0) + ts(t0) + END))
# Simple Packet Block: interface 0, whose snaplen 100 cuts the 202-byte frame 4 to 100 bytes
out.append(block(3, struct.pack('<I', len(eth[3])) + pad(eth[3][:100])))
# EPB on IDB 2 (10^-10 s units): 1362692527.0095121234 s; payload = the IPv4 packet of frame 3
t2 = 1362692527 * 10**10 + 95121234
ip = eth[2][14:]
out.append(block(6, struct.pack('<I', 2) + ts(t2) + struct.pack('<II', len(ip), len(ip)) + pad(ip)))
# EPB on IDB 3 (2^-32 s units): 1362692527 s + 0x80000001 units (0.500000000232... s)
t3 = (1362692527 << 32) + 0x80000001
out.append(block(6, struct.pack('<I', 3) + ts(t3) + struct.pack('<II', len(eth[0]), len(eth[0])) + pad(eth[0])))
open(sys.argv[2], 'wb').write(b''.join(out))
