#!/usr/bin/env bash
# make-attacks.sh -- record the attack captures in this directory with REAL
# attack tools (hydra, sqlmap, gobuster, wrk, curl) against our own weak API
# (tools/attack-api-server.mjs), amid benign traffic from python3
# (tools/benign-client.py) and curl, and write one truth file per capture
# (NAME.truth.json: attacker IPs, tool, command line, time window, expected
# finding types).
#
# Run as root from anywhere:  pcaps/attacks/make-attacks.sh [NAME...]
# (no NAME: every capture; else only the named ones, e.g. wrk-flood).
# Needs: ip (iproute2), tcpdump, editcap, node, python3, curl, hydra, sqlmap,
# gobuster, wrk (Debian: apt-get install hydra sqlmap gobuster wrk).
#
# Network: two namespaces created here and deleted on exit, joined by one veth
# pair that exists only inside them:
#   aps-att-srv  aps-as 10.78.0.1/24   node attack-api-server :80, tcpdump
#   aps-att-cli  aps-ac 10.78.0.2/24   benign python client
#                       10.78.0.3      benign curl
#                       10.78.0.10..15 one address per attack tool
#                       10.78.0.100..119 the distributed credential-stuffing sources
# Tools that cannot choose a source address run after the connected route's
# preferred source is switched to the attacker's address (`ip route replace
# ... src`); the benign clients bind their address explicitly.
# Idempotent: leftover namespaces are removed first; outputs are overwritten.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOOLS="$HERE/tools"
WORK=$(mktemp -d -t aps-attacks.XXXXXX)
SRV=aps-att-srv
CLI=aps-att-cli
SRV_IP=10.78.0.1
BENIGN_IP=10.78.0.2
CURL_IP=10.78.0.3
NODE_PID=""
DUMP_PID=""
BENIGN_PID=""
MAX_BYTES=$((4 * 1024 * 1024))

. "$HERE/../netns-lab.sh"

