/** Test helper: one reassembler + recorder + feeder + a default client/server pair. */
import { TcpReassembler, type ReassemblyOptions } from '../../src/reassembly/tcp-reassembler.js';
import { EventCounter } from '../../src/stats/event-counter.js';
import { Recorder } from './recording-handler.js';
import { Endpoints, F, SegmentFeeder } from './segment-builder.js';

export { F };

export function scenario(options?: ReassemblyOptions) {
  const recorder = new Recorder();
  const events = new EventCounter();
  const reassembler = new TcpReassembler(recorder.factory, events, options);
  const feeder = new SegmentFeeder(reassembler);
  const ep = new Endpoints(feeder);
  return { recorder, events, reassembler, feeder, ep, conn: (i = 0) => recorder.connections[i]! };
}

/** Client ISN 1000 (data from 1001), server ISN 5000 (data from 5001): SYN, SYN-ACK, ACK. */
export function handshake(ep: Endpoints, cIsn = 1000, sIsn = 5000): void {
  ep.c(cIsn, 0, F.SYN);
  ep.s(sIsn, cIsn + 1, F.SYN | F.ACK);
  ep.c(cIsn + 1, sIsn + 1, F.ACK);
}
