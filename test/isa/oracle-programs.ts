import type { Insn } from '../../src/isa/insn.js';
import { I, asmWord, lddw, type OracleProgram } from './oracle.js';

/** Socket-filter programs the verifier accepts that between them use every row it can see. */

const ALU_OPS = ['add', 'sub', 'mul', 'div', 'or', 'and', 'lsh', 'rsh', 'mod', 'xor', 'mov', 'arsh', 'sdiv', 'smod'];
const COND_OPS = ['jeq', 'jgt', 'jge', 'jset', 'jne', 'jsgt', 'jsge', 'jlt', 'jle', 'jslt', 'jsle'];

/** r6 and r7: two unrelated unknown scalars, so that no branch on them can be folded. */
function unknowns(): Insn[] {
  return [
    I('ldxw', { dst: 6, src: 1, off: 0 }), // skb->len; the kernel rewrites this one
    I('mov64_reg', { dst: 7, src: 6 }),
    I('xor64_imm', { dst: 7, imm: 5 }),
    ...[0, 1, 2, 3, 4, 5, 8, 9].map((r) => I('mov64_imm', { dst: r, imm: r === 4 ? 9 : r + 1 })),
  ];
}

/** A branch both of whose ways are taken, around a one-instruction filler. */
function branch(jump: Insn, skip: Insn = I('ja', { off: 1 })): Insn[] {
  return [jump, skip, I('mov64_imm', { dst: 9, imm: 1 })];
}

function aluBody(): Insn[] {
  const out: Insn[] = [];
  for (const [width, reg] of [['64', 2], ['32', 3]] as const) {
    for (const op of ALU_OPS) out.push(I(`${op}${width}_imm`, { dst: reg, imm: op === 'mov' ? -5 : 3 }));
    // Division and modulo by a register get a zero check inserted; they are in `divmod`.
    for (const op of ALU_OPS.filter((o) => !/div|mod/.test(o))) out.push(I(`${op}${width}_reg`, { dst: reg, src: 4 }));
    out.push(I(`neg${width}`, { dst: reg }));
  }
  for (const bits of [8, 16, 32]) out.push(I(`movsx64_${bits}`, { dst: 2, src: 4 }));
  for (const bits of [8, 16]) out.push(I(`movsx32_${bits}`, { dst: 3, src: 4 }));
  for (const kind of ['le', 'be', 'bswap']) for (const bits of [16, 32, 64]) out.push(I(`${kind}${bits}`, { dst: 2 }));
  out.push(...lddw(2, 0x1122334455667788n), ...lddw(3, -2n));
  return out;
}

function memoryBody(): Insn[] {
  return [
    I('stxdw', { dst: 10, src: 7, off: -8 }),
    I('stxw', { dst: 10, src: 4, off: -12 }),
    I('stxh', { dst: 10, src: 4, off: -14 }),
    I('stxb', { dst: 10, src: 4, off: -15 }),
    I('stdw', { dst: 10, off: -24, imm: -3 }),
    I('stw', { dst: 10, off: -28, imm: 7 }),
    I('sth', { dst: 10, off: -30, imm: 1 }),
    I('stb', { dst: 10, off: -31, imm: 2 }),
    I('ldxdw', { dst: 2, src: 10, off: -8 }),
    I('ldxw', { dst: 2, src: 10, off: -12 }),
    I('ldxh', { dst: 2, src: 10, off: -14 }),
    I('ldxb', { dst: 2, src: 10, off: -15 }),
    I('ldxsw', { dst: 2, src: 10, off: -12 }),
    I('ldxsh', { dst: 2, src: 10, off: -14 }),
    I('ldxsb', { dst: 2, src: 10, off: -15 }),
    I('stdw', { dst: 10, off: -40, imm: 0 }),
    ...['w', 'dw'].flatMap((s) => [
      ...['add', 'or', 'and', 'xor'].flatMap((op) => [
        I(`lock_${op}_${s}`, { dst: 10, src: 4, off: -40 }),
        I(`atomic_fetch_${op}_${s}`, { dst: 10, src: 5, off: -40 }),
      ]),
      I(`atomic_xchg_${s}`, { dst: 10, src: 5, off: -40 }),
      // The x86 JIT needs r0 zero-extended after a 32-bit cmpxchg: that one is in `divmod`.
      ...(s === 'dw' ? [I('atomic_cmpxchg_dw', { dst: 10, src: 4, off: -40 })] : []),
    ]),
    ...['b', 'h', 'w', 'dw'].flatMap((s) => [I(`load_acquire_${s}`, { dst: 2, src: 10, off: -40 }), I(`store_release_${s}`, { dst: 10, src: 4, off: -40 })]),
  ];
}

