#!/usr/bin/env python3
"""Rewrites a little-endian pcap file (usec or nsec magic) in big-endian byte
order: every field of the file header and of each record header is swapped,
packet bytes are copied unchanged (draft-ietf-opsawg-pcap-03, sections 4-5).
Usage: swap-pcap-byte-order.py IN.pcap OUT.pcap"""
import struct, sys

d = open(sys.argv[1], 'rb').read()
magic, vmaj, vmin, r1, r2, snap, link = struct.unpack('<IHHIIII', d[:24])
assert magic in (0xA1B2C3D4, 0xA1B23C4D), 'input must be a little-endian pcap'
out = [struct.pack('>IHHIIII', magic, vmaj, vmin, r1, r2, snap, link)]
o = 24
while o < len(d):
    sec, frac, cap, orig = struct.unpack('<IIII', d[o:o + 16])
    out.append(struct.pack('>IIII', sec, frac, cap, orig) + d[o + 16:o + 16 + cap])
    o += 16 + cap
open(sys.argv[2], 'wb').write(b''.join(out))
