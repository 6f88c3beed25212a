#!/usr/bin/env bash
# make-capture.sh -- record api-20-routes.pcap: real clients (curl, python3
# http.client + urllib.request, ab) against tools/inventory-api-server.mjs
# (node:http, two virtual hosts, 30 routes), and write its route table
# (routes.json, printed by the server itself) and the server's access log
# (logs/api-20-routes.access.jsonl). openapi.yaml is written by hand and is
# not touched here.
#
# Run as root from anywhere:  pcaps/inventory/make-capture.sh
#
# Network: two namespaces created here and deleted on exit, joined by one veth
# pair that exists only inside them (no other interface is touched):
#   aps-inv-srv  aps-inv-s 10.80.0.1/24   node server :80, tcpdump
#   aps-inv-cli  aps-inv-c 10.80.0.2/24   the clients
# Capture: `tcpdump -i aps-inv-s -s 0 -w api-20-routes.pcap tcp` in aps-inv-srv.
# Idempotent: leftovers of an interrupted run are removed first, every output
# file is overwritten. Re-recording changes timestamps and ports only.
#
# Needs: ip (iproute2), tcpdump, node, curl, python3, ab.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOOLS="$HERE/tools"
LOGS="$HERE/logs"
WORK=$(mktemp -d -t aps-inv-capture.XXXXXX)
SRV=aps-inv-srv
CLI=aps-inv-cli
SRV_IP=10.80.0.1
PORT=80
NODE_PID=""
DUMP_PID=""

. "$HERE/../netns-lab.sh"

