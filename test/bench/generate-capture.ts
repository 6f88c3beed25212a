/**
 * Synthetic HTTP API capture generator (deterministic, seeded).
 *
 * Writes a pcap (Ethernet/IPv4/TCP, µs timestamps) of REST API traffic:
 * thousands of client IPs, a few servers (Host headers api/shop/auth
 * .example.com, ports 80 and 8080), many concurrent connections interleaved
 * packet by packet. Each connection: full handshake (MSS 1460, SACK-permitted,
 * timestamps, window scale 7), 1–8 requests with keep-alive, ~20% of rounds
 * pipelined (2–3 requests back to back before their responses), MSS-sized
 * segmentation (1448 payload bytes with the timestamp option), exact seq/ack
 * numbers, the receiver ACKing every second segment, FIN close (client first,
 * or server first after `Connection: close`). 1% of connections start with an
 * ISN just below 2^32 so sequence numbers wrap.
 *
 * Ground truth (what was written) is returned, so tests compare tshark and
 * apisensor against it.
 */
import { renameSync } from 'node:fs';
import { ApiTrafficModel, USER_AGENTS } from './api-traffic-model.js';
import { PcapTcpWriter, TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN, type TcpFrameFields } from './pcap-tcp-writer.js';
import { SeededRandom } from './seeded-random.js';

/** Bump when the bytes written for a given (seed, size) change; cached captures are regenerated. */
export const GENERATOR_VERSION = 2;

/** TCP payload bytes per full segment: MSS 1460 minus 12 bytes of timestamp option. */
export const SEGMENT_PAYLOAD_BYTES = 1448;

export interface SyntheticCaptureOptions {
  /** Stop opening connections once the file reaches this many bytes (open ones are finished). */
  targetBytes: number;
  /** PRNG seed. Default 1. */
  seed?: number;
  /** Connections open at a time, interleaved packet by packet. Default 64. */
  concurrency?: number;
  /** Number of distinct client IPs (10.x.y.z). Default 4000. */
  clientCount?: number;
  /** Keep the per-transaction list in the result (tests). Default false. */
  collectTransactions?: boolean;
}

/** One request/response pair as written. `stream` is the connection index in SYN order (= tshark's tcp.stream). */
export interface SyntheticTransaction {
  stream: number;
  method: string;
  uri: string;
  host: string;
  status: number;
}

/** What the generator wrote. */
export interface SyntheticCaptureTruth {
  generatorVersion: number;
  seed: number;
  fileBytes: number;
  packets: number;
  connections: number;
  requests: number;
  responses: number;
  /** Filled only with `collectTransactions: true`, in stream order then request order. */
  transactions: SyntheticTransaction[];
}

interface ServerSpec { host: string; ip: number; port: number }

const SERVERS: readonly ServerSpec[] = [
  { host: 'api.example.com', ip: 0xc000020a, port: 80 }, // 192.0.2.10
  { host: 'api.example.com', ip: 0xc000020b, port: 80 }, // 192.0.2.11
  { host: 'shop.example.com', ip: 0xc000020c, port: 80 }, // 192.0.2.12
  { host: 'auth.example.com', ip: 0xc000020d, port: 8080 }, // 192.0.2.13
];
/** 2024-01-01T00:00:00Z in µs. */
const CAPTURE_START_MICROS = 1_704_067_200_000_000;
const WINDOW_SCALE = 7;
/** Window field after scaling: 502 << 7 = 64256 bytes. */
const SCALED_WINDOW = 502;
const SYN_WINDOW = 64240;
const MSS = 1460;

/** Per-run mutable state shared by all connections. */
class GeneratorContext {
  readonly rng: SeededRandom;
  readonly writer: PcapTcpWriter;
  readonly model: ApiTrafficModel;
  readonly clients: { ip: number; nextPort: number; userAgent: string; token: string }[] = [];
  readonly truth: SyntheticCaptureTruth;
  readonly collect: boolean;
  clockMicros = CAPTURE_START_MICROS;
  /** Per-IP identification counters, keyed by IPv4 uint32. */
  readonly ipIds = new Map<number, number>();
  /** One reused frame object for all writes. */
  readonly frame: TcpFrameFields = {
    tsMicros: 0, srcIp: 0, dstIp: 0, srcPort: 0, dstPort: 0, seq: 0, ack: 0, flags: 0, window: 0,
    ipId: 0, ttl: 64, tsVal: 0, tsEcr: 0, mss: MSS, windowScale: WINDOW_SCALE,
  };

