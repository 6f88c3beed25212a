import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { startService, type Service } from '../../src/serve/service.js';
import { TokenStore } from '../../src/serve/token-store.js';
import { TOKEN, TOKEN_B, connect, makeFinding } from './serve-helpers.js';

const services: Service[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
});

async function start(options: Parameters<typeof startService>[0]): Promise<Service> {
  const s = await startService(options);
  services.push(s);
  return s;
}

describe('stream lifecycle', () => {
  it('terminates a client that stops answering pings, counted as heartbeat_timeout', async () => {
    const s = await start({ listen: '127.0.0.1:0', tokens: new TokenStore([{ token: TOKEN }]), stream: { pingIntervalMs: 100 } });
    const url = `${s.url.replace('http', 'ws')}/v1/stream`;
    const live = await connect(url, { token: TOKEN });
    const mute = new WebSocket(url, { headers: { Authorization: `Bearer ${TOKEN}` }, autoPong: false });
    const closed = new Promise<number>((r) => mute.on('close', (code: number) => r(code)));
    const pinged = new Promise<void>((r) => mute.once('ping', () => r()));
    await pinged;
    // Terminated (no close frame): the client sees 1006.
    expect(await closed).toBe(1006);
    expect(s.events.get('stream.heartbeat_timeout')).toBe(1);
    // The client that answers pings is still served.
    s.bus.publish(makeFinding(1));
    await live.until((m) => m.some((x) => x.channel === 'findings'));
    live.ws.close();
  });

  it('closes with 4001 when the token of a connected client expires', async () => {
    const tokens = new TokenStore([{ token: TOKEN_B, expiresAtMs: Date.now() + 300 }]);
    const s = await start({ listen: '127.0.0.1:0', tokens, stream: { pingIntervalMs: 100 } });
    const c = await connect(`${s.url.replace('http', 'ws')}/v1/stream`, { token: TOKEN_B });
    expect(await c.closed).toEqual({ code: 4001, reason: 'token expired' });
    expect(s.events.get('stream.token_expired')).toBe(1);
  });

  it('fails to start with ERR_LISTEN when the port is taken', async () => {
    const a = await start({ listen: '127.0.0.1:0', tokens: new TokenStore([{ token: TOKEN }]) });
    await expect(startService({ listen: `127.0.0.1:${a.port}`, tokens: new TokenStore([{ token: TOKEN }]) }))
      .rejects.toMatchObject({ code: 'ERR_LISTEN', exitCode: 2 });
  });

  it('refuses clients beyond maxClients with 503 ERR_TOO_MANY_CLIENTS', async () => {
    const s = await start({ listen: '127.0.0.1:0', tokens: new TokenStore([{ token: TOKEN }]), stream: { maxClients: 2 } });
    const url = `${s.url.replace('http', 'ws')}/v1/stream`;
    const a = await connect(url, { token: TOKEN });
    const b = await connect(url, { token: TOKEN });
    await expect(connect(url, { token: TOKEN })).rejects.toMatchObject({ status: 503, body: { error: { code: 'ERR_TOO_MANY_CLIENTS' } } });
    expect(s.events.get('stream.rejected_max_clients')).toBe(1);
    a.ws.close();
    b.ws.close();
  });

  it('serves wss and HTTPS when a certificate and key are given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apisensor-tls-'));
    try {
      const cert = join(dir, 'cert.pem');
      const key = join(dir, 'key.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
        '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
      const s = await start({ listen: '127.0.0.1:0', tokens: new TokenStore([{ token: TOKEN }]), tlsCertFile: cert, tlsKeyFile: key });
      expect(s.url.startsWith('https://127.0.0.1:')).toBe(true);
      const ws = new WebSocket(`${s.url.replace('https', 'wss')}/v1/stream`, ['apisensor.v1.json'], {
        headers: { Authorization: `Bearer ${TOKEN}` }, ca: readFileSync(cert),
      });
      const first = await new Promise<Record<string, unknown>>((resolve, reject) => {
        ws.once('message', (d: Buffer) => resolve(JSON.parse(d.toString()) as Record<string, unknown>));
        ws.once('error', reject);
      });
      expect(first).toMatchObject({ channel: 'control', type: 'hello' });
      ws.close();
      await expect(startService({ listen: '127.0.0.1:0', tokens: new TokenStore([{ token: TOKEN }]), tlsCertFile: cert }))
        .rejects.toMatchObject({ code: 'ERR_TLS' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
