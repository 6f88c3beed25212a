#!/usr/bin/env python3
"""benign-client.py -- ordinary API use against attack-api-server.mjs, the
background traffic of every attack capture (see ../make-attacks.sh).

Usage: benign-client.py SERVER_IP SOURCE_IP SECONDS SEED

Logs in as bob (JSON body), then for SECONDS keeps one keep-alive connection
and calls /api/v1/me, its own /api/v1/users/8, a product search and
/api/v1/items with its own API key, with human-like pauses (0.4..2.5 s,
pseudo-random from SEED so a rerun makes the same sequence).
"""
import http.client
import json
import random
import sys
import time

server, source, seconds, seed = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)
HEADERS = {
    'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    'Accept': 'application/json, text/plain, */*',
    'Accept-Language': 'en-US,en;q=0.5',
    'Accept-Encoding': 'identity',
}


def conn():
    return http.client.HTTPConnection(server, 80, timeout=10, source_address=(source, 0))


c = conn()
body = json.dumps({'username': 'bob', 'password': 'builder'})
c.request('POST', '/api/v1/login', body=body, headers={**HEADERS, 'Content-Type': 'application/json'})
r = c.getresponse()
token = json.loads(r.read())['token']
auth = {**HEADERS, 'Authorization': f'Bearer {token}', 'Cookie': 'theme=dark; lang=en'}
calls = [
    ('GET', '/api/v1/me', auth),
    ('GET', '/api/v1/users/8', auth),
    ('GET', '/api/v1/products?q=shoes&category=2', HEADERS),
    ('GET', '/api/v1/products?q=socks', HEADERS),
    ('GET', '/api/v1/items', {**HEADERS, 'X-API-Key': 'k-benign-7f3a9c'}),
    ('GET', '/api/v1/orders/5001', auth),
    ('GET', '/', {**HEADERS, 'Accept': 'text/html'}),
]
end = time.time() + seconds
while time.time() < end:
    method, path, headers = calls[rng.randrange(len(calls))]
    try:
        c.request(method, path, headers=headers)
        c.getresponse().read()
    except (OSError, http.client.HTTPException):
        c.close()
        c = conn()
    time.sleep(0.4 + rng.random() * 2.1)
c.close()