  constructor(path: string, seed: number, clientCount: number, collect: boolean) {
    this.rng = new SeededRandom(seed);
    this.writer = new PcapTcpWriter(path);
    this.model = new ApiTrafficModel(this.rng);
    this.collect = collect;
    this.truth = {
      generatorVersion: GENERATOR_VERSION, seed, fileBytes: 0, packets: 0, connections: 0,
      requests: 0, responses: 0, transactions: [],
    };
    for (let i = 0; i < clientCount; i++) {
      // 10.(1 + i / 65536).(i / 256).(i % 256 + 1), never .0 or .255 hosts
      const ip = (10 << 24 | (1 + (i >>> 16)) << 16 | ((i >>> 8) & 0xff) << 8 | ((i % 254) + 1)) >>> 0;
      this.clients.push({
        ip, nextPort: this.rng.int(32768, 50000), userAgent: this.rng.pick(USER_AGENTS),
        token: `tok_${this.rng.nextUint32().toString(36)}${this.rng.nextUint32().toString(36)}`,
      });
    }
  }
}

/** One side of a connection as the generator tracks it. */
interface Endpoint { ip: number; port: number; nextSeq: number; ttl: number; tsOffset: number; lastTsVal: number; unacked: number; lastAck: number }

/**
 * Emits one segment from `from` to `to` (advancing `from.nextSeq` by the
 * payload length plus SYN/FIN) and the global clock.
 */
function emit(ctx: GeneratorContext, from: Endpoint, to: Endpoint, flags: number, payload: Buffer | null, start: number, end: number): void {
  ctx.clockMicros += 1 + ctx.rng.int(0, 40);
  const f = ctx.frame;
  f.tsMicros = ctx.clockMicros;
  f.srcIp = from.ip; f.dstIp = to.ip; f.srcPort = from.port; f.dstPort = to.port;
  f.seq = from.nextSeq;
  f.ack = (flags & TCP_ACK) !== 0 ? to.nextSeq : 0;
  f.flags = flags;
  f.window = (flags & TCP_SYN) !== 0 ? SYN_WINDOW : SCALED_WINDOW;
  const id = (ctx.ipIds.get(from.ip) ?? from.ip & 0xffff) + 1;
  ctx.ipIds.set(from.ip, id & 0xffff);
  f.ipId = id;
  f.ttl = from.ttl;
  from.lastTsVal = (Math.floor(ctx.clockMicros / 1000) + from.tsOffset) >>> 0;
  f.tsVal = from.lastTsVal;
  f.tsEcr = (flags & TCP_ACK) !== 0 ? to.lastTsVal : 0;
  ctx.writer.writeTcp(f, payload, start, end);
  const length = end - start + ((flags & (TCP_SYN | TCP_FIN)) !== 0 ? 1 : 0);
  from.nextSeq = (from.nextSeq + length) >>> 0;
  if ((flags & TCP_ACK) !== 0) from.lastAck = to.nextSeq;
}

/**
 * One connection, as a generator that writes one packet per step so the
 * scheduler can interleave connections.
 */
