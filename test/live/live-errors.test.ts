/**
 * `apisensor capture` start-up failures: each one clear line on stderr
 * (`apisensor: ...`, no stack trace) and a non-zero exit code. The messages
 * compared here are libpcap's (bad filter) or name the exact fix.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT, CLI, liveSkipReason, sh } from './live-env.js';

const compiled = existsSync(path.join(ROOT, 'dist', 'src', 'cli', 'capture-command.js'));
const skip = liveSkipReason();
if (skip) console.warn(`test/live/live-errors.test.ts: privileged cases skipped: ${skip}`);
if (!compiled) console.warn('test/live/live-errors.test.ts skipped: compiled CLI missing (npm run build)');

function run(args: string[], opts: { env?: Record<string, string>; prefix?: string[] } = {}) {
  const cmd = opts.prefix ?? [];
  const argv = [...cmd, process.execPath, CLI, 'capture', ...args];
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...opts.env }, timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^apisensor: /);
  expect(stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

describe.skipIf(!compiled)('apisensor capture: errors without privileges or addon', () => {
  it('without the addon names the package to install and the rebuild command', () => {
    const r = run(['-i', 'lo'], { env: { APISENSOR_PCAP_ADDON: path.join(ROOT, 'no-such-dir', 'apisensor_pcap.node') } });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(
      'apisensor: live capture needs the libpcap addon, which is not built: install libpcap (apt-get install libpcap-dev) and rebuild the addon (npm run build:native) [ERR_CAPTURE_ADDON_MISSING]',
    );
  });

  it('without -i is a usage error', () => {
    const r = run([]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe('apisensor: capture needs an interface: -i IFACE (list them with apisensor capture -D) [ERR_USAGE]');
  });
});

describe.skipIf(skip !== null || !compiled)('apisensor capture: errors from the system', () => {
  const ns = 'aps-live-err';
  beforeAll(() => {
    sh('ip', ['netns', 'del', ns], { allowFail: true });
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['-n', ns, 'link', 'add', 'aplerr0', 'type', 'veth', 'peer', 'name', 'aplerr1']);
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  });
  afterAll(() => {
    sh('ip', ['netns', 'del', ns], { allowFail: true });
  });

  it('rejects a BPF filter that does not compile, with libpcap\'s reason', () => {
    const r = run(['-i', 'lo', '-f', 'tcp port', '--workers', '0'], { prefix: ['ip', 'netns', 'exec', ns] });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe("apisensor: bad capture filter 'tcp port': can't parse filter expression: syntax error [ERR_CAPTURE_FILTER]");
  });

  it('rejects an interface that does not exist, listing those that do', () => {
    const r = run(['-i', 'aplnope0'], { prefix: ['ip', 'netns', 'exec', ns] });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe("apisensor: no such interface 'aplnope0' (interfaces here: aplerr0, aplerr1, lo) [ERR_CAPTURE_NO_DEVICE]");
  });

  it('rejects an interface that is down, saying how to bring it up', () => {
    const r = run(['-i', 'aplerr0'], { prefix: ['ip', 'netns', 'exec', ns] });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe("apisensor: interface 'aplerr0' is down (bring it up: ip link set aplerr0 up) [ERR_CAPTURE_IFACE_DOWN]");
  });

  it('without CAP_NET_RAW (as nobody) says which privilege is missing', () => {
    const r = run(['-i', 'lo'], { prefix: ['ip', 'netns', 'exec', ns, 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] });
    expect(r.code).toBe(2);
    const line = oneLine(r.stderr);
    expect(line).toMatch(/^apisensor: no permission to capture on 'lo': run as root or grant CAP_NET_RAW and CAP_NET_ADMIN /);
    expect(line).toContain('CAP_NET_RAW');
  });
});
