/**
 * Load clients for serve-bench.ts, run in a process of their own so their
 * reading costs the benchmarked process nothing:
 *
 *   node stream-bench-clients.js URL TOKEN READERS STALLED
 *     ─► READERS clients that read everything, STALLED clients that never read
 *     ─► stdout `ready` once all are connected (after their hello)
 *     ◄─ stdin `expect N` (the last seq published)
 *     ─► stdout one JSON line {readers:[{count, first, last, inOrder, closeCode}], stalled:[{closeCode, closedByServer}], cpuMs}
 *        when every reader has seq N (or 180 s passed), then exit.
 *
 * The clients speak RFC 6455 directly on node:net (client side: no masking
 * needed for reading; frames from a server are unmasked): they parse frame
 * headers and read a finding's seq from the fixed JSON prefix
 * `{"channel":"findings","seq":N,` instead of parsing each message, so 49
 * clients can follow ≥ 10,000 findings/s on a small machine. Frames are read
 * in place in the socket's chunk; only a frame cut by a read is copied (its
 * carried part plus the bytes that complete it).
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

const [url, token, readersArg, stalledArg] = process.argv.slice(2);
const u = new URL(url!);
const READERS = Number(readersArg);
const STALLED = Number(stalledArg);

interface ClientState {
  socket: Socket;
  count: number;
  first: number;
  last: number;
  inOrder: boolean;
  closeCode: number | null;
  closed: boolean;
  hello: boolean;
}

const PREFIX = Buffer.from('{"channel":"findings","seq":');

/** The finding seq of the text payload buf[start, end), or -1 when it does not start with PREFIX. */
function seqOf(buf: Buffer, start: number, end: number): number {
  if (end - start < PREFIX.length + 1) return -1;
  for (let i = 0; i < PREFIX.length; i++) if (buf[start + i] !== PREFIX[i]) return -1;
  let n = 0;
  for (let i = start + PREFIX.length; i < end; i++) {
    const c = buf[i]!;
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** Header + payload bytes of the frame starting at buf[at] (RFC 6455 §5.2), or -1 when the header is not complete. */
function frameTotal(buf: Buffer, at: number): number {
  const avail = buf.length - at;
  if (avail < 2) return -1;
  const len = buf[at + 1]! & 0x7f;
  if (len < 126) return 2 + len;
  if (len === 126) return avail < 4 ? -1 : 4 + buf.readUInt16BE(at + 2);
  return avail < 10 ? -1 : 10 + Number(buf.readBigUInt64BE(at + 2));
}

/** Bytes per socket read of a reader: one buffer per reader, reused for every read (net `onread`). */
const READ_BUFFER_BYTES = 256 * 1024;

function open(read: boolean, onHello: () => void): ClientState {
  // A reader reads into one reused buffer (net `onread`) instead of a new Buffer per read,
  // as a collector tuned for throughput would; a frame cut by a read is copied out.
  const socket = read
    ? connect({
      port: Number(u.port), host: u.hostname,
      onread: { buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES), callback: (n: number, buf: Uint8Array): boolean => {
        onData(Buffer.from(buf.buffer, buf.byteOffset, n));
        return true;
      } },
    })
    : connect(Number(u.port), u.hostname);
  const st: ClientState = { socket, count: 0, first: -1, last: 0, inOrder: true, closeCode: null, closed: false, hello: false };
  const key = randomBytes(16).toString('base64');
  socket.write(`GET /v1/stream HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
    + `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: apisensor.v1.json\r\n`
    + `Authorization: Bearer ${token}\r\n\r\n`);
  let headerDone = false;
  let carry: Buffer | null = null;
  /** One whole frame at buf[at, at + total). */
  const onFrame = (buf: Buffer, at: number, total: number): void => {
    const opcode = buf[at]! & 0x0f;
    const len = buf[at + 1]! & 0x7f;
    const start = at + (len < 126 ? 2 : len === 126 ? 4 : 10);
    const end = at + total;
    if (opcode === 8) {
      st.closeCode = end - start >= 2 ? buf.readUInt16BE(start) : 1005;
      return;
    }
    if (opcode !== 1) return;
    const seq = seqOf(buf, start, end);
    if (seq < 0) {
      if (!st.hello) {
        st.hello = true;
        onHello();
      }
      return;
    }
    if (st.first < 0) st.first = seq;
    else if (seq !== st.last + 1) st.inOrder = false;
    st.last = seq;
    st.count++;
  };
  function onData(data: Buffer): void {
    let chunk = data;
    let pos = 0;
    if (!headerDone) {
      const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
      carry = null;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        carry = buf;
        return;
      }
      if (!buf.subarray(0, 12).toString('latin1').startsWith('HTTP/1.1 101')) {
        process.stderr.write(`upgrade refused: ${buf.subarray(0, end).toString()}\n`);
        process.exit(2);
      }
      headerDone = true;
      chunk = buf;
      pos = end + 4;
    }
    // A frame cut by the previous read: copy in only the bytes that complete it.
    while (carry !== null) {
      const known = frameTotal(carry, 0);
      const need = known < 0 ? 10 - carry.length : known - carry.length;
      const take = Math.min(need, chunk.length - pos);
      if (take <= 0) return;
      carry = Buffer.concat([carry, chunk.subarray(pos, pos + take)]);
      pos += take;
      const total = frameTotal(carry, 0);
      if (total < 0 || carry.length < total) {
        if (pos >= chunk.length) return;
        continue;
      }
      // Header top-up may have taken bytes past a short frame: give them back.
      pos -= carry.length - total;
      const whole = carry;
      carry = null;
      onFrame(whole, 0, total);
    }
    // Whole frames are read in place.
    for (;;) {
      const total = frameTotal(chunk, pos);
      if (total < 0 || chunk.length - pos < total) break;
      onFrame(chunk, pos, total);
      pos += total;
    }
    if (pos < chunk.length) carry = Buffer.from(chunk.subarray(pos));
  }
  if (!read) socket.on('data', onData);
  socket.on('close', () => {
    st.closed = true;
  });
  socket.on('error', () => {
    st.closed = true;
  });
  if (!read) {
    // Read the 101 response and the hello, then never again.
    socket.once('data', () => socket.pause());
  }
  return st;
}

let pending = READERS + STALLED;
const allHello = (): void => {
  pending--;
  if (pending === 0) process.stdout.write('ready\n');
};
const readers: ClientState[] = [];
const stalled: ClientState[] = [];
for (let i = 0; i < READERS; i++) readers.push(open(true, allHello));
for (let i = 0; i < STALLED; i++) {
  const s = open(false, allHello);
  stalled.push(s);
  // A stalled client may get its hello in the same read as the 101: count it once connected.
  s.socket.once('data', () => {
    if (!s.hello) {
      s.hello = true;
      allHello();
    }
  });
}

let input = '';
process.stdin.on('data', (d: Buffer) => {
  input += d.toString();
  const m = /expect (\d+)/.exec(input);
  if (!m) return;
  const want = Number(m[1]);
  const deadline = Date.now() + 180_000;
  const check = (): void => {
    if (readers.every((r) => r.last >= want || r.closed) || Date.now() > deadline) {
      // Let the stalled clients read now, so the server's close frame (if any) reaches them.
      for (const s of stalled) s.socket.resume();
      setTimeout(() => {
        process.stdout.write(JSON.stringify({
          readers: readers.map((r) => ({ count: r.count, first: r.first, last: r.last, inOrder: r.inOrder, closeCode: r.closeCode })),
          stalled: stalled.map((s) => ({ closeCode: s.closeCode, closedByServer: s.closed })),
          cpuMs: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000),
        }) + '\n');
        process.exit(0);
      }, 500);
      return;
    }
    setTimeout(check, 50);
  };
  check();
});
