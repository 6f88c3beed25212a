/**
 * The dashboard served at `/`: one self-contained HTML page (no framework,
 * no external resources) that
 *  - asks for a bearer token (kept in sessionStorage), opens `/v1/stream`
 *    with subprotocols `apisensor.v1.json` + `bearer.<token>` and the
 *    findings and inventory channels, resuming with `since` after a drop
 *    (exponential backoff, 1 s to 30 s);
 *  - lists live findings newest first (one row per finding id, updated by
 *    later revisions), coloured by severity; a click shows the evidence;
 *  - shows the endpoint inventory (`/v1/inventory`, every 5 s and on
 *    inventory events) with data-class badges; shadow endpoints (spec status
 *    `shadow`, or named by a `shadow_api` finding) highlighted;
 *  - charts transactions and findings per interval (`/v1/stats`, every 2 s)
 *    on a canvas.
 * All text from findings goes through `textContent` (never `innerHTML`):
 * URIs and notes come from observed traffic.
 */
import { DASHBOARD_SCRIPT } from './dashboard-script.js';

const STYLE = String.raw`
:root { --bg:#0f1419; --panel:#182029; --fg:#d8dee6; --muted:#8a96a3; --line:#2a3441;
  --critical:#ff4d6a; --high:#ff8c42; --medium:#f5c542; --low:#4fb3ff; --info:#9aa5b1; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui, sans-serif; background:var(--bg); color:var(--fg); }
header { display:flex; gap:12px; align-items:center; padding:10px 16px; background:var(--panel); border-bottom:1px solid var(--line); }
header h1 { font-size:16px; margin:0 12px 0 0; }
header input { width:320px; padding:5px 8px; background:var(--bg); color:var(--fg); border:1px solid var(--line); border-radius:4px; }
button { padding:5px 12px; background:#2d6cdf; color:#fff; border:0; border-radius:4px; cursor:pointer; }
#status { color:var(--muted); }
#status.ok { color:#5bd68a; } #status.bad { color:var(--critical); }
main { display:grid; grid-template-columns: 1.2fr 1fr; gap:12px; padding:12px; }
section { background:var(--panel); border:1px solid var(--line); border-radius:6px; padding:10px; min-height:120px; }
section h2 { font-size:13px; text-transform:uppercase; letter-spacing:.05em; color:var(--muted); margin:0 0 8px; }
#findings { list-style:none; margin:0; padding:0; max-height:420px; overflow:auto; }
#findings li { display:grid; grid-template-columns: 76px 1fr auto; gap:8px; padding:6px 8px; border-left:4px solid var(--info); border-bottom:1px solid var(--line); cursor:pointer; }
#findings li:hover, #findings li.sel { background:#202b37; }
.sev { font-weight:600; text-transform:uppercase; font-size:12px; }
.sev-critical { border-left-color:var(--critical)!important; } .sev-critical .sev { color:var(--critical); }
.sev-high { border-left-color:var(--high)!important; } .sev-high .sev { color:var(--high); }
.sev-medium { border-left-color:var(--medium)!important; } .sev-medium .sev { color:var(--medium); }
.sev-low { border-left-color:var(--low)!important; } .sev-low .sev { color:var(--low); }
.sev-info .sev { color:var(--info); }
.meta { color:var(--muted); font-size:12px; }
#evidence pre { white-space:pre-wrap; word-break:break-all; font-size:12px; max-height:300px; overflow:auto; background:var(--bg); padding:8px; border-radius:4px; }
#evidence table, #inventory table { width:100%; border-collapse:collapse; font-size:12px; }
td, th { text-align:left; padding:4px 6px; border-bottom:1px solid var(--line); }
th { color:var(--muted); font-weight:500; }
tr.shadow { background:rgba(255,140,66,.14); } tr.shadow td:first-child { border-left:3px solid var(--high); }
.badge { display:inline-block; padding:0 6px; margin:0 3px 2px 0; border-radius:8px; font-size:11px; background:#33404f; }
.badge.pii { background:#5b3f8c; } .badge.phi { background:#8c3f5b; } .badge.secret { background:#8c6a1f; } .badge.shadow { background:var(--high); color:#111; }
canvas { width:100%; height:160px; display:block; }
.legend span { margin-right:14px; font-size:12px; } .legend i { display:inline-block; width:10px; height:3px; margin-right:4px; vertical-align:middle; }
.wide { grid-column: 1 / span 2; }
`;

export const DASHBOARD_HTML = String.raw`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>apisensor</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style></head>
<body>
<header>
  <h1>apisensor</h1>
  <form id="login"><input id="token" type="password" placeholder="bearer token" autocomplete="off">
  <button id="connect" type="submit">Connect</button></form>
  <span id="status">not connected</span>
  <span class="meta" id="counts"></span>
</header>
<main>
  <section><h2>Live findings</h2><ul id="findings"></ul></section>
  <section id="evidence"><h2>Evidence</h2><div id="evidence-body" class="meta">Click a finding.</div></section>
  <section class="wide"><h2>Findings and transactions over time</h2>
    <div class="legend"><span><i style="background:#4fb3ff"></i>transactions / interval</span><span><i style="background:#ff4d6a"></i>findings / interval</span></div>
    <canvas id="chart" width="1200" height="160"></canvas></section>
  <section class="wide" id="inventory"><h2>Endpoint inventory</h2>
    <table><thead><tr><th>Method</th><th>Host</th><th>Path</th><th>Calls</th><th>Auth</th><th>Data classes</th><th>Spec</th></tr></thead>
    <tbody id="inventory-body"></tbody></table><div id="inventory-note" class="meta"></div></section>
</main>
<script>${DASHBOARD_SCRIPT}</script>
</body></html>
`;
