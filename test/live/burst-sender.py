#!/usr/bin/env python3
"""Sends COUNT Ethernet/IPv4/UDP frames out of IFACE as fast as a raw AF_PACKET
socket allows (a burst for the live-capture drop accounting test).

usage: burst-sender.py IFACE COUNT DST_MAC
Frames: SRC 10.79.0.2:40000 -> DST 10.79.0.1:9999, 60-byte payload carrying the
sequence number; prints the number of frames the socket accepted."""
import socket, struct, sys

iface, count, dst_mac = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3].replace(':', ''))
src_mac = bytes.fromhex('020000000002')

def checksum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return (~s) & 0xffff

payload_len = 60
udp_len = 8 + payload_len
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + udp_len, 0, 0x4000, 64, 17, 0,
                 socket.inet_aton('10.79.0.2'), socket.inet_aton('10.79.0.1'))
ip = ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]
head = dst_mac + src_mac + b'\x08\x00' + ip + struct.pack('!HHHH', 40000, 9999, udp_len, 0)
frame = bytearray(head + bytes(payload_len))
seq_at = len(head)

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
s.bind((iface, 0))
sent = 0
for i in range(count):
    struct.pack_into('!I', frame, seq_at, i)
    while True:
        try:
            s.send(frame)
            break
        except BlockingIOError:
            continue
    sent += 1
print(sent)
