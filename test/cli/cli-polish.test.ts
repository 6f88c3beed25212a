/**
 * The compiled `apisensor` command on what a first-time user ran into:
 * bad `--trusted-proxy` values and negative numbers are one-line usage
 * errors (exit 2), a closed stdout ends a command quietly (exit 0), the
 * `--json` summary after `--transactions -` is one JSONL line, and the
 * `subscribe --channel` help gives the value that works.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const CLI = path.resolve('dist/src/cli/main.js');
const CAPTURE = path.resolve('pcaps/own/api-keepalive.pcap');
const EXPECTED = path.resolve('pcaps/own/api-keepalive.expected.jsonl');
const ATTACK = path.resolve('pcaps/attacks/idwalk-bola.pcap');
const FLOOD = path.resolve('pcaps/attacks/wrk-flood.pcap');
const ADDON = path.resolve('native-bindings/build/Release/apisensor_pcap.node');
let dir = '';

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectUsageLine(r: { code: number | null; stderr: string }, ...parts: string[]): void {
  expect(r.code).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^apisensor: /);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  for (const p of parts) expect(lines[0]).toContain(p);
}

/**
 * Runs the CLI with a stdout pipe whose reading end is closed right away
 * (before the child has even started), so every write it makes fails with
 * EPIPE, as under `| head` once head has gone.
 */
function runWithClosedStdout(...args: string[]): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'apisensor-cli-polish-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bad --trusted-proxy values are usage errors', () => {
  for (const bad of ['999.1.1.1', '10.0.0.0/99', 'banana']) {
    it(`replay --trusted-proxy ${bad}: one line naming the flag and the value, exit 2`, () => {
      expectUsageLine(run('replay', CAPTURE, '--db', ':memory:', '--trusted-proxy', bad), '--trusted-proxy', `'${bad}'`);
    });

    it(`capture --trusted-proxy ${bad}: refused before the capture starts, exit 2`, () => {
      expectUsageLine(run('capture', '-i', 'lo', '--db', ':memory:', '--trusted-proxy', bad), '--trusted-proxy', `'${bad}'`);
    });
  }

  it('accepts addresses and CIDR blocks of both families', () => {
    const r = run('replay', CAPTURE, '--db', ':memory:', '--quiet', '--trusted-proxy', '10.0.0.0/8', '--trusted-proxy', '2001:db8::/32', '--trusted-proxy', '192.0.2.1');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });
});

describe('a closed stdout ends the command quietly with exit 0', () => {
  it('replay with the human summary (stream writes)', async () => {
    expect(await runWithClosedStdout('replay', ATTACK, '--db', ':memory:')).toEqual({ code: 0, signal: null, stderr: '' });
  });

  it('replay --transactions - (synchronous writes), single-threaded and with workers', async () => {
    for (const workers of ['0', '2']) {
      expect(await runWithClosedStdout('replay', FLOOD, '--db', ':memory:', '--transactions', '-', '--quiet', '--workers', workers))
        .toEqual({ code: 0, signal: null, stderr: '' });
    }
  });

  it.skipIf(!existsSync(ADDON))('capture -D', async () => {
    expect(await runWithClosedStdout('capture', '-D')).toEqual({ code: 0, signal: null, stderr: '' });
  });
});

describe('replay --json with --transactions -', () => {
  it('prints the transactions, then the summary as one compact JSON line', () => {
    const expected = readFileSync(EXPECTED, 'utf8').trim().split('\n');
    const r = run('replay', CAPTURE, '--db', ':memory:', '--json', '--transactions', '-', '--workers', '0');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(expected.length + 1);
    const objects = lines.map((l) => JSON.parse(l));
    expect(objects.slice(0, -1).map((o) => [o.method, o.uri, o.status])).toEqual(expected.map((l) => {
      const o = JSON.parse(l);
      return [o.method, o.uri, o.status];
    }));
    expect(objects.at(-1).transactions).toBe(expected.length);
  });

  it('keeps the pretty-printed summary when the transactions go to a file', () => {
    const r = run('replay', CAPTURE, '--db', ':memory:', '--json', '--transactions', path.join(dir, 't.jsonl'));
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').length).toBeGreaterThan(3);
    expect(r.stdout.split('\n')[0]).toBe('{');
    expect(JSON.parse(r.stdout).transactions).toBe(readFileSync(EXPECTED, 'utf8').trim().split('\n').length);
  });
});

