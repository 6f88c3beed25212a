// scratch: delete before finishing
import { it } from 'vitest';
import { replayFiles } from '../../src/replay/replay.js';
it.skipIf(!process.env.CAP)('debug', async () => {
  const f = process.env.CAP!;
  const r = await replayFiles([f], { workers: 0, collect: true });
  for (const t of r.transactions ?? []) console.log("@@"+JSON.stringify([t.uid, t.transDepth, t.method, t.host, t.uri, t.status, t.httpVersion, t.requestTs, t.responseTs, t.flags.join(',')]));
  console.log("@@"+JSON.stringify((r as any).summary?.events ?? (r as any).events ?? Object.keys(r)));
});