cleanup() {
  lab_stop "$DUMP_PID" "$NODE_PID"
  lab_delete
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---------------------------------------------------------------- network
lab_create aps-inv-s aps-inv-c "$SRV_IP/24" 10.80.0.2/24

# ---------------------------------------------------------------- server, capture
mkdir -p "$LOGS"
node "$TOOLS/inventory-api-server.mjs" --routes > "$HERE/routes.json"
ACCESS="$LOGS/api-20-routes.access.jsonl"
: > "$ACCESS"
ip netns exec "$SRV" node "$TOOLS/inventory-api-server.mjs" "$SRV_IP" "$PORT" "$ACCESS" > "$WORK/node.out" 2>&1 &
NODE_PID=$!
for _ in $(seq 100); do grep -q listening "$WORK/node.out" 2>/dev/null && break; sleep 0.05; done
grep -q listening "$WORK/node.out" || { echo "server did not start" >&2; cat "$WORK/node.out" >&2; exit 1; }

PCAP="$HERE/api-20-routes.pcap"
rm -f "$PCAP"
ip netns exec "$SRV" tcpdump -Z root --immediate-mode -i aps-inv-s -s 0 -U -w "$PCAP" tcp > "$WORK/dump.out" 2>&1 &
DUMP_PID=$!
for _ in $(seq 100); do grep -q "listening on" "$WORK/dump.out" 2>/dev/null && break; sleep 0.05; done
grep -q "listening on" "$WORK/dump.out" || { echo "tcpdump did not start" >&2; cat "$WORK/dump.out" >&2; exit 1; }

# ---------------------------------------------------------------- clients
SHOP="http://shop.example.com"
CURL=(curl -sS --max-time 10 --resolve "shop.example.com:$PORT:$SRV_IP")
JWT='eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2F1dGguZXhhbXBsZS5jb20iLCJzdWIiOiI0MiIsImV4cCI6MTk5OTk5OTk5OX0.c2lnbmF0dXJlLW5vdC1jaGVja2Vk'
AUTH=(-H "Authorization: Bearer $JWT")
JSON=(-H 'Content-Type: application/json')

# curl_chain URL... : one keep-alive connection, bearer JWT on every request.
curl_chain() {
  local args=() first=1
  for u in "$@"; do
    if [ $first = 1 ]; then first=0; else args+=(--next); fi
    args+=(-o /dev/null "${AUTH[@]}" "$u")
  done
  in_cli "${CURL[@]}" "${args[@]}"
}

# 1. shop.example.com, curl: typed ids of every kind, static siblings, nested routes.
curl_chain "$SHOP/api/v1/users?page=1" "$SHOP/api/v1/users?page=2&limit=50" "$SHOP/api/v1/users/me" \
  "$SHOP/api/v1/users/42" "$SHOP/api/v1/users/7" "$SHOP/api/v1/users/1001" "$SHOP/api/v1/users/me" \
  "$SHOP/api/v1/users/42/orders" "$SHOP/api/v1/users/7/orders" \
  "$SHOP/api/v1/orders/5f0c6f1e-2b7a-4c1e-9a53-2f3d1c4b5a60" "$SHOP/api/v1/orders/0b1e6a3c-7d9f-4e2a-8c55-1a2b3c4d5e6f" \
  "$SHOP/api/v1/products/featured" "$SHOP/api/v1/products/65a1b2c3d4e5f60718293a4b" "$SHOP/api/v1/products/507f1f77bcf86cd799439011" \
  "$SHOP/api/v1/products/65a1b2c3d4e5f60718293a4b/reviews" "$SHOP/api/v1/products/507f191e810c19729de860ea/reviews" \
  "$SHOP/api/v1/sessions/9fc2a7e41b3d4c5e8f60718293a4b5c6" "$SHOP/api/v1/sessions/a3f9c2e1b7d04f6e" \
  "$SHOP/api/v1/invites/Zx9_kQ2mLp7RtV4wYb8N" "$SHOP/api/v1/invites/q7Wm2Xr9Kp4Lt8Zv3Nb6" \
  "$SHOP/api/v1/reports/2024-05-01" "$SHOP/api/v1/reports/2024-04-30" \
  "$SHOP/api/v1/customers/jane.doe@example.com" "$SHOP/api/v1/customers/li.wei%40example.org" \
  "$SHOP/api/v1/tickets/AB12CD34" "$SHOP/api/v1/tickets/TK9X72QZ" "$SHOP/api/v1/tickets/R7P2M9XK" \
  "$SHOP/api/v1/orders" "$SHOP/api/v1/orders?status=open" "$SHOP/api/v1/internal/debug"

# 2. shop.example.com, curl: plain words under /categories (a parameter by cardinality).
CATS=(books games garden music movies toys sports kitchen office pets beauty tools books music)
curl_chain "${CATS[@]/#/$SHOP/api/v1/categories/}"

# 3. shop.example.com, curl: JSON bodies (login, card payment, profile update), one connection each.
in_cli "${CURL[@]}" -o /dev/null "${JSON[@]}" -d '{"username":"jane","password":"Tr0ub4dor&3"}' "$SHOP/api/v1/login" \
  --next -o /dev/null "${JSON[@]}" -d '{"password":"no-user"}' "$SHOP/api/v1/login"
in_cli "${CURL[@]}" -o /dev/null "${AUTH[@]}" "${JSON[@]}" \
  -d '{"items":[{"sku":"A-100","qty":2}],"payment":{"card":"4111 1111 1111 1111","holder":"Jane Doe"},"shipTo":{"street":"1 Main St","zip":"94105"}}' \
  "$SHOP/api/v1/orders" \
  --next -o /dev/null "${AUTH[@]}" "${JSON[@]}" \
  -d '{"items":[{"sku":"B-220","qty":1},{"sku":"C-300","qty":4}],"payment":{"card":"5555555555554444","holder":"Li Wei"},"shipTo":{"street":"9 High St","zip":"10001"}}' \
  "$SHOP/api/v1/orders"
in_cli "${CURL[@]}" -o /dev/null "${AUTH[@]}" "${JSON[@]}" -X PUT \
  -d '{"email":"jane.doe@example.com","phone":"+1 415 555 0100","dob":"1990-01-15"}' "$SHOP/api/v1/users/42"

# 4. records.example.com, python3 http.client and urllib.request.
in_cli python3 "$TOOLS/records-client.py" "$SRV_IP" "$PORT" > "$WORK/py.out"

# 5. shop.example.com, ab: keep-alive load on two routes (ab sends the given Host header).
in_cli ab -q -k -n 40 -c 2 -H 'Host: shop.example.com' "http://$SRV_IP/api/v1/search?q=lamp" > "$WORK/ab1.out"
in_cli ab -q -k -n 20 -c 2 -H 'Host: shop.example.com' "http://$SRV_IP/api/v1/products/featured" > "$WORK/ab2.out"

sleep 1
kill -INT "$DUMP_PID"; wait "$DUMP_PID" || true; DUMP_PID=""
kill "$NODE_PID"; wait "$NODE_PID" || true; NODE_PID=""

ls -l "$PCAP"
echo "requests logged: $(wc -l < "$ACCESS")"
