/**
 * Environment of the live-capture tests: two network namespaces joined by two
 * veth pairs (10.79.0.0/24 used only inside them), the test API server with
 * its access log, curl clients, and the compiled `apisensor capture` command
 * run inside a namespace.
 *
 *   ns <p>-a                                   ns <p>-b
 *   <x>0 10.79.0.1/25   ── veth (direct) ──    <y>0 10.79.0.2/25     server on a, curl on b
 *   <x>1 10.79.0.129/25 ── veth (underlay) ──  <y>1 10.79.0.130/25   mirror tunnels, MTU 9000
 *
 * IPv6 is disabled in both namespaces so no neighbour discovery adds packets,
 * and the direct pair builds no GSO super-packets (gso_max_segs 1), so every
 * captured frame is a wire-sized frame.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The compiled CLI; tests run `node CLI capture ...` as a user would. */
export const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');
const ADDON = path.join(ROOT, 'native-bindings', 'build', 'Release', 'apisensor_pcap.node');
const COMPILED = path.join(ROOT, 'dist', 'src', 'cli', 'capture-command.js');

/** Why the live tests cannot run here, or null. */
export function liveSkipReason(): string | null {
  if (process.platform !== 'linux') return 'live capture tests need Linux';
  if (process.getuid?.() !== 0) return 'live capture tests need root (network namespaces, raw sockets)';
  if (!existsSync(ADDON)) return 'libpcap addon not built (apt-get install libpcap-dev; npm run build:native)';
  if (!existsSync(COMPILED)) return 'compiled CLI missing (npm run build)';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return "'ip' (iproute2) not installed";
  }
  return null;
}

export function sh(cmd: string, args: string[], opts: { allowFail?: boolean } = {}): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    if (opts.allowFail) return '';
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
  }
}

