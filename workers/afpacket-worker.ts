/**
 * AF_PACKET capture worker (a node:worker_threads Worker, one per fanout socket):
 *
 *   workerData: AfPacketShardInit ──► AfPacketShard (socket → decode → reassembly → HTTP)
 *   main ──'round' / 'finish'──► this worker ──AfPacketWorkerReply──► main
 *
 * Replies go out in request order ('round' is synchronous; 'finish' is the last request).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AfPacketShard } from '../src/capture/afpacket-shard.js';
import { readyReply } from '../src/capture/afpacket-channel.js';
import type { AfPacketShardInit, AfPacketWorkerReply, AfPacketWorkerRequest } from '../src/capture/afpacket-messages.js';

const init = workerData as AfPacketShardInit;
const port = parentPort!;
const post = (m: AfPacketWorkerReply): void => port.postMessage(m);

function errorReply(err: unknown, phase: 'open' | 'read'): AfPacketWorkerReply {
  const e = err as { code?: string; message?: string; exitCode?: number };
  return { type: 'error', shard: init.shard, phase, code: e.code ?? 'ERR_CAPTURE_WORKER', message: e.message ?? String(err), exitCode: e.exitCode ?? 1 };
}

let shard: AfPacketShard | null = null;
try {
  shard = new AfPacketShard(init);
} catch (err) {
  post(errorReply(err, 'open'));
}
if (shard) {
  const s = shard;
  post(readyReply(s));
  s.start((err) => post(errorReply(err, 'read')));
  port.on('message', (m: AfPacketWorkerRequest) => {
    switch (m.type) {
      case 'round':
        post(s.takeRound(m.round));
        break;
      case 'finish':
        s.finish().then(
          (r) => {
            post(r);
            port.close();
          },
          (err: unknown) => post(errorReply(err, 'read')),
        );
        break;
    }
  });
}
