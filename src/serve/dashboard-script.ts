/**
 * Browser script of the dashboard (see dashboard-page.ts), as text. Plain
 * ES2020 for current browsers; no template literals inside (this file is a
 * template literal itself).
 */
export const DASHBOARD_SCRIPT = String.raw`
'use strict';
(function () {
  var MAX_FINDINGS = 500;
  var state = { token: sessionStorage.getItem('apisensor.token') || '', ws: null, lastSeq: null, backoff: 1000,
    findings: new Map(), shadowKeys: new Set(), selected: null, stats: [], prev: null, retry: null, stop: false };
  var $ = function (id) { return document.getElementById(id); };
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined && text !== null) e.textContent = String(text); return e; }
  function setStatus(text, cls) { var s = $('status'); s.textContent = text; s.className = cls || ''; }
  function fmtTime(t) { return t ? new Date(t * 1000).toISOString().replace('T', ' ').slice(0, 19) : ''; }

  function renderFindings() {
    var ul = $('findings');
    var list = Array.from(state.findings.values()).sort(function (a, b) { return b.seq - a.seq; });
    ul.replaceChildren();
    list.forEach(function (f) {
      var li = el('li', 'sev-' + f.severity + (state.selected === f.id ? ' sel' : ''));
      li.dataset.seq = String(f.seq);
      li.dataset.id = f.id;
      li.appendChild(el('span', 'sev', f.severity));
      var mid = el('div');
      mid.appendChild(el('div', 'title', f.title));
      var ep = f.endpoint ? f.endpoint.method + ' ' + f.endpoint.host + f.endpoint.pathTemplate : '';
      mid.appendChild(el('div', 'meta', f.type + ' · ' + f.owaspApi + (ep ? ' · ' + ep : '')));
      li.appendChild(mid);
      li.appendChild(el('span', 'meta', fmtTime(f.window && f.window.end)));
      li.addEventListener('click', function () { state.selected = f.id; showEvidence(f); renderFindings(); });
      ul.appendChild(li);
    });
    $('counts').textContent = state.findings.size + ' findings' + (state.lastSeq !== null ? ' · seq ' + state.lastSeq : '');
  }

  function showEvidence(f) {
    var box = $('evidence-body');
    box.replaceChildren();
    box.className = '';
    box.appendChild(el('h3', null, f.title));
    box.appendChild(el('p', null, f.description));
    var p = f.principal ? f.principal.kind + ' ' + f.principal.id + ' from ' + f.principal.clientIp : 'no principal';
    box.appendChild(el('p', 'meta', f.type + ' · ' + f.severity + ' · confidence ' + f.confidence + ' · ' + p + ' · revision ' + f.revision));
    var t = el('table');
    var head = el('tr');
    ['uid', 'depth', 'time', 'method', 'uri', 'status'].forEach(function (h) { head.appendChild(el('th', null, h)); });
    t.appendChild(head);
    ((f.evidence && f.evidence.transactions) || []).forEach(function (x) {
      var tr = el('tr');
      [x.uid, x.transDepth, fmtTime(x.ts), x.method, x.uri, x.status].forEach(function (v) { tr.appendChild(el('td', null, v)); });
      t.appendChild(tr);
    });
    box.appendChild(t);
    ((f.evidence && f.evidence.notes) || []).forEach(function (n) { box.appendChild(el('p', 'meta', n)); });
    box.appendChild(el('pre', null, JSON.stringify({ counts: f.counts, window: f.window, captureHealth: f.captureHealth }, null, 2)));
  }

  function onMessage(m) {
    if (m.channel === 'control') {
      if (m.type === 'hello') { setStatus('connected (' + m.encoding + ')', 'ok'); state.backoff = 1000; }
      else if (m.type === 'gap') { setStatus('connected; missed seq ' + m.from + '..' + m.to, 'ok'); }
      return;
    }
    state.lastSeq = m.seq;
    if (m.channel === 'findings') {
      var f = m.finding;
      var have = state.findings.get(f.id);
      if (!have || have.revision <= f.revision) state.findings.set(f.id, f);
      if (f.type === 'shadow_api' && f.endpoint) { state.shadowKeys.add(f.endpoint.method + ' ' + f.endpoint.host + ' ' + f.endpoint.pathTemplate); }
      if (state.findings.size > MAX_FINDINGS) {
        var oldest = Array.from(state.findings.values()).sort(function (a, b) { return a.seq - b.seq; })[0];
        state.findings.delete(oldest.id);
      }
      scheduleRender();
    } else if (m.channel === 'inventory') {
      loadInventory();
    }
  }

  var renderPending = false;
  function scheduleRender() {
    if (renderPending) return;
    renderPending = true;
    requestAnimationFrame(function () { renderPending = false; renderFindings(); });
  }

  function connect() {
    if (!state.token) { setStatus('enter a token', 'bad'); return; }
    if (state.ws) { state.stop = true; state.ws.close(1000, 'reconnect'); }
    state.stop = false;
    var proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    var since = state.lastSeq === null ? 0 : state.lastSeq;
    var url = proto + '//' + location.host + '/v1/stream?channel=findings,inventory&since=' + since;
    var ws;
    try { ws = new WebSocket(url, ['apisensor.v1.json', 'bearer.' + state.token]); }
    catch (e) { setStatus('cannot connect: ' + e.message, 'bad'); return; }
    state.ws = ws;
    setStatus('connecting…');
    ws.onmessage = function (ev) { try { onMessage(JSON.parse(ev.data)); } catch (e) { /* ignore a bad frame */ } };
    ws.onclose = function (ev) {
      if (state.ws !== ws) return;
      state.ws = null;
      var why = ev.code === 4001 ? 'token expired' : ev.code === 4008 ? 'too slow, resuming' : ev.code === 1001 ? 'server stopped' : ev.code === 1006 ? 'refused or lost (check the token)' : 'closed ' + ev.code;
      setStatus('disconnected: ' + why, 'bad');
      if (state.stop || ev.code === 4001) return;
      clearTimeout(state.retry);
      state.retry = setTimeout(connect, state.backoff);
      state.backoff = Math.min(state.backoff * 2, 30000);
    };
    loadInventory();
  }

  function api(path) {
    return fetch(path, { headers: { Authorization: 'Bearer ' + state.token }, cache: 'no-store' });
  }

  function loadInventory() {
    if (!state.token) return;
    api('/v1/inventory').then(function (r) {
      if (r.status === 501) { $('inventory-note').textContent = 'No inventory attached to this sensor.'; return null; }
      if (!r.ok) { $('inventory-note').textContent = 'Inventory: HTTP ' + r.status; return null; }
      return r.json();
    }).then(function (body) { if (body) renderInventory(body.endpoints); }).catch(function () {});
  }

  function renderInventory(eps) {
    var tb = $('inventory-body');
    tb.replaceChildren();
    $('inventory-note').textContent = eps.length + ' endpoints';
    eps.forEach(function (e) {
      var shadow = e.specStatus === 'shadow' || state.shadowKeys.has(e.method + ' ' + e.host + ' ' + e.pathTemplate);
      var tr = el('tr', shadow ? 'shadow' : '');
      tr.dataset.id = e.id;
      tr.appendChild(el('td', null, e.method));
      tr.appendChild(el('td', null, e.host));
      tr.appendChild(el('td', null, e.pathTemplate));
      tr.appendChild(el('td', null, e.calls));
      tr.appendChild(el('td', null, e.authSchemes.length ? e.authSchemes.join(', ') : 'none'));
      var dc = el('td');
      e.dataClasses.forEach(function (d) { dc.appendChild(el('span', 'badge ' + d.category, d.kind)); });
      tr.appendChild(dc);
      var sp = el('td');
      if (shadow) sp.appendChild(el('span', 'badge shadow', 'shadow'));
      else sp.textContent = e.specStatus || '';
      tr.appendChild(sp);
      tb.appendChild(tr);
    });
  }

  function pollStats() {
    if (!state.token) return;
    api('/v1/stats').then(function (r) { return r.ok ? r.json() : null; }).then(function (s) {
      if (!s) return;
      if (state.prev) {
        state.stats.push({ tx: Math.max(0, s.transactions - state.prev.transactions), f: Math.max(0, s.findings - state.prev.findings) });
        if (state.stats.length > 120) state.stats.shift();
      }
      state.prev = s;
      drawChart();
    }).catch(function () {});
  }

  function drawChart() {
    var c = $('chart');
    var ctx = c.getContext('2d');
    var w = c.width, h = c.height, pad = 24;
    ctx.clearRect(0, 0, w, h);
    ctx.strokeStyle = '#2a3441';
    ctx.beginPath(); ctx.moveTo(pad, h - pad); ctx.lineTo(w - 4, h - pad); ctx.stroke();
    var pts = state.stats;
    c.dataset.points = String(pts.length);
    if (pts.length < 1) return;
    function line(key, color) {
      var max = Math.max(1, Math.max.apply(null, pts.map(function (p) { return p[key]; })));
      ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.beginPath();
      pts.forEach(function (p, i) {
        var x = pad + (w - pad - 4) * (pts.length === 1 ? 1 : i / (pts.length - 1));
        var y = h - pad - (h - 2 * pad) * (p[key] / max);
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.stroke();
      ctx.fillStyle = color; ctx.font = '11px sans-serif';
      ctx.fillText('max ' + max, key === 'tx' ? pad : pad + 90, 12);
    }
    line('tx', '#4fb3ff');
    line('f', '#ff4d6a');
  }

  $('token').value = state.token;
  $('login').addEventListener('submit', function (ev) {
    ev.preventDefault();
    state.token = $('token').value.trim();
    sessionStorage.setItem('apisensor.token', state.token);
    state.lastSeq = null;
    connect();
  });
  setInterval(pollStats, 2000);
  setInterval(loadInventory, 5000);
  if (state.token) connect();
})();
`;
