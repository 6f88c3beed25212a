#!/usr/bin/env bash
# make-captures.sh -- record every capture in this directory from real clients
# (curl, python3, ab, nc) against real servers (tools/api-server.mjs on
# node:http, and nginx), then regenerate the *.expected.jsonl files from the
# servers' access logs (tools/derive-expected.mjs).
#
# Run as root from anywhere:  pcaps/own/make-captures.sh
#
# Network: two namespaces created here and deleted on exit, joined by one veth
# pair that exists only inside them (nothing is added to or changed on any
# other interface):
#   aps-srv  aps-s 10.77.0.1/24   node api-server :80, nginx :8080, tcpdump
#   aps-cli  aps-c 10.77.0.2/24   the clients
# Every capture is `tcpdump -i aps-s -s 0 -w NAME.pcap tcp` inside aps-srv
# (`-s 96` for snaplen-96.pcap). Idempotent: leftover namespaces from an
# interrupted run are removed first, and every output file is overwritten.
# Re-recording changes timestamps, ports and sequence numbers, so the
# expected files are always regenerated together with the captures.
#
# Needs: ip (iproute2), tcpdump, tshark, editcap, capinfos, nginx, node,
# curl, python3, ab, nc (OpenBSD).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOOLS="$HERE/tools"
LOGS="$HERE/logs"
WORK=$(mktemp -d -t aps-captures.XXXXXX)
SRV=aps-srv
CLI=aps-cli
SRV_IP=10.77.0.1
NODE_PORT=80
NGINX_PORT=8080
NODE_PID=""
NGINX_PID=""
DUMP_PID=""

. "$HERE/../netns-lab.sh"

