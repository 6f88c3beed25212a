import { it } from 'vitest';
import { replayFiles } from '../../src/replay/replay.js';
it('x', async () => {
  const r = await replayFiles([process.env.PCAP!], { workers: 0, collect: true, ...(process.env.OPTS ? JSON.parse(process.env.OPTS) : {}) });
  for (const t of (r as any).transactions ?? []) console.log(JSON.stringify(t));
  const { transactions, ...rest } = r as any;
  console.log(JSON.stringify(rest, (k, v) => typeof v === 'bigint' ? String(v) : v));
}, 120000);
