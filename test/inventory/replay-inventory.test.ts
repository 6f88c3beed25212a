// End-to-end: the bundled capture replayed through the pipeline into the
// inventory, checked against tshark. Oracle: `tshark -r pcaps/own/api-keepalive.pcap
// -Y http.request -T fields -e http.host -e http.request.method -e http.request.uri`;
// its URIs are templated here by the one rule this capture needs (an all-digit
// segment is an id named after its plural parent), independently of src/inventory.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EndpointInventory } from '../../src/inventory/endpoint-inventory.js';
import { replayFiles } from '../../src/replay/replay.js';

const capture = fileURLToPath(new URL('../../pcaps/own/api-keepalive.pcap', import.meta.url));

function tsharkEndpoints(): string[] {
  const out = execFileSync('tshark', ['-r', capture, '-Y', 'http.request', '-T', 'fields', '-e', 'http.host', '-e', 'http.request.method', '-e', 'http.request.uri'], { encoding: 'utf8' });
  const counts = new Map<string, number>();
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [host, method, uri] = line.split('\t') as [string, string, string];
    const segs = uri.split('?')[0]!.split('/').filter(Boolean);
    const tmpl = segs.map((s, i) => (/^\d+$/.test(s) ? `{${segs[i - 1]!.replace(/s$/, '')}Id}` : s));
    const key = `${host} ${method} /${tmpl.join('/')}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k} ${n}`).sort();
}

describe('inventory of pcaps/own/api-keepalive.pcap', () => {
  it('learns the endpoints tshark shows, with their call counts', async () => {
    const inv = new EndpointInventory({ salt: 's' });
    const res = await replayFiles([capture], { workers: 0, onTransaction: (r) => void inv.record(r) });
    expect(res.error).toBeUndefined();
    const got = inv.endpoints().filter((e) => e.method !== '').map((e) => `${e.host} ${e.method} ${e.pathTemplate} ${e.calls}`).sort();
    const want = tsharkEndpoints();
    expect(want.length).toBeGreaterThanOrEqual(10);
    expect(got).toEqual(want);
  });
});
