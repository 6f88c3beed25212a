#!/usr/bin/env python3
"""records-client.py -- python3 client half of api-20-routes.pcap (see ../make-capture.sh).

Usage: records-client.py SERVER_IP PORT

Talks to the `records.example.com` virtual host of inventory-api-server.mjs:
1. one keep-alive connection with http.client: patients (session cookie),
   notes (url-encoded form), statements (API key header), docs pages, the
   Basic-auth admin call;
2. one-shot urllib.request calls (each its own connection, `Connection:
   close`): PDF downloads with an `api_key` query parameter and a multipart
   upload.
Only the standard library; prints one line per response to stdout.
"""
import base64
import http.client
import sys
import urllib.parse
import urllib.request

server, port = sys.argv[1], int(sys.argv[2])
HOST = "records.example.com"
COOKIE = "sid=4f1c9a2e7b6d; theme=dark"
API_KEY = "k_live_5s8Qw2Ez7Rt1Yu4Io9Pa"


def show(method, url, status, body):
    print(f"{method} {url} -> {status} {len(body)}")


conn = http.client.HTTPConnection(server, port, timeout=10)


def call(method, url, body=None, headers=None):
    h = {"Host": HOST, "User-Agent": "records-client/1.0", "Accept": "application/json"}
    h.update(headers or {})
    conn.request(method, url, body=body, headers=h)
    resp = conn.getresponse()
    raw = resp.read()
    show(method, url, resp.status, raw)


for pid in (1001, 1002, 2047, 31, 1001):
    call("GET", f"/v2/patients/{pid}", headers={"Cookie": COOKIE})
for pid, note in ((1001, "follow-up in 2 weeks"), (2047, "asthma review"), (31, "lab results normal")):
    form = urllib.parse.urlencode({"note": note, "icd10": "J45.909", "author_npi": "1234567893", "visit": "2024-05-02"})
    call("POST", f"/v2/patients/{pid}/notes", body=form,
         headers={"Cookie": COOKIE, "Content-Type": "application/x-www-form-urlencoded"})
for acct in (501, 502, 77003):
    call("GET", f"/v2/accounts/{acct}/statements?month=2024-04", headers={"X-API-Key": API_KEY})
for page in ("intro", "setup", "oauth2", "faq", "intro", "setup", "faq", "intro", "oauth2", "intro", "setup", "faq"):
    call("GET", f"/v2/docs/{page}")
basic = base64.b64encode(b"ops:rotate-me-please").decode()
call("DELETE", "/v2/admin/cache", headers={"Authorization": f"Basic {basic}"})
conn.close()

FILES = ["handbook", "report-q1", "report-q2", "invoice-march", "terms", "privacy-policy", "brochure", "price-list",
         "INV20240001", "INV20240002", "welcome-letter", "menu", "catalog-2024", "terms"]
for name in FILES:
    url = f"http://{server}:{port}/files/{name}.pdf?api_key={API_KEY}"
    req = urllib.request.Request(url, headers={"Host": HOST})
    with urllib.request.urlopen(req, timeout=10) as resp:
        show("GET", f"/files/{name}.pdf", resp.status, resp.read())

boundary = "----records-client-boundary-7MA4YWxkTrZu0gW"
parts = [
    f'--{boundary}\r\nContent-Disposition: form-data; name="description"\r\n\r\nscan of intake form\r\n',
    f'--{boundary}\r\nContent-Disposition: form-data; name="patientId"\r\n\r\n1001\r\n',
    f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="intake.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n%%EOF\n\r\n',
    f"--{boundary}--\r\n",
]
for _ in range(2):
    req = urllib.request.Request(f"http://{server}:{port}/files", data="".join(parts).encode(), method="POST",
                                 headers={"Host": HOST, "Cookie": COOKIE, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        show("POST", "/files", resp.status, resp.read())
