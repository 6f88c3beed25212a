import { it } from 'vitest';
import { run } from './harness.js';
it('dbg', () => {
  const r = run([
    { d: 0, data: 'CONNECT abc:443 HTTP/1.1\r\nUser-Agent: V\r\n\r\n' },
    { d: 1, data: 'HTTP/1.1 200 OK\r\nServer: V\r\n\r\n' },
    { d: 0, data: 'GE' },
    { d: 0, data: 'T / HTTP/1.1\r\nUser-Agent: V\r\n\r\n' },
    { d: 1, data: 'HTTP/1.1 200 OK\r\nServer: V\r\n\r\n' },
  ]);
  console.log('@@', JSON.stringify(r.records.map((x) => [x.method, x.uri, x.status, x.flags])), JSON.stringify(r.events));
});
