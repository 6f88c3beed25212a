/**
 * The shortcuts of the analysis hot path give the results of the long way:
 * DataClassifier key-name cache and validator guards (data-classes.ts), the
 * shared JSON parse of a body sample (json-sample.ts) and the JWT decode memo
 * (auth-detect.ts). Values are hand-made to sit on each guard's edge.
 */
import { describe, expect, it } from 'vitest';
import { DataClassifier, type DataClassHit } from '../../src/inventory/data-classes.js';
import { parseJsonSample } from '../../src/inventory/json-sample.js';
import { decodeJwt } from '../../src/inventory/auth-detect.js';

const kinds = (hits: DataClassHit[]) => hits.map((h) => `${h.kind}@${h.location}`);
const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('DataClassifier guards', () => {
  it('classifies values that pass only one guard', () => {
    const c = new DataClassifier({ salt: 's' });
    const hits: DataClassHit[] = [];
    c.classifyValue('a', 'addr', '::', hits); // IPv6 unspecified address: a colon, no digit
    c.classifyValue('b', 'note', 'plain words without any digit', hits); // no class
    c.classifyValue('c', 'token', `ghp_${'a'.repeat(36)}`, hits);
    c.classifyValue('d', 'k', `sk_live_${'A'.repeat(16)}`, hits);
    c.classifyValue('e', 'k', 'xoxb-123456-abcdefgh', hits);
    c.classifyValue('f', 'k', `ASIA${'B'.repeat(16)}`, hits);
    c.classifyValue('g', 'npi', 1234567893, hits); // a number, classified by key hint
    c.classifyValue('h', 'SSN', 536221234, hits);
    c.classifyValue('i', 'count', 1234567893, hits); // no hint: numbers are not classified
    expect(kinds(hits)).toEqual(['ip_address@a', 'github_token@c', 'stripe_key@d', 'slack_token@e', 'aws_access_key_id@f', 'npi@g', 'us_ssn@h']);
  });

  it('finds secrets inside free text behind their substring guards', () => {
    const c = new DataClassifier({ salt: 's' });
    const hits: DataClassHit[] = [];
    c.classifyValue('t1', 'note', `deploy with ghp_${'Z'.repeat(36)} today`, hits);
    c.classifyValue('t2', 'note', `key sk_test_${'9'.repeat(20)} rotated`, hits);
    c.classifyValue('t3', 'note', 'slack xoxp-1234567-abcdefghij posted', hits);
    c.classifyValue('t4', 'note', 'card 4111 1111 1111 1111 on file', hits);
    c.classifyValue('t5', 'note', 'no secrets here, only words and more words', hits);
    expect(kinds(hits)).toEqual(['github_token@t1', 'stripe_key@t2', 'slack_token@t3', 'payment_card@t4']);
  });

  it('keeps key-name meaning across a cleared key cache and any case', () => {
    const c = new DataClassifier({ salt: 's' });
    const hits: DataClassHit[] = [];
    for (let i = 0; i < 5000; i++) c.classifyValue('x', `k${i}`, 'v', hits);
    c.classifyValue('p1', 'Password', 'hunter2', hits);
    c.classifyValue('p2', 'new_password', 'hunter2', hits);
    c.classifyValue('p3', 'date-of-birth', '1990-04-12', hits);
    expect(kinds(hits)).toEqual(['password@p1', 'password@p2', 'date_of_birth@p3']);
  });
});

describe('parseJsonSample', () => {
  const enc = new TextEncoder();
  const textDecoder = new TextDecoder('utf-8');
  const viaTextDecoder = (b: Uint8Array) => textDecoder.decode(b);
  const viaBuffer = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');

  it('hands the same sample to the second reader without decoding again', () => {
    const sample = enc.encode('{"id":7,"name":"caf\u00e9"}');
    const first = parseJsonSample(sample, viaTextDecoder);
    expect(first).toEqual({ ok: true, value: { id: 7, name: 'caf\u00e9' } });
    const second = parseJsonSample(sample, () => {
      throw new Error('decoded twice');
    });
    expect(second).toBe(first);
    // another sample with the same bytes is parsed on its own
    expect(parseJsonSample(enc.encode('{"id":7,"name":"caf\u00e9"}'), viaBuffer)).not.toBe(first);
  });

  it('lets each reader decode a sample with a byte order mark its own way', () => {
    const sample = Uint8Array.of(0xef, 0xbb, 0xbf, ...enc.encode('[1]'));
    expect(parseJsonSample(sample, viaTextDecoder)).toEqual({ ok: true, value: [1] }); // TextDecoder drops the BOM
    expect(parseJsonSample(sample, viaBuffer)).toEqual({ ok: false }); // U+FEFF is not JSON whitespace
  });

  it('does not share samples that are not valid UTF-8', () => {
    const sample = Uint8Array.of(0x22, 0xff, 0x22); // "<invalid byte>"
    const a = parseJsonSample(sample, viaTextDecoder);
    const b = parseJsonSample(sample, viaBuffer);
    expect(a).toEqual({ ok: true, value: '\ufffd' });
    expect(b).toEqual({ ok: true, value: '\ufffd' });
    expect(b).not.toBe(a);
  });
});

describe('decodeJwt memo', () => {
  it('returns each token its own claims when tokens alternate', () => {
    const t1 = `${b64url({ alg: 'HS256' })}.${b64url({ sub: 'alice' })}.sig`;
    const t2 = `${b64url({ alg: 'none' })}.${b64url({ sub: 'bob' })}.`;
    expect(decodeJwt(t1)?.claims.sub).toBe('alice');
    expect(decodeJwt(t1)?.claims.sub).toBe('alice');
    expect(decodeJwt(t2)?.header.alg).toBe('none');
    expect(decodeJwt('not.a.jwt!')).toBeNull();
    expect(decodeJwt(t1)?.claims.sub).toBe('alice');
    expect(decodeJwt(t2)?.claims.sub).toBe('bob');
  });
});
