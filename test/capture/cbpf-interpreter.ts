/**
 * Test-only classic BPF interpreter with the kernel's semantics for the
 * PACKET_FANOUT_CBPF hook (net/core/filter.c, bpf_convert_filter and
 * bpf_internal_load_pointer_neg_helper): 32-bit unsigned A and X, 16 scratch
 * words, forward jumps only, a load outside the packet ends the program with
 * 0, division by X = 0 returns 0. Loads at SKF_LL_OFF + n read byte n of the
 * frame (the MAC header); SKF_AD_OFF + SKF_AD_HATYPE reads `hatype`. Offsets
 * relative to skb->data are refused: at the fanout hook skb->data is the
 * network header on receive and the MAC header on send, so a program that
 * used them would not be symmetric. Also checks, like the kernel's classic
 * checker, that no scratch word is read before it is written.
 */
import { Bpf, SKF_AD_HATYPE, SKF_AD_OFF, SKF_LL_OFF, type CbpfInstruction } from '../../src/capture/cbpf-assembler.js';

const SKF_NET_OFF = -0x100000;

export function runCbpf(prog: readonly CbpfInstruction[], frame: Uint8Array, hatype = 1): number {
  let A = 0;
  let X = 0;
  const M = new Uint32Array(16);
  const written = new Array<boolean>(16).fill(false);
  const load = (k: number, size: number): number | null => {
    const off = k | 0;
    if (off === SKF_AD_OFF + SKF_AD_HATYPE && size === 4) return hatype;
    if (off >= 0 || off < SKF_LL_OFF || off >= SKF_NET_OFF) throw new Error(`load at ${off}: only SKF_LL_OFF-relative loads are symmetric`);
    const at = off - SKF_LL_OFF;
    if (at + size > frame.length) return null;
    let v = 0;
    for (let i = 0; i < size; i++) v = v * 256 + frame[at + i]!;
    return v >>> 0;
  };
  for (let pc = 0; pc < prog.length; pc++) {
    const { code, jt, jf, k } = prog[pc]!;
    const cls = code & 0x07;
    const size = [4, 2, 1, 0][(code >> 3) & 0x03]!;
    const mode = code & 0xe0;
    const src = code & 0x08 ? X : k;
    switch (cls) {
      case Bpf.LD:
      case Bpf.LDX: {
        let v: number | null;
        if (mode === Bpf.IMM) v = k;
        else if (mode === Bpf.MEM) {
          if (!written[k]) throw new Error(`pc ${pc}: M[${k}] read before written`);
          v = M[k]!;
        } else if (mode === Bpf.ABS) v = load(k, size);
        else if (mode === Bpf.IND) v = load((X + k) | 0, size);
        else if (mode === Bpf.MSH) v = ((load(k, 1) ?? -1) & 0xf) * 4;
        else throw new Error(`pc ${pc}: load mode ${mode}`);
        if (v === null || v < 0) return 0;
        if (cls === Bpf.LD) A = v;
        else X = v;
        break;
      }
      case Bpf.ST:
      case Bpf.STX:
        M[k] = cls === Bpf.ST ? A : X;
        written[k] = true;
        break;
      case Bpf.ALU: {
        const op = code & 0xf0;
        if ((op === Bpf.DIV || op === Bpf.MOD) && src === 0) return 0;
        const r = op === Bpf.ADD ? A + src : op === Bpf.SUB ? A - src : op === Bpf.MUL ? Math.imul(A, src) : op === Bpf.DIV ? Math.floor(A / src)
          : op === Bpf.OR ? A | src : op === Bpf.AND ? A & src : op === Bpf.LSH ? A << (src & 31) : op === Bpf.RSH ? A >>> (src & 31)
          : op === Bpf.NEG ? -A : op === Bpf.MOD ? A % src : op === Bpf.XOR ? A ^ src : NaN;
        if (Number.isNaN(r)) throw new Error(`pc ${pc}: alu op ${op}`);
        A = r >>> 0;
        break;
      }
      case Bpf.JMP: {
        const op = code & 0xf0;
        if (op === Bpf.JA) {
          pc += k;
          break;
        }
        const cond = op === Bpf.JEQ ? A === src : op === Bpf.JGT ? A > src : op === Bpf.JGE ? A >= src : op === Bpf.JSET ? (A & src) !== 0 : null;
        if (cond === null) throw new Error(`pc ${pc}: jump op ${op}`);
        pc += cond ? jt : jf;
        break;
      }
      case Bpf.RET:
        return ((code & 0x18) === Bpf.A ? A : k) >>> 0;
      case Bpf.MISC:
        if ((code & 0xf8) === Bpf.TAX) X = A;
        else A = X;
        break;
    }
  }
  throw new Error('program fell off its end');
}