function jumpBody(): Insn[] {
  const out: Insn[] = [];
  for (const width of ['', '32']) {
    for (const op of COND_OPS) {
      // r7 is a u32, so only a 32-bit signed compare with a negative constant can go both ways.
      out.push(...branch(I(`${op}${width}_imm`, { dst: 7, off: 1, imm: op === 'jsge' && width === '32' ? -3 : 3 })));
      out.push(...branch(I(`${op}${width}_reg`, { dst: 7, src: 6, off: 1 })));
    }
  }
  out.push(...branch(I('jgt_imm', { dst: 7, off: 1, imm: 3 }), I('gotol', { imm: 1 })));
  return out;
}

const EXIT = [I('mov64_imm', { dst: 0, imm: 0 }), I('exit')];
const CALLEE = [I('mov64_reg', { dst: 0, src: 1 }), I('exit')];

/**
 * Blocks ending the ways bpftool draws oddly: in a helper call (two edges to the next
 * block), in an ld_imm64 (a dangling separator), in an exit with code after it.
 */
function blockEnds(): Insn[] {
  return [
    I('ldxw', { dst: 6, src: 1, off: 0 }),
    I('jeq_imm', { dst: 6, off: 1 }),
    I('call_helper', { imm: 7 }),
    I('jne_imm', { dst: 6, off: 2 }),
    ...lddw(1, 5n),
    I('mov64_imm', { dst: 0, imm: 0 }),
    I('jgt_imm', { dst: 6, imm: 100, off: 1 }),
    I('exit'),
    I('mov64_imm', { dst: 0, imm: 1 }),
    I('exit'),
  ];
}

/** Instructions the kernel hands back unchanged: xlated can be compared at every pc but 0 and calls. */
export const STABLE: OracleProgram[] = [
  { name: 'alu', insns: [...unknowns(), ...aluBody(), ...EXIT] },
  { name: 'memory', insns: [...unknowns(), ...memoryBody(), ...EXIT] },
  { name: 'jumps', insns: [...unknowns(), ...jumpBody(), ...EXIT] },
  { name: 'blockends', insns: blockEnds() },
];

/** Instructions the kernel rewrites or adds to: only the verifier log shows them as written. */
export const REWRITTEN: OracleProgram[] = [
  {
    name: 'divmod',
    insns: [
      ...unknowns(),
      ...['64', '32'].flatMap((w) => ['div', 'mod', 'sdiv', 'smod'].map((op) => I(`${op}${w}_reg`, { dst: 2, src: 4 }))),
      ...branch(I('may_goto', { off: 1 })),
      I('stdw', { dst: 10, off: -8, imm: 0 }),
      I('atomic_cmpxchg_w', { dst: 10, src: 4, off: -8 }),
      I('call_helper', { imm: 5 }),
      I('call_helper', { imm: 7 }),
      I('call_helper', { imm: 8 }),
      ...EXIT,
    ],
  },
  {
    name: 'packet',
    insns: [
      I('mov64_reg', { dst: 6, src: 1 }),
      I('mov64_imm', { dst: 7, imm: 2 }),
      I('ldabsb', { imm: 12 }),
      I('ldabsh', { imm: 12 }),
      I('ldabsw', { imm: 8 }),
      I('ldindb', { src: 7, imm: 12 }),
      I('ldindh', { src: 7, imm: 10 }),
      I('ldindw', { src: 7, imm: -2 }),
      ...EXIT,
    ],
  },
  // libbpf appends the .text subprogram after the caller and points the call at it.
  {
    name: 'calls',
    insns: [I('mov64_imm', { dst: 1, imm: 1 }), I('call_local', { imm: 2 }), ...EXIT, ...CALLEE],
    asm: [asmWord(I('mov64_imm', { dst: 1, imm: 1 })), 'call callee', ...EXIT.map(asmWord)],
  },
  { name: 'callee', section: '.text', insns: CALLEE },
];

/** Everything, so that every test file shares one (cached) kernel run. */
export const ORACLE_PROGRAMS = [...STABLE, ...REWRITTEN];
