import { it } from 'vitest';
import { EndpointInventory } from '../../src/inventory/endpoint-inventory.js';
import { tx } from './tx-fixture.js';
it('perf', () => {
  const inv = new EndpointInventory({ salt: 's' });
  const txs = Array.from({ length: 2000 }, (_, i) => tx({ uri: `/api/v1/users/${i}/orders?page=${i % 7}`, requestHeaders: [['Host', 'a'], ['Authorization', 'Bearer abc.def'], ['Cookie', 'sid=1']], resBody: { id: i, email: `u${i}@example.com`, items: [{ sku: 'AB-1', qty: 2, price: 9.5 }], created: '2024-01-01T00:00:00Z' } }));
  for (const t of txs) inv.record(t);
  const n = 20000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) inv.record(txs[i % txs.length]!);
  const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
  console.log('µs per transaction', us.toFixed(1), 'endpoints', inv.size);
  const t1 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) inv.record(tx({ uri: `/x/${i}` }));
  console.log('µs per bare tx', (Number(process.hrtime.bigint() - t1) / 1000 / n).toFixed(1));
});
