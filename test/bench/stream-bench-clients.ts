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
 * clients can follow ≥ 10,000 findings/s on a small machine. A frame that
 * spans reads is re-assembled (one copy); single-read frames are views.
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

function seqOf(payload: Buffer): number {
  if (payload.length < PREFIX.length + 1 || payload.compare(PREFIX, 0, PREFIX.length, 0, PREFIX.length) !== 0) return -1;
  let n = 0;
  for (let i = PREFIX.length; i < payload.length; i++) {
    const c = payload[i]!;
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  return n;
}

function open(read: boolean, onHello: () => void): ClientState {
  const socket = connect(Number(u.port), u.hostname);
  const st: ClientState = { socket, count: 0, first: -1, last: 0, inOrder: true, closeCode: null, closed: false, hello: false };
  const key = randomBytes(16).toString('base64');
  socket.write(`GET /v1/stream HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
    + `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: apisensor.v1.json\r\n`
    + `Authorization: Bearer ${token}\r\n\r\n`);
  let headerDone = false;
  let carry: Buffer | null = null;
  const onFrame = (opcode: number, payload: Buffer): void => {
    if (opcode === 8) {
      st.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      return;
    }
    if (opcode !== 1) return;
    const seq = seqOf(payload);
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
  socket.on('data', (chunk: Buffer) => {
    let buf = carry ? Buffer.concat([carry, chunk]) : chunk;
    carry = null;
    let off = 0;
    if (!headerDone) {
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
      off = end + 4;
    }
    while (buf.length - off >= 2) {
      const b0 = buf[off]!;
      const b1 = buf[off + 1]!;
      let len = b1 & 0x7f;
      let hdr = 2;
      if (len === 126) {
        if (buf.length - off < 4) break;
        len = buf.readUInt16BE(off + 2);
        hdr = 4;
      } else if (len === 127) {
        if (buf.length - off < 10) break;
        len = Number(buf.readBigUInt64BE(off + 2));
        hdr = 10;
      }
      if (buf.length - off < hdr + len) break;
      onFrame(b0 & 0x0f, buf.subarray(off + hdr, off + hdr + len));
      off += hdr + len;
    }
    if (off < buf.length) carry = Buffer.from(buf.subarray(off));
    buf = Buffer.alloc(0);
  });
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
