/**
 * Stream worker entry point (node:worker_threads): the findings service's
 * sockets live here (src/serve/stream-host.ts).
 *
 *   main thread ──workerData: StreamWorkerInit──► StreamHost ──parentPort◄─► main thread
 */
import { parentPort, workerData } from 'node:worker_threads';
import { StreamHost } from '../src/serve/stream-host.js';
import type { StreamWorkerInit } from '../src/serve/stream-worker-protocol.js';

if (!parentPort) throw new Error('stream-worker.js runs as a worker thread');
new StreamHost(parentPort, workerData as StreamWorkerInit);