cleanup() {
  lab_stop "$DUMP_PID" "$NODE_PID" "$NGINX_PID"
  lab_delete
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---------------------------------------------------------------- network
lab_create aps-s aps-c "$SRV_IP/24" 10.77.0.2/24

# ---------------------------------------------------------------- content
mkdir -p "$WORK/www" "$WORK/nginx" "$LOGS"
python3 - "$WORK/www" <<'EOF'
import json, sys
root = sys.argv[1]
items = [{"id": i, "sku": f"SKU-{i:05d}", "name": f"Product {i}", "price": round(3.5 * i, 2),
          "tags": ["api", "demo"] if i % 2 else ["demo"], "inStock": i % 5 != 0} for i in range(1, 61)]
open(f"{root}/data.json", "w").write(json.dumps({"items": items}, indent=2) + "\n")
open(f"{root}/notes.txt", "w").write("".join(f"line {i}: the quick brown fox jumps over the lazy dog\n" for i in range(1, 121)))
open(f"{root}/index.html", "w").write("<!doctype html>\n<html><head><title>apisensor test</title></head>\n<body>\n"
    + "".join(f"<p>paragraph {i} of a small static page served by nginx.</p>\n" for i in range(1, 11)) + "</body></html>\n")
EOF

# ---------------------------------------------------------------- servers
start_node() { # $1 = access log
  : > "$1"
  ip netns exec "$SRV" node "$TOOLS/api-server.mjs" "$SRV_IP" "$NODE_PORT" "$1" > "$WORK/node.out" 2>&1 &
  NODE_PID=$!
  for _ in $(seq 100); do grep -q listening "$WORK/node.out" 2>/dev/null && return 0; sleep 0.05; done
  echo "node server did not start" >&2; cat "$WORK/node.out" >&2; exit 1
}
stop_node() { kill "$NODE_PID"; wait "$NODE_PID" || true; NODE_PID=""; }

start_nginx() { # $1 = access log
  : > "$1"
  cat > "$WORK/nginx/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 64; }
http {
  types { text/html html; application/json json; text/plain txt; }
  default_type application/octet-stream;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  log_format apijson escape=json '{"method":"\$request_method","uri":"\$request_uri","host":"\$host","httpHost":"\$http_host",'
    '"status":\$status,"protocol":"\$server_protocol","requestLength":\$request_length,"bytesSent":\$bytes_sent,'
    '"bodyBytesSent":\$body_bytes_sent,"contentEncoding":"\$sent_http_content_encoding",'
    '"contentLength":"\$sent_http_content_length","requestContentLength":"\$http_content_length",'
    '"requestTransferEncoding":"\$http_transfer_encoding","clientPort":\$remote_port,'
    '"connection":\$connection,"connectionRequests":\$connection_requests}';
  access_log $1 apijson;
  keepalive_requests 1000;
  keepalive_timeout 30s;
  server_tokens off;
  gzip on;
  gzip_types application/json text/plain;
  gzip_min_length 256;
  server {
    listen $SRV_IP:$NGINX_PORT;
    server_name static.example.com;
    root $WORK/www;
  }
}
EOF
  ip netns exec "$SRV" nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" > "$WORK/nginx.out" 2>&1 &
  NGINX_PID=$!
  for _ in $(seq 100); do in_srv ss -ltn | grep -q "$SRV_IP:$NGINX_PORT" && return 0; sleep 0.05; done
  echo "nginx did not start" >&2; cat "$WORK/nginx.out" "$WORK/nginx/error.log" >&2; exit 1
}
stop_nginx() { kill "$NGINX_PID"; wait "$NGINX_PID" || true; NGINX_PID=""; }

# ---------------------------------------------------------------- capture
start_dump() { # $1 = pcap, $2 = snaplen
  rm -f "$1"
  ip netns exec "$SRV" tcpdump -Z root --immediate-mode -i aps-s -s "$2" -U -w "$1" tcp > "$WORK/dump.out" 2>&1 &
  DUMP_PID=$!
  for _ in $(seq 100); do grep -q "listening on" "$WORK/dump.out" 2>/dev/null && return 0; sleep 0.05; done
  echo "tcpdump did not start" >&2; cat "$WORK/dump.out" >&2; exit 1
}
stop_dump() { sleep 1; kill -INT "$DUMP_PID"; wait "$DUMP_PID" || true; DUMP_PID=""; }

NODE_URL="http://$SRV_IP:$NODE_PORT"
NGINX_URL="http://$SRV_IP:$NGINX_PORT"
API=(--resolve "api.example.com:$NODE_PORT:$SRV_IP")
SHOP=(--resolve "shop.example.com:$NODE_PORT:$SRV_IP")
JSON=(-H 'Content-Type: application/json')
TOKEN='eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl'
CURL=(curl -sS --max-time 10)

# Client-side record of a curl download (one JSON line): label, body bytes
# curl wrote (de-chunked, still content-coded), the size after decoding
# (python3 zlib; null for br) and whether the response was chunked.
client_get() { # $1 = client log, $2 = label, rest = curl args (last is URL)
  local log=$1 label=$2; shift 2
  in_cli "${CURL[@]}" -o "$WORK/body.bin" -D "$WORK/head.txt" "$@"
  python3 - "$WORK/body.bin" "$WORK/head.txt" "$label" >> "$log" <<'EOF'
import json, sys, zlib
body = open(sys.argv[1], "rb").read()
head = open(sys.argv[2], "rb").read().decode("latin-1").lower()
enc = None
for line in head.split("\r\n"):
    if line.startswith("content-encoding:"):
        enc = line.split(":", 1)[1].strip()
decoded = len(body)
if enc == "gzip":
    decoded = len(zlib.decompress(body, 16 + zlib.MAX_WBITS))
elif enc == "deflate":
    decoded = len(zlib.decompress(body))
elif enc is not None:
    decoded = None  # br: no decoder in the python3 standard library
print(json.dumps({"label": sys.argv[3], "contentEncoding": enc, "bodyLength": len(body), "decodedLength": decoded,
                  "chunked": "transfer-encoding: chunked" in head}))
EOF
}

# 1. api-keepalive.pcap: the demo session (node server, two Host names).
start_node "$LOGS/api-keepalive.access.jsonl"
start_dump "$HERE/api-keepalive.pcap" 0
in_cli "${CURL[@]}" "${API[@]}" -o /dev/null "http://api.example.com/api/v1/users" \
  --next -o /dev/null "http://api.example.com/api/v1/users/42" \
  --next -o /dev/null "http://api.example.com/api/v1/orders/1001?expand=items" \
  --next -o /dev/null "${JSON[@]}" -d '{"username":"alice","password":"s3cret"}' "http://api.example.com/api/v1/login" \
  --next -o /dev/null "http://api.example.com/api/v1/me" \
  --next -o /dev/null -H "Authorization: Bearer $TOKEN" "http://api.example.com/api/v1/me" \
  --next -o /dev/null "${JSON[@]}" -X PUT -d '{"name":"Alice A.","role":"admin"}' "http://api.example.com/api/v1/users/42" \
  --next -o /dev/null "http://api.example.com/api/v1/users/7" \
  --next -o /dev/null -H 'Accept-Encoding: gzip' "http://api.example.com/api/v1/users?limit=100" \
  --next -o /dev/null "http://api.example.com/api/v1/orders/export" \
  --next -o /dev/null -X DELETE -H "Authorization: Bearer $TOKEN" "http://api.example.com/api/v1/users/42" \
  --next -o /dev/null "http://api.example.com/api/v1/nope"
in_cli python3 "$TOOLS/py-client.py" "$SRV_IP" "$NODE_PORT" shop.example.com > "$WORK/py.out"
in_cli "${CURL[@]}" "${SHOP[@]}" -o /dev/null "http://shop.example.com/api/v1/orders/1001?expand=items" \
  --next -o /dev/null -H 'Accept-Encoding: gzip' "http://shop.example.com/api/v1/orders/export" \
  --next -o /dev/null "http://shop.example.com/api/v1/users?limit=3&fields=id,name" \
  --next -o /dev/null "${JSON[@]}" -d '{"username":"dave"}' "http://shop.example.com/api/v1/login"
stop_dump
stop_node

# 2. pipelining.pcap: three requests in one write (one segment) through nc.
start_node "$LOGS/pipelining.access.jsonl"
start_dump "$HERE/pipelining.pcap" 0
printf 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n' \
  | in_cli nc -N -q 2 -w 5 "$SRV_IP" "$NODE_PORT" > "$WORK/nc.out"
stop_dump
stop_node

# 3. chunked-gzip.pcap: nginx (gzip on) and node: chunked, gzip, deflate, br.
: > "$LOGS/chunked-gzip.client.jsonl"
start_nginx "$LOGS/chunked-gzip.nginx.access.jsonl"
start_node "$LOGS/chunked-gzip.node.access.jsonl"
start_dump "$HERE/chunked-gzip.pcap" 0
client_get "$LOGS/chunked-gzip.client.jsonl" nginx-data-gzip -H 'Accept-Encoding: gzip' "$NGINX_URL/data.json"
client_get "$LOGS/chunked-gzip.client.jsonl" nginx-notes-gzip -H 'Accept-Encoding: gzip' "$NGINX_URL/notes.txt"
client_get "$LOGS/chunked-gzip.client.jsonl" nginx-data-identity "$NGINX_URL/data.json"
sleep 0.2
client_get "$LOGS/chunked-gzip.client.jsonl" node-export-identity "$NODE_URL/api/v1/orders/export"
client_get "$LOGS/chunked-gzip.client.jsonl" node-export-gzip -H 'Accept-Encoding: gzip' "$NODE_URL/api/v1/orders/export"
client_get "$LOGS/chunked-gzip.client.jsonl" node-export-deflate -H 'Accept-Encoding: deflate' "$NODE_URL/api/v1/orders/export"
client_get "$LOGS/chunked-gzip.client.jsonl" node-export-br -H 'Accept-Encoding: br' "$NODE_URL/api/v1/orders/export"
client_get "$LOGS/chunked-gzip.client.jsonl" node-users-gzip -H 'Accept-Encoding: gzip' "$NODE_URL/api/v1/users?limit=100"
client_get "$LOGS/chunked-gzip.client.jsonl" node-users-deflate -H 'Accept-Encoding: deflate' "$NODE_URL/api/v1/users?limit=100"
client_get "$LOGS/chunked-gzip.client.jsonl" node-users-br -H 'Accept-Encoding: br' "$NODE_URL/api/v1/users?limit=100"
stop_dump
stop_node
stop_nginx

# 4. post-json-100-continue.pcap: ~2 KB JSON bodies with Expect: 100-continue.
BIG_JSON=$(python3 -c 'import json; print(json.dumps({"batch": [{"id": i, "name": f"item-{i}", "note": "x" * 20} for i in range(1, 41)]}, separators=(",", ":")))')
start_node "$LOGS/post-json-100-continue.access.jsonl"
start_dump "$HERE/post-json-100-continue.pcap" 0
in_cli "${CURL[@]}" -o /dev/null "${JSON[@]}" -H 'Expect: 100-continue' --data-binary "$BIG_JSON" "$NODE_URL/api/v1/uploads"
stop_dump
stop_node

# 5. head.pcap: HEAD then GET of the same file on one connection, then a HEAD alone.
start_nginx "$LOGS/head.access.jsonl"
start_dump "$HERE/head.pcap" 0
in_cli "${CURL[@]}" -o /dev/null -I "$NGINX_URL/index.html" --next -o /dev/null "$NGINX_URL/index.html"
in_cli "${CURL[@]}" -o /dev/null -I "$NGINX_URL/data.json"
stop_dump
stop_nginx

# 6. ab-keepalive.pcap: ApacheBench, HTTP/1.0 keep-alive, 4 concurrent connections.
start_nginx "$LOGS/ab-keepalive.access.jsonl"
start_dump "$HERE/ab-keepalive.pcap" 0
in_cli ab -q -k -n 200 -c 4 "$NGINX_URL/index.html" > "$WORK/ab.out"
stop_dump
stop_nginx

# 7. midstream.pcap: api-keepalive.pcap from the 4th request of its first
#    connection to the end (handshake and first three transactions dropped).
FROM=$(tshark -r "$HERE/api-keepalive.pcap" -Y 'tcp.stream == 0 && http.request' -T fields -e frame.number | sed -n 4p)
TO=$(capinfos -c -M "$HERE/api-keepalive.pcap" | awk '/Number of packets/ {print $NF}')
editcap -F pcap -r "$HERE/api-keepalive.pcap" "$HERE/midstream.pcap" "$FROM-$TO"
printf '{"source":"api-keepalive.pcap","fromFrame":%s,"toFrame":%s,"droppedTransactions":3}\n' "$FROM" "$TO" \
  > "$LOGS/midstream.slice.json"

# 8. snaplen-96.pcap: requests with bodies, frames cut at 96 bytes.
start_node "$LOGS/snaplen-96.access.jsonl"
start_dump "$HERE/snaplen-96.pcap" 96
in_cli "${CURL[@]}" -o /dev/null "${JSON[@]}" -d '{"username":"erin","password":"correct horse battery staple"}' "$NODE_URL/api/v1/login"
in_cli "${CURL[@]}" -o /dev/null "${JSON[@]}" -X PUT -d '{"name":"Erin E.","email":"erin@example.com","role":"member"}' "$NODE_URL/api/v1/users/42"
in_cli "${CURL[@]}" -o /dev/null "${JSON[@]}" --data-binary "$(python3 -c 'import json; print(json.dumps({"rows": list(range(150))}))')" "$NODE_URL/api/v1/uploads" \
  --next -o /dev/null "$NODE_URL/api/v1/users"
stop_dump
stop_node

# ---------------------------------------------------------------- expected
node "$TOOLS/derive-expected.mjs" "$HERE"
ls -l "$HERE"/*.pcap