function* connection(ctx: GeneratorContext): Generator<void, void, void> {
  const rng = ctx.rng;
  const client = rng.pick(ctx.clients);
  const server = rng.pick(SERVERS);
  const port = client.nextPort;
  client.nextPort = port >= 60999 ? 32768 : port + 1;
  const isn = (): number => (rng.chance(0.01) ? (0xffffffff - rng.int(0, 40000)) >>> 0 : rng.nextUint32());
  const c: Endpoint = { ip: client.ip, port, nextSeq: isn(), ttl: 54, tsOffset: rng.nextUint32(), lastTsVal: 0, unacked: 0, lastAck: 0 };
  const s: Endpoint = { ip: server.ip, port: server.port, nextSeq: isn(), ttl: 64, tsOffset: rng.nextUint32(), lastTsVal: 0, unacked: 0, lastAck: 0 };

  const stream = ctx.truth.connections++;
  emit(ctx, c, s, TCP_SYN, null, 0, 0);
  yield;
  emit(ctx, s, c, TCP_SYN | TCP_ACK, null, 0, 0);
  yield;
  emit(ctx, c, s, TCP_ACK, null, 0, 0);
  yield;

  let remaining = rng.int(1, 8);
  const serverCloses = rng.chance(0.2);
  while (remaining > 0) {
    const batch = rng.chance(0.2) ? Math.min(rng.int(2, 3), remaining) : 1;
    remaining -= batch;
    const exchanges = [];
    for (let i = 0; i < batch; i++) {
      const close = serverCloses && remaining === 0 && i === batch - 1;
      exchanges.push(ctx.model.next(server.host, client.userAgent, client.token, close, ctx.clockMicros / 1000));
    }
    // Requests, back to back; the server ACKs every second segment.
    for (let i = 0; i < batch; i++) {
      const msg = exchanges[i]!.request;
      for (let at = 0; at < msg.length; at += SEGMENT_PAYLOAD_BYTES) {
        const end = Math.min(msg.length, at + SEGMENT_PAYLOAD_BYTES);
        emit(ctx, c, s, TCP_ACK | (end === msg.length ? TCP_PSH : 0), msg, at, end);
        yield;
        if (++s.unacked >= 2 && !(i === batch - 1 && end === msg.length)) {
          emit(ctx, s, c, TCP_ACK, null, 0, 0);
          s.unacked = 0;
          yield;
        }
      }
      ctx.truth.requests++;
    }
    s.unacked = 0; // the first response segment carries the ACK
    for (let i = 0; i < batch; i++) {
      const ex = exchanges[i]!;
      const msg = ex.response;
      for (let at = 0; at < msg.length; at += SEGMENT_PAYLOAD_BYTES) {
        const end = Math.min(msg.length, at + SEGMENT_PAYLOAD_BYTES);
        emit(ctx, s, c, TCP_ACK | (end === msg.length ? TCP_PSH : 0), msg, at, end);
        yield;
        if (++c.unacked >= 2) {
          emit(ctx, c, s, TCP_ACK, null, 0, 0);
          c.unacked = 0;
          yield;
        }
      }
      ctx.truth.responses++;
      if (ctx.collect) ctx.truth.transactions.push({ stream, method: ex.method, uri: ex.uri, host: ex.host, status: ex.status });
    }
    if (c.unacked > 0) {
      emit(ctx, c, s, TCP_ACK, null, 0, 0);
      c.unacked = 0;
      yield;
    }
  }

  const [first, second] = serverCloses ? [s, c] : [c, s];
  emit(ctx, first, second, TCP_FIN | TCP_ACK, null, 0, 0);
  yield;
  emit(ctx, second, first, TCP_FIN | TCP_ACK, null, 0, 0);
  yield;
  emit(ctx, first, second, TCP_ACK, null, 0, 0);
}

/**
 * Writes a synthetic capture to `path` (via `path + '.partial'`, renamed when
 * complete) and returns its ground truth.
 * @throws Error from node:fs when the file cannot be written.
 */
export function generateCapture(path: string, options: SyntheticCaptureOptions): SyntheticCaptureTruth {
  const seed = options.seed ?? 1;
  const concurrency = options.concurrency ?? 64;
  const partial = `${path}.partial`;
  const ctx = new GeneratorContext(partial, seed, options.clientCount ?? 4000, options.collectTransactions ?? false);
  const active: Generator<void, void, void>[] = [];
  const writer = ctx.writer;
  for (;;) {
    while (active.length < concurrency && writer.fileBytes < options.targetBytes) active.push(connection(ctx));
    if (active.length === 0) break;
    const i = Math.floor(ctx.rng.next() * active.length);
    if (active[i]!.next().done === true) {
      active[i] = active[active.length - 1]!;
      active.pop();
    }
  }
  const truth = ctx.truth;
  truth.packets = writer.packets;
  truth.fileBytes = writer.fileBytes;
  writer.close();
  renameSync(partial, path);
  if (ctx.collect) truth.transactions.sort((a, b) => a.stream - b.stream); // stable: request order kept
  return truth;
}

/**
 * A small capture (default ~3 MB) from the same generator, for tests; returns
 * the per-transaction ground truth.
 */
export function writeSmallCapture(path: string, targetBytes = 3_000_000, seed = 7): SyntheticCaptureTruth {
  return generateCapture(path, { targetBytes, seed, concurrency: 16, clientCount: 200, collectTransactions: true });
}