/** `ip netns exec NS cmd args...` */
export function nsExec(ns: string, cmd: string, args: string[], opts: { allowFail?: boolean } = {}): string {
  return sh('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

export interface NetnsPair {
  a: string;
  b: string;
  /** Direct pair: a side (server), b side (client). */
  a0: string;
  b0: string;
  /** Underlay pair. */
  a1: string;
  b1: string;
}

/**
 * Creates the namespaces `<prefix>-a` / `<prefix>-b` (deleting leftovers
 * first), addressed in `<subnet>.0/24` (default 10.79.0): .1/.2 on the direct
 * pair, .129/.130 on the underlay.
 */
export function createNetnsPair(prefix: string, short: string, subnet = '10.79.0'): NetnsPair {
  const n: NetnsPair = {
    a: `${prefix}-a`,
    b: `${prefix}-b`,
    a0: `${short}a0`,
    b0: `${short}b0`,
    a1: `${short}a1`,
    b1: `${short}b1`,
  };
  destroyNetnsPair(n);
  sh('ip', ['netns', 'add', n.a]);
  sh('ip', ['netns', 'add', n.b]);
  sh('ip', ['link', 'add', n.a0, 'netns', n.a, 'type', 'veth', 'peer', 'name', n.b0, 'netns', n.b]);
  sh('ip', ['link', 'add', n.a1, 'netns', n.a, 'type', 'veth', 'peer', 'name', n.b1, 'netns', n.b]);
  for (const ns of [n.a, n.b]) {
    nsExec(ns, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  }
  sh('ip', ['-n', n.a, 'addr', 'add', `${subnet}.1/25`, 'dev', n.a0]);
  sh('ip', ['-n', n.b, 'addr', 'add', `${subnet}.2/25`, 'dev', n.b0]);
  sh('ip', ['-n', n.a, 'addr', 'add', `${subnet}.129/25`, 'dev', n.a1]);
  sh('ip', ['-n', n.b, 'addr', 'add', `${subnet}.130/25`, 'dev', n.b1]);
  sh('ip', ['-n', n.a, 'link', 'set', n.a1, 'mtu', '9000']);
  sh('ip', ['-n', n.b, 'link', 'set', n.b1, 'mtu', '9000']);
  sh('ip', ['-n', n.a, 'link', 'set', n.a0, 'gso_max_segs', '1', 'gso_max_size', '1500'], { allowFail: true });
  sh('ip', ['-n', n.b, 'link', 'set', n.b0, 'gso_max_segs', '1', 'gso_max_size', '1500'], { allowFail: true });
  for (const d of [n.a0, n.a1]) sh('ip', ['-n', n.a, 'link', 'set', d, 'up']);
  for (const d of [n.b0, n.b1]) sh('ip', ['-n', n.b, 'link', 'set', d, 'up']);
  return n;
}

export function destroyNetnsPair(n: Pick<NetnsPair, 'a' | 'b'>): void {
  sh('ip', ['netns', 'del', n.a], { allowFail: true });
  sh('ip', ['netns', 'del', n.b], { allowFail: true });
}

/** A namespace pair with an HTTP test server in `a` (port 8080) logging to `log` in a temporary `dir`. */
export interface ServerLab {
  net: NetnsPair;
  dir: string;
  log: string;
  server: Running;
}

/**
 * Opens a ServerLab: createNetnsPair(prefix, short, subnet), a directory
 * `apisensor-<name>-*` in the system temp dir, and `serverScript` (relative
 * to the repo; default the access-log server) started in `a` on
 * `serverIp:8080` with its access log `dir/access.jsonl`. Close with
 * closeServerLab (also after a partial open).
 */
export async function openServerLab(o: { name: string; prefix: string; short: string; subnet?: string; serverIp: string; serverScript?: string }): Promise<ServerLab> {
  const dir = mkdtempSync(path.join(tmpdir(), `apisensor-${o.name}-`));
  const net = createNetnsPair(o.prefix, o.short, o.subnet);
  const log = path.join(dir, 'access.jsonl');
  const script = path.join(ROOT, o.serverScript ?? 'test/live/access-log-server.mjs');
  const server = startIn(net.a, process.execPath, [script, o.serverIp, '8080', log]);
  await server.waitFor('listening');
  return { net, dir, log, server };
}

/** Stops the server, deletes the namespaces and the directory. */
export async function closeServerLab(lab: ServerLab | undefined): Promise<void> {
  if (!lab) return;
  lab.server.child.kill('SIGTERM');
  await lab.server.exited;
  destroyNetnsPair(lab.net);
  rmSync(lab.dir, { recursive: true, force: true });
}

/** A child process with its collected output. */
export interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
  /** Resolves when stdout or stderr contains `text` (rejects if the process ends first). */
  waitFor: (text: string, timeoutMs?: number) => Promise<void>;
}

export function startIn(ns: string, cmd: string, args: string[]): Running {
  const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const listeners: Array<() => void> = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    for (const l of listeners) l();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const waitFor = (text: string, timeoutMs = 20_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (out.includes(text) || err.includes(text)) resolve();
      };
      listeners.push(check);
      check();
      const timer = setTimeout(() => reject(new Error(`timed out waiting for '${text}'; stderr: ${err}`)), timeoutMs);
      void exited.then(() => {
        clearTimeout(timer);
        if (!out.includes(text) && !err.includes(text)) reject(new Error(`process ended before '${text}'; stderr: ${err}`));
      });
    });
  return { child, stdout: () => out, stderr: () => err, exited, waitFor };
}

/** Starts `apisensor capture ARGS` in `ns` and waits until it captures. */
export async function startCapture(ns: string, args: string[]): Promise<Running> {
  const run = startIn(ns, process.execPath, [CLI, 'capture', ...args]);
  try {
    await run.waitFor('capturing on');
  } catch (err) {
    run.child.kill('SIGKILL');
    throw err;
  }
  return run;
}

/** SIGINT, then the exit code. */
export async function stopCapture(run: Running): Promise<number | null> {
  await new Promise((r) => setTimeout(r, 500));
  run.child.kill('SIGINT');
  return run.exited;
}

