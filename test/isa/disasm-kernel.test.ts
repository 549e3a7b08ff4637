import { describe, expect, it } from 'vitest';
import { disasmInsn } from '../../src/isa/disasm.js';
import { bpftoolXlatedOptions } from '../../src/isa/disasm-bpftool.js';
import { lookupOpcode } from '../../src/isa/opcodes.js';
import { skipReason } from '../helpers/env.js';
import { ORACLE_PROGRAMS, REWRITTEN, STABLE } from './oracle-programs.js';
import { oracleMissing, runOracle, type OracleOutput } from './oracle.js';

/** Our text for each instruction start of a program, in a dialect. */
function ours(insns: Parameters<typeof disasmInsn>[0], options: Parameters<typeof disasmInsn>[2]): Map<number, string> {
  const out = new Map<number, string>();
  for (let pc = 0; pc < insns.length; pc += lookupOpcode(insns[pc]!)?.slots ?? 1) out.set(pc, disasmInsn(insns, pc, options));
  return out;
}

describe('disassembly against the real kernel and bpftool', () => {
  const reason = oracleMissing();
  let oracle: OracleOutput | undefined;
  const load = () => (oracle ??= runOracle(ORACLE_PROGRAMS));

  it.for([...STABLE, ...REWRITTEN].filter((p) => p.section === undefined))('$name: the verifier log (Linux 6.18) prints every instruction as we do', (prog, ctx) => {
    if (skipReason(reason, 'kernel disassembly comparison')) return ctx.skip();
    const kernel = load().verifier.get(prog.name)!;
    const mine = ours(prog.insns, { dialect: 'linux-6.18' });
    expect(kernel.size).toBeGreaterThan(0);
    for (const [pc, text] of kernel) expect(mine.get(pc), `pc ${pc}`).toBe(text);
    expect([...mine.keys()].filter((pc) => !kernel.has(pc))).toEqual([]);
  });

  it.for(STABLE)('$name: prog dump xlated (bpftool 7.1) prints what we print', (prog, ctx) => {
    if (skipReason(reason, 'bpftool disassembly comparison')) return ctx.skip();
    const dumped = load().xlated.get(prog.name)!;
    const mine = ours(prog.insns, bpftoolXlatedOptions());
    expect([...dumped.keys()]).toEqual([...mine.keys()]);
    // pc 0 reads skb->len, which the kernel rewrites to the sk_buff's real offset;
    // helper calls come back with kernel addresses, printed with their kallsyms names.
    for (const [pc, text] of mine) {
      if (pc === 0) continue;
      if (text.startsWith('(85) call bpf_')) expect(dumped.get(pc), `pc ${pc}`).toMatch(/^\(85\) call \w+#-?\d+$/);
      else expect(dumped.get(pc), `pc ${pc}`).toBe(text);
    }
  });

  it('calls: bpftool prints a JITed callee as pc+N#bpf_prog_<tag>_<name>, which the callback supplies', (ctx) => {
    if (skipReason(reason, 'bpftool call comparison')) return ctx.skip();
    const prog = REWRITTEN.find((p) => p.name === 'calls')!;
    const dumped = load().xlated.get('calls')!.get(1)!;
    const symbol = /#(bpf_prog_[0-9a-f]{16}_\w+)$/.exec(dumped)?.[1];
    expect(symbol, dumped).toBeDefined();
    // The kernel hands back the relative offset in off and the callee's index in imm.
    const xlated = prog.insns.map((insn, pc) => (pc === 1 ? { ...insn, off: insn.imm, imm: 1 } : insn));
    expect(disasmInsn(xlated, 1, bpftoolXlatedOptions({ calleeSymbol: () => symbol }))).toBe(dumped);
  });
});
