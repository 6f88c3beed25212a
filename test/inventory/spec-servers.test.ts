// Server Object scoping (OpenAPI 3.1.0 §4.8.5, §4.8.6): URLs, variables, host matching.
// Expected values are read off the URLs by hand (RFC 3986 §3: scheme ":" "//" authority path).
import { describe, expect, it } from 'vitest';
import { DEFAULT_SERVER, expandServers, parseServerUrl, serverCoversHost, splitHostPort } from '../../src/inventory/spec-servers.js';

const server = (url: string) => ({ url, ...parseServerUrl(url) });

describe('spec servers', () => {
  it('absolute, scheme-relative and relative URLs', () => {
    expect(parseServerUrl('https://API.Example.com/v2/')).toEqual({ host: 'api.example.com', port: null, basePath: '/v2' });
    expect(parseServerUrl('http://user@10.78.0.1:8080/api/v1?x=1#f')).toEqual({ host: '10.78.0.1', port: 8080, basePath: '/api/v1' });
    expect(parseServerUrl('//[2001:db8::1]:8443')).toEqual({ host: '[2001:db8::1]', port: 8443, basePath: '' });
    expect(parseServerUrl('/api/v1')).toEqual({ host: null, port: null, basePath: '/api/v1' });
    expect(parseServerUrl('/')).toEqual({ host: null, port: null, basePath: '' });
    expect(parseServerUrl('.')).toEqual({ host: null, port: null, basePath: '' });
    expect(splitHostPort('[::1]:80')).toEqual({ name: '[::1]', port: 80 });
    expect(splitHostPort('shop.example.com')).toEqual({ name: 'shop.example.com', port: null });
  });

  it('host and port matching: scheme ignored, a port compared only when given', () => {
    const plain = server('https://shop.example.com');
    expect(serverCoversHost(plain, 'shop.example.com')).toBe(true);
    expect(serverCoversHost(plain, 'shop.example.com:8080')).toBe(true);
    expect(serverCoversHost(plain, 'records.example.com')).toBe(false);
    expect(serverCoversHost(plain, 'shop.example.com.evil')).toBe(false);
    const ported = server('http://10.78.0.1:8080');
    expect(serverCoversHost(ported, '10.78.0.1:8080')).toBe(true);
    expect(serverCoversHost(ported, '10.78.0.1')).toBe(false);
    // An endpoint host without a port is on port 80 (hostOf removes `:80`).
    expect(serverCoversHost(server('http://api.example.com:80'), 'api.example.com')).toBe(true);
    expect(serverCoversHost(DEFAULT_SERVER, 'anything:1234')).toBe(true);
  });

  it('variables: enum values with the default first; undefined ones and overflow become wildcards', () => {
    const notes: string[] = [];
    const s = expandServers([{
      url: 'https://{env}.example.com/api/{version}',
      variables: { env: { default: 'shop', enum: ['staging', 'shop'] }, version: { default: 'v1' } },
    }], notes);
    expect(s.map((x) => x.url)).toEqual(['https://shop.example.com/api/v1', 'https://staging.example.com/api/v1']);
    expect(s[1]).toEqual({ url: 'https://staging.example.com/api/v1', host: 'staging.example.com', port: null, basePath: '/api/v1' });
    expect(notes).toEqual([]);

    const wild = expandServers([{ url: 'http://{tenant}.example.com:{port}/{base}', variables: { port: { default: '8080' } } }], notes);
    expect(wild.map((x) => [x.host, x.port, x.basePath])).toEqual([['{tenant}.example.com', 8080, '/{base}']]);
    expect(serverCoversHost(wild[0]!, 'a.example.com:8080')).toBe(true);
    expect(serverCoversHost(wild[0]!, 'a.example.org:8080')).toBe(false);
    expect(notes).toEqual([
      'servers: http://{tenant}.example.com:{port}/{base}: variable {tenant} has no default or enum value; matched as a wildcard',
      'servers: http://{tenant}.example.com:{port}/{base}: variable {base} has no default or enum value; matched as a wildcard',
    ]);

    const many: string[] = [];
    const enumOf = (n: number) => ({ default: 'a0', enum: Array.from({ length: n }, (_, i) => `a${i}`) });
    const big = expandServers([{ url: 'http://{a}.{b}.example.com', variables: { a: enumOf(3), b: enumOf(30) } }], many, 64);
    // 3 × 30 = 90 > 64: the larger set {b} becomes a wildcard, leaving 3 URLs.
    expect(big.map((x) => x.host)).toEqual(['a0.{b}.example.com', 'a1.{b}.example.com', 'a2.{b}.example.com']);
    expect(many).toEqual(['servers: http://{a}.{b}.example.com: more than 64 expansions; variable {b} matched as a wildcard']);
  });

  it('absent, empty or URL-less servers expand to nothing (the caller inherits or uses the default)', () => {
    expect(expandServers(undefined, [])).toEqual([]);
    expect(expandServers([], [])).toEqual([]);
    expect(expandServers([{ description: 'x' }], [])).toEqual([]);
  });
});