/** The fields both the access log and a TransactionRecord carry. */
export interface AccessEntry {
  clientIp: string;
  clientPort: number;
  method: string;
  uri: string;
  status: number;
  requestBodyLength: number;
  responseBodyLength: number;
}

export function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as T);
}

export function toAccessEntry(t: Record<string, unknown>): AccessEntry {
  return {
    clientIp: t['clientIp'] as string,
    clientPort: t['clientPort'] as number,
    method: t['method'] as string,
    uri: t['uri'] as string,
    status: t['status'] as number,
    requestBodyLength: t['requestBodyLength'] as number,
    responseBodyLength: t['responseBodyLength'] as number,
  };
}

export function sortEntries<T extends AccessEntry>(list: T[]): T[] {
  const key = (e: AccessEntry): string => `${e.clientIp}:${String(e.clientPort).padStart(5, '0')} ${e.uri} ${e.method}`;
  return [...list].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
}

/** The client traffic: several connections, keep-alive, a POST, a 404, a large multi-segment response. */
export function runClients(ns: string, host = '10.79.0.1', port = 8080): void {
  const base = `http://${host}:${port}`;
  nsExec(ns, 'curl', ['-sS', '-o', '/dev/null', '-o', '/dev/null', '-o', '/dev/null', `${base}/api/items/1`, `${base}/api/items/2?fields=name`, `${base}/api/items?limit=400`]);
  nsExec(ns, 'curl', ['-sS', '-o', '/dev/null', '-X', 'POST', '-H', 'content-type: application/json', '--data', '{"name":"widget","price":12}', `${base}/api/items`]);
  nsExec(ns, 'curl', ['-sS', '-o', '/dev/null', `${base}/no/such/path`]);
  for (let i = 0; i < 5; i++) nsExec(ns, 'curl', ['-sS', '-o', '/dev/null', `${base}/api/items/${100 + i}`]);
}

/** The MAC address of `dev` in `ns` (lower-case, colon-separated). */
export function linkMac(ns: string, dev: string): string {
  const info = JSON.parse(sh('ip', ['-n', ns, '-j', 'link', 'show', 'dev', dev])) as Array<{ address: string }>;
  return info[0]!.address;
}

/**
 * Whether this kernel can create a link of the given `ip link add … type …`
 * (e.g. `['erspan', 'seq', 'key', '1', 'local', …]`): tried in a throwaway
 * namespace that is deleted again. Kernels without ip_gre answer "Unknown
 * device type" for erspan and gretap.
 */
export function kernelSupportsLink(typeArgs: string[]): boolean {
  const ns = `aps-probe-${process.pid}`;
  sh('ip', ['netns', 'del', ns], { allowFail: true });
  try {
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['-n', ns, 'link', 'add', 'probe0', 'type', ...typeArgs]);
    return true;
  } catch {
    return false;
  } finally {
    sh('ip', ['netns', 'del', ns], { allowFail: true });
  }
}

/**
 * Mirrors both directions of `from`'s TCP packets (clsact ingress and egress,
 * u32 match on IP protocol 6) into `to` with `tc … action mirred egress mirror`.
 */
export function mirrorTcpInto(ns: string, from: string, to: string): void {
  nsExec(ns, 'tc', ['qdisc', 'replace', 'dev', from, 'clsact']);
  for (const dir of ['ingress', 'egress']) {
    nsExec(ns, 'tc', ['filter', 'add', 'dev', from, dir, 'protocol', 'ip', 'u32', 'match', 'ip', 'protocol', '6', '0xff', 'action', 'mirred', 'egress', 'mirror', 'dev', to]);
  }
}

/** Removes what mirrorTcpInto added on `from`. */
export function removeMirror(ns: string, from: string): void {
  nsExec(ns, 'tc', ['qdisc', 'del', 'dev', from, 'clsact'], { allowFail: true });
}
