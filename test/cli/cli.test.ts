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

const CLI = path.resolve('dist/src/cli/main.js');
const CAPTURE = path.resolve('pcaps/own/api-keepalive.pcap');
const ATTACK = path.resolve('pcaps/attacks/idwalk-bola.pcap');
let dir = '';

/** Runs the CLI in a scratch directory, so the default ./apisensor.db lands there. */
function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir });
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
    const expected = readFileSync(path.resolve('pcaps/own/api-keepalive.expected.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
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

  it('learns the inventory into ./apisensor.db by default and adds to it on the next replay', () => {
    const sub = mkdtempSync(path.join(dir, 'inv-'));
    const inCwd = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: sub });
    expect(inCwd('replay', CAPTURE, '--quiet').status).toBe(0);
    const first = JSON.parse(inCwd('inventory', 'list', '--json').stdout);
    expect(inCwd('replay', CAPTURE, '--quiet').status).toBe(0);
    const second = JSON.parse(inCwd('inventory', 'list', '--json').stdout);
    const calls = (list: { endpoints: { calls: number }[] }) => list.endpoints.reduce((n, e) => n + e.calls, 0);
    const expected = readFileSync(path.resolve('pcaps/own/api-keepalive.expected.jsonl'), 'utf8').trim().split('\n').length;
    expect(calls(first)).toBe(expected);
    expect(calls(second)).toBe(2 * expected);
  });

  it('writes findings as JSONL, identical across runs, and lists them in the summary', () => {
    const a = path.join(dir, 'f1.jsonl');
    const b = path.join(dir, 'f2.jsonl');
    const human = run('replay', ATTACK, '--db', ':memory:', '--findings', a, '--workers', '0');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/findings: \d+ episodes?/);
    expect(human.stdout).toContain('bola_enumeration');
    expect(run('replay', ATTACK, '--db', ':memory:', '--findings', b, '--workers', '2', '--quiet').code).toBe(0);
    const text = readFileSync(a, 'utf8');
    expect(readFileSync(b, 'utf8')).toBe(text);
    const findings = text.trim().split('\n').map((l) => JSON.parse(l));
    const truth = JSON.parse(readFileSync(path.resolve('pcaps/attacks/idwalk-bola.truth.json'), 'utf8'));
    const bola = findings.filter((f) => f.type === 'bola_enumeration');
    expect(bola.length).toBeGreaterThan(0);
    expect(bola.every((f) => truth.attackerIps.includes(f.principal.clientIp))).toBe(true);
    const seqs = findings.map((f) => f.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
  });

  it('rejects contradictory analysis flags with exit code 2', () => {
    const r = run('replay', CAPTURE, '--no-inventory', '--db', 'x.db');
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr);
  });
});
