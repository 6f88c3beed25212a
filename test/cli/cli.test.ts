/**
 * The `apisensor` command as a user runs it (the compiled CLI; `npm test`
 * builds first): exit codes, one clear line for user errors and no stack
 * traces, transactions JSONL, and damaged files processed up to the damage.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, copyFileSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const CLI = 'dist/src/cli/main.js';
const CAPTURE = 'pcaps/own/api-keepalive.pcap';
let dir = '';

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectOneLineError(stderr: string): void {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^apisensor: /);
  expect(stderr).not.toMatch(/\n\s+at /);
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'apisensor-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('apisensor replay (command line)', () => {
  it('rejects an unknown flag with one line and exit code 2', () => {
    const r = run('replay', CAPTURE, '--no-such-flag');
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr);
    expect(r.stderr).toContain('--no-such-flag');
  });

  it('rejects a missing file with one line and exit code 2', () => {
    const r = run('replay', path.join(dir, 'missing.pcap'));
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr);
    expect(r.stderr).toContain('no such file');
  });

  it('rejects a bad --workers value and an unknown command', () => {
    expect(run('replay', CAPTURE, '--workers', 'many').code).toBe(2);
    const r = run('frobnicate');
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr);
  });

  it('refuses random bytes and a text file as captures, without a stack trace', () => {
    const random = path.join(dir, 'random.bin');
    writeFileSync(random, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 0xff)));
    const text = path.join(dir, 'notes.txt');
    writeFileSync(text, '<!DOCTYPE html><html><body>not a capture</body></html>\n');
    for (const file of [random, text]) {
      const r = run('replay', file);
      expect(r.code).toBe(2);
      expectOneLineError(r.stderr);
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(/not a pcap or pcapng/);
    }
  });

  it('processes a truncated capture up to the damage, names file and offset, exits 1', () => {
    const full = path.join(dir, 'full.pcap');
    copyFileSync(CAPTURE, full);
    const cut = path.join(dir, 'cut.pcap');
    copyFileSync(CAPTURE, cut);
    truncateSync(cut, statSync(full).size - 50);
    const whole = JSON.parse(run('replay', full, '--json', '--workers', '0').stdout);
    const r = run('replay', cut, '--json', '--workers', '0');
    expect(r.code).toBe(1);
    expectOneLineError(r.stderr);
    expect(r.stderr).toContain(cut);
    expect(r.stderr).toMatch(/byte offset \d+/);
    const partial = JSON.parse(r.stdout);
    expect(partial.packets).toBe(whole.packets - 1);
    expect(partial.transactions).toBeGreaterThan(0);
  });

  it('writes one JSON object per transaction, identical across runs and worker counts', () => {
    const a = path.join(dir, 'a.jsonl');
    const b = path.join(dir, 'b.jsonl');
    expect(run('replay', CAPTURE, '--transactions', a, '--quiet', '--workers', '0').code).toBe(0);
    expect(run('replay', CAPTURE, '--transactions', b, '--quiet', '--workers', '2').code).toBe(0);
    const text = readFileSync(a, 'utf8');
    expect(readFileSync(b, 'utf8')).toBe(text);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    const expected = readFileSync('pcaps/own/api-keepalive.expected.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(expected.length);
    expect(Object.keys(lines[0])).toEqual([
      'uid', 'transDepth', 'clientIp', 'clientPort', 'serverIp', 'serverPort', 'vlan', 'tunnel',
      'requestTs', 'responseTs', 'method', 'host', 'uri', 'httpVersion', 'status', 'reason', 'informational',
      'requestBodyLength', 'responseBodyLength', 'requestBodyDecodedLength', 'responseBodyDecodedLength',
      'requestContentType', 'responseContentType', 'requestContentEncoding', 'responseContentEncoding',
      'userAgent', 'flags',
    ]);
  });

  it('prints a human summary with the counters, and JSON with --json', () => {
    const human = run('replay', CAPTURE, '--workers', '1');
    expect(human.code).toBe(0);
    for (const word of ['packets', 'flows', 'transactions', 'gaps', 'events', 'caps']) expect(human.stdout).toContain(word);
    const json = JSON.parse(run('replay', CAPTURE, '--json').stdout);
    for (const key of ['packets', 'bytes', 'flows', 'transactions', 'events', 'gaps', 'gapBytes', 'flowsEvicted', 'caps']) {
      expect(json).toHaveProperty(key);
    }
  });
});
