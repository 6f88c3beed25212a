/**
 * The service runs its sockets in a worker thread loaded from
 * dist/workers/stream-worker.js, so the compiled output must match the
 * sources under test: rebuild (tsc) when dist is missing or older than
 * src/serve, src/findings, src/cli, src/replay or workers/stream-worker.ts. Test files run in
 * parallel processes: one builds (lock directory), the others wait for it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function stale(): boolean {
  const built = join(root, 'dist/workers/stream-worker.js');
  if (!existsSync(built)) return true;
  const builtTime = Math.min(statSync(built).mtimeMs, statSync(join(root, 'dist/src/serve/service.js')).mtimeMs);
  const src = Math.max(newest(join(root, 'src/serve')), newest(join(root, 'src/findings')), newest(join(root, 'src/cli')), newest(join(root, 'src/replay')),
    statSync(join(root, 'workers/stream-worker.ts')).mtimeMs);
  return builtTime < src;
}

export function ensureBuilt(): void {
  if (!stale()) return;
  const lock = join(root, 'dist/.serve-test-build.lock');
  mkdirSync(join(root, 'dist'), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) rmSync(lock, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      if (!stale()) return;
    }
  }
  try {
    if (stale()) spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'ignore' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

ensureBuilt();
