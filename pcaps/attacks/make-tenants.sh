#!/bin/sh
# Two mirrored tenants carrying the same attack with the same private
# addresses (issue 6 §4): each source capture is wrapped twice in VXLAN, VNI 101
# and VNI 202 (tools/vxlan-wrap.py), and the two wraps are merged by timestamp
# (mergecap; equal timestamps, so frames of the two tenants alternate).
# Needs python3 and mergecap; run from anywhere; rewrites tenants-*.pcap only.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for name in hydra-stuffing distributed-stuffing; do
  python3 tools/vxlan-wrap.py "$name.pcap" 101 "$tmp/$name-101.pcap"
  python3 tools/vxlan-wrap.py "$name.pcap" 202 "$tmp/$name-202.pcap"
  mergecap -F pcap -w "tenants-$name.pcap" "$tmp/$name-101.pcap" "$tmp/$name-202.pcap"
done
