#!/usr/bin/env python3
"""py-client.py -- python3 client half of api-keepalive.pcap (see ../make-captures.sh).

Usage: py-client.py SERVER_IP PORT HOST_HEADER

1. One keep-alive connection with http.client (the connection class under
   urllib.request), several requests in sequence.
2. Two one-shot requests with urllib.request (it sends `Connection: close`,
   so each is its own connection).
Only the standard library; prints one line per response to stdout.
"""
import http.client
import json
import sys
import urllib.request

server, port, host = sys.argv[1], int(sys.argv[2]), sys.argv[3]
TOKEN = None


def show(method, url, resp, body):
    print(f"{method} {url} -> {resp.status} {len(body)}")


conn = http.client.HTTPConnection(server, port, timeout=10)


def call(method, url, body=None, headers=None):
    global TOKEN
    h = {"Host": host, "User-Agent": "apisensor-pyclient/1.0", "Accept": "application/json"}
    h.update(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    # skip_host: the Host header above is sent as given.
    conn.request(method, url, body=data, headers=h)
    resp = conn.getresponse()
    raw = resp.read()
    show(method, url, resp, raw)
    return resp, raw


call("GET", "/api/v1/users")
call("GET", "/api/v1/users?q=J%C3%BCrgen&sort=-created")
call("GET", "/api/v1/users/42")
resp, raw = call("POST", "/api/v1/login", {"username": "bob", "password": "hunter2"})
TOKEN = json.loads(raw)["token"]
call("GET", "/api/v1/me")
call("GET", "/api/v1/me", headers={"Authorization": f"Bearer {TOKEN}"})
call("PUT", "/api/v1/users/42", {"email": "bob@example.com", "active": True})
call("GET", "/api/v1/orders/1001?expand=items")
call("GET", "/api/v1/orders/1001")
call("GET", "/api/v1/users?limit=60", headers={"Accept-Encoding": "gzip"})
call("GET", "/api/v1/orders/export", headers={"Accept-Encoding": "gzip"})
call("POST", "/api/v1/login", {"password": "no-user"})
call("GET", "/api/v1/products/9")
call("DELETE", "/api/v1/users/42")
call("GET", "/api/v1/users/42")
conn.close()

for method, url, body in (("GET", "/api/v1/users/42", None), ("POST", "/api/v1/login", {"username": "carol", "password": "pw"})):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://{server}:{port}{url}", data=data, method=method,
                                 headers={"Host": host, "Content-Type": "application/json"} if data else {"Host": host})
    with urllib.request.urlopen(req, timeout=10) as resp:
        raw = resp.read()
        show(method, url, resp, raw)
