/**
 * A minimal classic BPF (cBPF) assembler: the instruction set of
 * `<linux/filter.h>` / `<linux/bpf_common.h>` (the BSD packet filter, McCanne
 * & Jacobson 1993), with symbolic forward labels resolved to the relative
 * jump offsets the kernel expects. Used to build the PACKET_FANOUT_CBPF
 * program (fanout-program.ts); it does not run programs.
 *
 * Instruction shape: `{ code, jt, jf, k }` = struct sock_filter (u16 code, u8
 * jt, u8 jf, u32 k). Conditional jumps skip `jt`/`jf` instructions forward
 * (0..255); `ja` skips `k`. There are no backward jumps: every program ends.
 */

/** struct sock_filter, one instruction. */
export interface CbpfInstruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** Opcode parts (class | size | mode | op | source), `<linux/bpf_common.h>`. */
export const Bpf = Object.freeze({
  LD: 0x00,
  LDX: 0x01,
  ST: 0x02,
  STX: 0x03,
  ALU: 0x04,
  JMP: 0x05,
  RET: 0x06,
  MISC: 0x07,
  W: 0x00,
  H: 0x08,
  B: 0x10,
  IMM: 0x00,
  ABS: 0x20,
  IND: 0x40,
  MEM: 0x60,
  LEN: 0x80,
  MSH: 0xa0,
  ADD: 0x00,
  SUB: 0x10,
  MUL: 0x20,
  DIV: 0x30,
  OR: 0x40,
  AND: 0x50,
  LSH: 0x60,
  RSH: 0x70,
  NEG: 0x80,
  MOD: 0x90,
  XOR: 0xa0,
  JA: 0x00,
  JEQ: 0x10,
  JGT: 0x20,
  JGE: 0x30,
  JSET: 0x40,
  K: 0x00,
  X: 0x08,
  A: 0x10,
  TAX: 0x00,
  TXA: 0x80,
  /** Scratch memory words M[0..15]. */
  MEMWORDS: 16,
  /** Most instructions the kernel accepts (BPF_MAXINSNS). */
  MAXINSNS: 4096,
});

/**
 * Offset bases of `<linux/filter.h>`: an absolute/indirect load at
 * SKF_LL_OFF + n reads byte n from the link-layer (MAC) header, wherever
 * skb->data points; SKF_AD_OFF + n reads ancillary data n.
 */
export const SKF_AD_OFF = -0x1000;
export const SKF_LL_OFF = -0x200000;
/** Ancillary: skb->dev->type (ARPHRD_*). */
export const SKF_AD_HATYPE = 28;

type Target = string | null;

interface Pending {
  code: number;
  k: number;
  jt: Target;
  jf: Target;
  /** `ja` to a label: k is resolved. */
  jaTo: string | null;
}

/**
 * Collects instructions; `assemble()` resolves labels. Jump targets are label
 * names defined later with `label()`, or null for "the next instruction".
 * Throws Error on a backward or undefined label, a conditional jump farther
 * than 255 instructions, or a program longer than BPF_MAXINSNS (programming
 * errors, found by the unit tests, never at run time).
 */
export class CbpfAssembler {
  #code: Pending[] = [];
  #labels = new Map<string, number>();

  /** Defines `name` at the next instruction. */
  label(name: string): this {
    if (this.#labels.has(name)) throw new Error(`cbpf: label ${name} defined twice`);
    this.#labels.set(name, this.#code.length);
    return this;
  }

  /** Any non-jump instruction (k converted to u32). */
  op(code: number, k = 0): this {
    this.#code.push({ code, k: k >>> 0, jt: null, jf: null, jaTo: null });
    return this;
  }

  /** Conditional jump `code` (JMP | JEQ/JGT/JGE/JSET | K/X) on `k`. */
  jump(code: number, k: number, jt: Target, jf: Target = null): this {
    this.#code.push({ code, k: k >>> 0, jt, jf, jaTo: null });
    return this;
  }

  /** A == k ? jt : jf */
  jeq(k: number, jt: Target, jf: Target = null): this {
    return this.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, k, jt, jf);
  }

  /** (A & k) != 0 ? jt : jf */
  jset(k: number, jt: Target, jf: Target = null): this {
    return this.jump(Bpf.JMP | Bpf.JSET | Bpf.K, k, jt, jf);
  }

  /** Unconditional jump (32-bit offset). */
  ja(target: string): this {
    this.#code.push({ code: Bpf.JMP | Bpf.JA, k: 0, jt: null, jf: null, jaTo: target });
    return this;
  }

  get length(): number {
    return this.#code.length;
  }

  assemble(): CbpfInstruction[] {
    if (this.#code.length === 0 || this.#code.length > Bpf.MAXINSNS) throw new Error(`cbpf: program of ${this.#code.length} instructions`);
    const offset = (at: number, target: Target, max: number): number => {
      if (target === null) return 0;
      const to = this.#labels.get(target);
      if (to === undefined) throw new Error(`cbpf: undefined label ${target}`);
      const d = to - at - 1;
      if (d < 0 || d > max) throw new Error(`cbpf: jump from ${at} to ${target} (${to}) out of range`);
      return d;
    };
    return this.#code.map((p, i) => ({
      code: p.code,
      jt: offset(i, p.jt, 255),
      jf: offset(i, p.jf, 255),
      k: p.jaTo !== null ? offset(i, p.jaTo, 0xffffffff) : p.k,
    }));
  }
}