cleanup() {
  lab_stop "$BENIGN_PID" "$DUMP_PID" "$NODE_PID"
  lab_delete
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---------------------------------------------------------------- network
lab_create aps-as aps-ac "$SRV_IP/24" "$BENIGN_IP/24"
for a in 3 10 11 12 13 14 15 $(seq 100 119); do ip -n "$CLI" addr add "10.78.0.$a/32" dev aps-ac; done
ip -n "$SRV" route add 10.78.0.0/24 dev aps-as 2>/dev/null || true

use_source() { ip -n "$CLI" route replace 10.78.0.0/24 dev aps-ac src "$1"; }

# ---------------------------------------------------------------- inputs
python3 - "$WORK" <<'EOF'
import sys
w = sys.argv[1]
common = ['123456', 'password', '12345678', 'qwerty', '123456789', '12345', '1234', '111111', '1234567', 'dragon',
          '123123', 'baseball', 'abc123', 'football', 'monkey', 'letmein', '696969', 'shadow', 'master', '666666',
          'qwertyuiop', '123321', 'mustang', '1234567890', 'michael', '654321', 'superman', '1qaz2wsx', '7777777', '121212',
          '000000', 'qazwsx', '123qwe', 'killer', 'trustno1', 'jordan', 'jennifer', 'zxcvbnm', 'asdfgh', 'hunter']
open(f'{w}/passwords.txt', 'w').write('\n'.join(common + ['wonderland']) + '\n')
users = ['admin', 'root', 'john', 'mary', 'test', 'guest', 'info', 'support', 'sales', 'web', 'user1', 'user2', 'oracle',
         'mike', 'anna', 'peter', 'lisa', 'paul', 'kate', 'tom', 'ben', 'emma', 'noah', 'liam', 'olivia']
open(f'{w}/combos.txt', 'w').write('\n'.join(f'{u}:{common[i % len(common)]}' for i, u in enumerate(users)) + '\n')
dist = [f'member{i:02d}' for i in range(40)]
open(f'{w}/dist-users.txt', 'w').write('\n'.join(dist) + '\n')
words = ['admin', 'administrator', 'backup', 'backups', 'bin', 'cgi-bin', 'config', 'console', 'dashboard', 'data', 'db',
         'debug', 'dev', 'docs', 'download', 'env', 'files', 'git', 'graphql', 'health', 'images', 'include', 'internal',
         'js', 'lib', 'log', 'login', 'logs', 'manage', 'metrics', 'old', 'panel', 'phpmyadmin', 'private', 'public',
         'server-status', 'setup', 'shell', 'sql', 'staging', 'static', 'status', 'swagger', 'swagger-ui', 'temp', 'test',
         'tmp', 'upload', 'uploads', 'v1', 'v2', 'vendor', 'web', 'wp-admin', 'wp-login.php', '.env', '.git', '.htaccess',
         'actuator', 'api-docs', 'openapi.json', 'robots.txt', 'sitemap.xml', 'xmlrpc.php', 'cron', 'export', 'import',
         'users', 'accounts', 'billing', 'invoices']
open(f'{w}/words.txt', 'w').write('\n'.join(words) + '\n')
EOF

# ---------------------------------------------------------------- helpers
start_node() {
  : > "$WORK/access.jsonl"
  ip netns exec "$SRV" node "$TOOLS/attack-api-server.mjs" "$SRV_IP" 80 "$WORK/access.jsonl" > "$WORK/node.out" 2>&1 &
  NODE_PID=$!
  for _ in $(seq 100); do grep -q listening "$WORK/node.out" 2>/dev/null && return 0; sleep 0.05; done
  echo "server did not start" >&2; cat "$WORK/node.out" >&2; exit 1
}
stop_node() { kill "$NODE_PID"; wait "$NODE_PID" || true; NODE_PID=""; }

start_dump() { # $1 = pcap
  rm -f "$1"
  ip netns exec "$SRV" tcpdump -Z root --immediate-mode -B 65536 -i aps-as -s 0 -U -w "$1" tcp > "$WORK/dump.out" 2>&1 &
  DUMP_PID=$!
  for _ in $(seq 100); do grep -q "listening on" "$WORK/dump.out" 2>/dev/null && return 0; sleep 0.05; done
  echo "tcpdump did not start" >&2; cat "$WORK/dump.out" >&2; exit 1
}
stop_dump() {
  sleep 0.5; kill -INT "$DUMP_PID"; wait "$DUMP_PID" || true; DUMP_PID=""
  # A capture that lost packets is not evidence: fail rather than keep it.
  if grep -E '^[1-9][0-9]* packets dropped by kernel' "$WORK/dump.out"; then echo "tcpdump dropped packets" >&2; exit 1; fi
}

start_benign() { # $1 = seconds, $2 = seed
  ip netns exec "$CLI" python3 "$TOOLS/benign-client.py" "$SRV_IP" "$BENIGN_IP" "$1" "$2" > "$WORK/benign.out" 2>&1 &
  BENIGN_PID=$!
}
stop_benign() { wait "$BENIGN_PID" || true; BENIGN_PID=""; }

now() { date +%s.%N | cut -c1-17; }

# Keep a capture under MAX_BYTES: the first packets only (editcap -r keeps a range).
cap_size() { # $1 = pcap
  local size; size=$(stat -c %s "$1")
  if [ "$size" -gt "$MAX_BYTES" ]; then
    local n; n=$(( $(tcpdump -r "$1" -nn 2>/dev/null | wc -l) * MAX_BYTES / size ))
    editcap -r "$1" "$1.cut" "1-$n" && mv "$1.cut" "$1"
  fi
}

# truth NAME TOOL COMMAND START END EXPECT_JSON ATTACKERS_JSON
truth() {
  python3 - "$HERE/$1.truth.json" "$1" "$2" "$3" "$4" "$5" "$6" "$7" <<'EOF'
import json, sys
out, name, tool, cmd, start, end, expect, attackers = sys.argv[1:9]
doc = {
    'capture': f'{name}.pcap',
    'server': '10.78.0.1:80',
    'benignClients': ['10.78.0.2 (benign-client.py, user bob, API key k-benign-7f3a9c)', '10.78.0.3 (curl)'],
    'tool': tool,
    'command': cmd,
    'attackerIps': json.loads(attackers),
    'window': {'start': float(start), 'end': float(end)},
    'expect': json.loads(expect),
}
open(out, 'w').write(json.dumps(doc, indent=2) + '\n')
EOF
}

benign_curl() { # a few ordinary curl calls from the second benign client
  for path in / /api/v1/products?q=lamp /api/v1/products?q=desk; do
    in_cli curl -s -o /dev/null --interface "$CURL_IP" -H 'Accept: application/json' "http://$SRV_IP$path"
    sleep 0.7
  done
}

record() { # $1 = name, $2 = benign seconds, then the attack function
  local name=$1 secs=$2 fn=$3
  start_node
  start_dump "$HERE/$name.pcap"
  start_benign "$secs" 7
  sleep 1
  benign_curl
  "$fn"
  stop_benign
  stop_dump
  stop_node
  cap_size "$HERE/$name.pcap"
  cp "$WORK/access.jsonl" "$HERE/logs/$name.access.jsonl"
}
mkdir -p "$HERE/logs"

# ---------------------------------------------------------------- attacks
attack_benign() { sleep 20; benign_curl; }

attack_hydra_brute() {
  use_source 10.78.0.10
  local cmd="hydra -l alice -P passwords.txt -t 4 -f $SRV_IP http-post-form /api/v1/login:username=^USER^&password=^PASS^:F=invalid credentials"
  local s; s=$(now)
  in_cli hydra -l alice -P "$WORK/passwords.txt" -t 4 -f "$SRV_IP" http-post-form '/api/v1/login:username=^USER^&password=^PASS^:F=invalid credentials' > "$WORK/hydra.out" 2>&1 || true
  local e; e=$(now)
  use_source "$BENIGN_IP"
  truth hydra-bruteforce hydra "$cmd" "$s" "$e" \
    '[{"type":"brute_force","principalKind":"ip","clientIp":"10.78.0.10","account":"alice"},{"type":"account_takeover","principalKind":"ip","clientIp":"10.78.0.10","account":"alice"}]' \
    '["10.78.0.10"]'
  sleep 2
}

attack_hydra_stuffing() {
  use_source 10.78.0.11
  local cmd="hydra -C combos.txt -t 4 $SRV_IP http-post-form /api/v1/login:username=^USER^&password=^PASS^:F=invalid credentials"
  local s; s=$(now)
  in_cli hydra -C "$WORK/combos.txt" -t 4 "$SRV_IP" http-post-form '/api/v1/login:username=^USER^&password=^PASS^:F=invalid credentials' > "$WORK/hydra.out" 2>&1 || true
  local e; e=$(now)
  use_source "$BENIGN_IP"
  truth hydra-stuffing hydra "$cmd" "$s" "$e" \
    '[{"type":"credential_stuffing","principalKind":"ip","clientIp":"10.78.0.11"}]' '["10.78.0.11"]'
  sleep 2
}

attack_distributed() {
  local s; s=$(now)
  local i=0
  while read -r u; do
    local ip="10.78.0.$((100 + i % 20))"
    in_cli curl -s -o /dev/null --interface "$ip" -H 'Content-Type: application/json' \
      --data "{\"username\":\"$u\",\"password\":\"Spring2024!\"}" "http://$SRV_IP/api/v1/login"
    i=$((i + 1))
    sleep 0.15
  done < "$WORK/dist-users.txt"
  local e; e=$(now)
  truth distributed-stuffing curl \
    "for each of 40 user names, from 20 source addresses in turn: curl --interface 10.78.0.1xx -H 'Content-Type: application/json' --data '{\"username\":\"memberNN\",\"password\":\"Spring2024!\"}' http://$SRV_IP/api/v1/login" \
    "$s" "$e" '[{"type":"credential_stuffing","principalKind":"distributed","clientIp":"10.78.0.100-119"}]' \
    "$(python3 -c 'import json; print(json.dumps([f"10.78.0.{i}" for i in range(100, 120)]))')"
  sleep 2
}

attack_sqlmap() {
  use_source 10.78.0.12
  local cmd="timeout 90 sqlmap -u http://$SRV_IP/api/v1/products?q=shoe&category=1 -p q --batch --level 1 --risk 1 --threads 1 --technique=BEU --time-sec 1 --flush-session"
  local s; s=$(now)
  in_cli timeout 90 sqlmap -u "http://$SRV_IP/api/v1/products?q=shoe&category=1" -p q --batch --level 1 --risk 1 --threads 1 \
    --technique=BEU --time-sec 1 --flush-session --output-dir "$WORK/sqlmap" > "$WORK/sqlmap.out" 2>&1 || true
  local e; e=$(now)
  use_source "$BENIGN_IP"
  truth sqlmap-injection sqlmap "$cmd" "$s" "$e" \
    '[{"type":"injection_attempt","principalKind":"ip","clientIp":"10.78.0.12","class":"sqli"},{"type":"bad_bot","principalKind":"ip","clientIp":"10.78.0.12"}]' '["10.78.0.12"]'
  sleep 2
}

attack_gobuster() {
  use_source 10.78.0.13
  local cmd="gobuster dir -u http://$SRV_IP/ -w words.txt -t 4 -q"
  local s; s=$(now)
  in_cli gobuster dir -u "http://$SRV_IP/" -w "$WORK/words.txt" -t 4 -q > "$WORK/gobuster.out" 2>&1 || true
  local e; e=$(now)
  use_source "$BENIGN_IP"
  truth gobuster-scan gobuster "$cmd" "$s" "$e" \
    '[{"type":"scanning","principalKind":"ip","clientIp":"10.78.0.13"},{"type":"bad_bot","principalKind":"ip","clientIp":"10.78.0.13"}]' '["10.78.0.13"]'
  sleep 2
}

attack_idwalk() {
  local tok
  tok=$(in_cli curl -s --interface 10.78.0.14 -H 'Content-Type: application/json' --data '{"username":"dave","password":"hunter2"}' "http://$SRV_IP/api/v1/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  local cmd="curl -s -H 'Authorization: Bearer <dave token>' http://$SRV_IP/api/v1/users/[1-80] (one keep-alive connection), after one login as dave"
  local s; s=$(now)
  in_cli curl -s -o /dev/null --interface 10.78.0.14 -H "Authorization: Bearer $tok" "http://$SRV_IP/api/v1/users/[1-80]"
  local e; e=$(now)
  truth idwalk-bola curl "$cmd" "$s" "$e" \
    '[{"type":"bola_enumeration","principalKind":"jwt_sub","clientIp":"10.78.0.14","subject":"dave"}]' '["10.78.0.14"]'
  sleep 2
}

attack_wrk() {
  use_source 10.78.0.15
  local cmd="wrk -t1 -c1 -d1s -H 'X-API-Key: k-flood-5d2e81' http://$SRV_IP/api/v1/items"
  local s; s=$(now)
  in_cli wrk -t1 -c1 -d1s -H 'X-API-Key: k-flood-5d2e81' "http://$SRV_IP/api/v1/items" > "$WORK/wrk.out" 2>&1 || true
  local e; e=$(now)
  use_source "$BENIGN_IP"
  truth wrk-flood wrk "$cmd" "$s" "$e" \
    '[{"type":"rate_limit_exceeded","principalKind":"api_key","clientIp":"10.78.0.15","apiKey":"k-flood-5d2e81"}]' '["10.78.0.15"]'
  sleep 2
}

ALL=("$@")
run() { # $1 = name, $2 = benign seconds, $3 = attack function
  if [ "${#ALL[@]}" -eq 0 ] || [[ " ${ALL[*]} " == *" $1 "* ]]; then record "$1" "$2" "$3"; return 0; fi
}
run benign 25 attack_benign
if [ "${#ALL[@]}" -eq 0 ] || [[ " ${ALL[*]} " == *" benign "* ]]; then
  truth benign none "benign-client.py 10.78.0.1 10.78.0.2 25 7; curl calls from 10.78.0.3" 0 0 '[]' '[]'
fi
run hydra-bruteforce 12 attack_hydra_brute
run hydra-stuffing 12 attack_hydra_stuffing
run distributed-stuffing 12 attack_distributed
run sqlmap-injection 12 attack_sqlmap
run gobuster-scan 10 attack_gobuster
run idwalk-bola 10 attack_idwalk
run wrk-flood 8 attack_wrk
ls -l "$HERE"/*.pcap
