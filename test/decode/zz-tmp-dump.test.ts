import { it } from 'vitest';
import { decodeCapture } from '/work/main/test/decode/decode-capture.js';
it('x', () => {
  const r = decodeCapture(process.env.PCAP!);
  for (const f of r.frames) console.log(f.frame, f.result, f.src, f.srcPort, f.dst, f.dstPort, f.seq, f.payloadLength, f.tunnelKind, f.tunnelId);
  console.log(JSON.stringify(r.events));
});
