/**
 * `apisensor replay CAPTURE --serve` end to end, as users run it: the CLI in
 * a child process, the `subscribe` command in another, an attack capture of
 * pcaps/attacks/ as the input (its truth file is the oracle).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { spawnCli, type CliProcess } from './cli-process.js';
import { TOKEN } from './serve-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'apisensor-replay-serve-'));
const children: CliProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}): CliProcess {
  const p = spawnCli(args, env);
  children.push(p);
  return p;
}

interface Truth { expect: { type: string; principalKind: string; clientIp: string }[] }

describe('replay --serve with subscribe', () => {
  it('the subscriber prints exactly the JSON lines that --findings wrote', async () => {
    const findingsFile = join(dir, 'findings.jsonl');
    const replay = run(['replay', 'pcaps/attacks/idwalk-bola.pcap', '--serve', '--db', ':memory:', '--listen', '127.0.0.1:0',
      '--findings', findingsFile, '--json', '--workers', '1'], { APISENSOR_TOKENS: TOKEN });
    const url = (await replay.waitErr(/serving findings on (http:\/\/127\.0\.0\.1:\d+) until Ctrl-C/))[1]!;
    await replay.waitOut((l) => l.join('\n').trimEnd().endsWith('}'));
    const summary = JSON.parse(replay.out.join('\n')) as { analysis: { findings: { emitted: number } } };
    const emitted = summary.analysis.findings.emitted;
    expect(emitted).toBeGreaterThan(0);

    const sub = run(['subscribe', url, '--token', TOKEN, '--since', '0']);
    await sub.waitOut((l) => l.length >= emitted);
    replay.child.kill('SIGINT');
    expect(await replay.exit).toBe(0);
    // The service said goodbye (1001); the subscriber would reconnect: stop it.
    await sub.waitErr(/disconnected \(closed 1001 /);
    sub.child.kill('SIGTERM');
    expect(await sub.exit).toBe(0);

    const written = readFileSync(findingsFile, 'utf8').split('\n').filter((l) => l !== '');
    expect(written.length).toBe(emitted);
    expect(sub.out).toEqual(written);
    // The capture's truth: an id walk by jwt_sub dave from 10.78.0.14.
    const truth = JSON.parse(readFileSync('pcaps/attacks/idwalk-bola.truth.json', 'utf8')) as Truth;
    const want = truth.expect[0]!;
    const bola = sub.out.map((l) => JSON.parse(l) as { type: string; principal: { kind: string; clientIp: string } | null })
      .filter((f) => f.type === want.type);
    expect(bola.length).toBeGreaterThan(0);
    expect(bola.every((f) => f.principal?.kind === want.principalKind && f.principal.clientIp === want.clientIp)).toBe(true);
  });
});
