/**
 * Issue 5 defect: the seq of a finding must not depend on `--serve`.
 * Findings and inventory-change events share one seq space; the inventory
 * events used to be published only by the service, so `--findings FILE`
 * numbered findings differently with and without `--serve`. The CLI runs in
 * child processes on a real attack capture (pcaps/attacks/hydra-stuffing.pcap,
 * whose inventory events come between its findings).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { spawnCli, type CliProcess } from './cli-process.js';

const CAPTURE = 'pcaps/attacks/hydra-stuffing.pcap';
const dir = mkdtempSync(join(tmpdir(), 'apisensor-seq-numbering-'));
const children: CliProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): CliProcess {
  const p = spawnCli(args);
  children.push(p);
  return p;
}

async function replayFindings(name: string, extra: string[] = []): Promise<string> {
  const file = join(dir, name);
  const p = run(['replay', CAPTURE, '--db', ':memory:', '--findings', file, '--quiet', '--workers', '1', ...extra]);
  expect(await p.exit).toBe(0);
  return readFileSync(file, 'utf8');
}

describe('finding seq numbering', () => {
  it('is the same with and without --serve, and across runs', async () => {
    const a1 = await replayFindings('a1.jsonl');
    const a2 = await replayFindings('a2.jsonl');

    const served = join(dir, 'b.jsonl');
    const b = run(['replay', CAPTURE, '--db', ':memory:', '--findings', served, '--quiet', '--workers', '1',
      '--serve', '--listen', '127.0.0.1:0', '--no-auth']);
    await b.waitErr(/replay done; serving findings on http:\/\/127\.0\.0\.1:\d+/);
    b.child.kill('SIGINT');
    expect(await b.exit).toBe(0);
    const bText = readFileSync(served, 'utf8');

    expect(a1.length).toBeGreaterThan(0);
    expect(a2).toBe(a1);
    expect(bText).toBe(a1);

    // The capture's truth: hydra from 10.78.0.11 is among the principals.
    const truth = JSON.parse(readFileSync('pcaps/attacks/hydra-stuffing.truth.json', 'utf8')) as { attackerIps: string[] };
    const findings = a1.trimEnd().split('\n').map((l) => JSON.parse(l) as { seq: number; principal: { clientIp: string } | null });
    expect(findings.some((f) => f.principal?.clientIp === truth.attackerIps[0])).toBe(true);
    // Seqs strictly increase; inventory events (6 endpoints, 8 data classes in this capture) take the gaps.
    const seqs = findings.map((f) => f.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('without the inventory, findings are numbered 1..n (no inventory events take numbers)', async () => {
    const text = await replayFindings('noinv.jsonl', []);
    const withInventory = text.trimEnd().split('\n').length;
    const file = join(dir, 'c.jsonl');
    const p = run(['replay', CAPTURE, '--no-inventory', '--findings', file, '--quiet', '--workers', '1']);
    expect(await p.exit).toBe(0);
    const seqs = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq);
    expect(seqs.length).toBe(withInventory);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });
});