describe('negative numbers name the flag and its range', () => {
  it('replay --workers -1 and --list -1', () => {
    expectUsageLine(run('replay', CAPTURE, '--workers', '-1'), "--workers takes an integer ≥ 0, got '-1'");
    expectUsageLine(run('replay', CAPTURE, '--list', '-1'), "--list takes an integer ≥ 0, got '-1'");
  });

  it('capture -c -3 and --workers -1', () => {
    expectUsageLine(run('capture', '-i', 'lo', '-c', '-3'), "--count takes an integer ≥ 1, got '-3'");
    expectUsageLine(run('capture', '-i', 'lo', '--workers', '-1'), "--workers takes a whole number from 0 to 256, got '-1'");
  });

  it('subscribe --since -1', () => {
    expectUsageLine(run('subscribe', 'ws://127.0.0.1:1', '--since', '-1'), "--since takes an integer ≥ 0, got '-1'");
  });

  it('a flag still needs its value', () => {
    expectUsageLine(run('replay', CAPTURE, '--workers'), "option '--workers' needs a value");
  });
});

describe('subscribe --channel', () => {
  it('the help gives findings,inventory for both channels, and `both` is refused with that hint', () => {
    expect(run('subscribe', '--help').stdout).toMatch(/--channel C +findings \(default\), inventory, or findings,inventory for both/);
    expectUsageLine(run('subscribe', 'ws://127.0.0.1:1', '--channel', 'both'), "'both'", 'findings,inventory');
  });

  it('findings,inventory is accepted (the connection then fails: exit 1, gave up)', () => {
    const r = run('subscribe', 'ws://127.0.0.1:1', '--channel', 'findings,inventory', '--max-retries', '0', '--token', 'a'.repeat(20));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[ERR_SUBSCRIBE_GAVE_UP]');
  });
});

describe('parse errors of --spec and --rules', () => {
  it('a spec that is not YAML is one line naming the file and the line', () => {
    const spec = path.join(dir, 'broken-spec.yaml');
    writeFileSync(spec, 'openapi: 3.1.0\npaths:\n  /a: [unclosed\n');
    const r = run('replay', CAPTURE, '--db', ':memory:', '--spec', spec, '--quiet');
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^apisensor: .*broken-spec\.yaml: not YAML or JSON: .*line \d+.*\[ERR_SPEC_PARSE\]$/);
  });

  it('invalid rate rules are one line listing every problem', () => {
    const rules = path.join(dir, 'bad-rules.yaml');
    writeFileSync(rules, 'version: 1\nrules:\n  - name: a\n    limit: 0\n    windowSeconds: 60\n    per: nobody\n');
    const r = run('replay', CAPTURE, '--db', ':memory:', '--rules', rules, '--quiet');
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('invalid rate rules: ');
    expect(lines[0]).toContain('/rules/0/limit must be >= 1');
    expect(lines[0]).toContain('/rules/0/per must be equal to one of the allowed values');
  });
});

describe('--findings -', () => {
  it('writes the same JSONL to stdout as to a file', () => {
    const file = path.join(dir, 'findings-file.jsonl');
    expect(run('replay', ATTACK, '--db', ':memory:', '--quiet', '--findings', file).code).toBe(0);
    const r = run('replay', ATTACK, '--db', ':memory:', '--quiet', '--findings', '-');
    expect(r.code).toBe(0);
    const expected = readFileSync(file, 'utf8');
    expect(expected.length).toBeGreaterThan(0);
    expect(r.stdout).toBe(expected);
    expect(existsSync(path.join(dir, '-'))).toBe(false);
  });
});
