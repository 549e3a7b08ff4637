import { BpfscopeError, RelocationError, type ErrorContext } from '../../errors.js';
import { CORE_RELO_KINDS, type Btf, type BtfCoreRelo, type BtfExtInfo } from '../../btf/index.js';
import { INSN_SIZE } from '../../isa/insn.js';
import type { CodeSection } from '../functions.js';
import type { LoadTarget } from '../target.js';
import { CandidateCache } from './candidates.js';
import { patchInsn } from './patch.js';
import { localTypeIdResult, resolveRelo } from './resolve.js';
import { describe, parseSpec } from './spec.js';

export interface CoreInputs {
  file: string;
  /** The object's own BTF, which the relocations' types and access strings are in. */
  btf: Btf | undefined;
  relos: BtfExtInfo<BtfCoreRelo> | undefined;
  codeSections: Iterable<CodeSection>;
  target: LoadTarget;
  /** The object's byte order, which decides how a bitfield's shifts are computed. */
  littleEndian: boolean;
}

/**
 * libbpf's bpf_object__relocate_core: every CO-RE relocation of .BTF.ext applied to
 * the instructions of the function it falls in, in record order, before any program is
 * linked (so a subprogram is relocated once, then copied into each program that calls
 * it). Records in a section's gap between functions belong to an eliminated weak
 * function and are skipped, as libbpf skips them, and so are those of programs that
 * are not loaded by default (`SEC("?...")`). Returns a note when there is no target BTF
 * at all: the instructions are then left as compiled.
 */
export function applyCoreRelocations(inputs: CoreInputs): string | undefined {
  const { btf, relos, file, target } = inputs;
  if (!btf || !relos || relos.sections.length === 0) return undefined;
  const sections = new Map<string, CodeSection>();
  for (const code of inputs.codeSections) if (!sections.has(code.section.name)) sections.set(code.section.name, code);
  const hasTarget = target.btfSource !== undefined;
  const cache = new CandidateCache({ vmlinux: () => vmlinuxOf(target), modules: () => target.modules() });
  let unapplied = 0;

  for (const { section, records } of relos.sections) {
    const code = sections.get(section);
    if (!code) throw new RelocationError('CO-RE relocations for a section that is not a code section of this object', { file, section });
    for (let i = 0; i < records.length; i++) {
      const relo = records[i]!;
      const sectionPc = relo.insnOff / INSN_SIZE;
      if (!Number.isInteger(sectionPc) || sectionPc >= code.insns.length) {
        throw new RelocationError(`CO-RE relocation #${i}: offset ${relo.insnOff} is not at an instruction of the section`, { file, section, pc: Math.floor(sectionPc) });
      }
      const fn = code.functions.find((f) => sectionPc >= f.sectionInsnOff && sectionPc < f.sectionInsnOff + f.insns.length);
      if (!fn || section.startsWith('?')) continue;
      if (!hasTarget) {
        unapplied++;
        continue;
      }
      const pc = sectionPc - fn.sectionInsnOff;
      const ctx: ErrorContext = { file, section, program: fn.name, pc };
      try {
        applyOne(btf, relo, i, fn.insns, pc, cache, inputs.littleEndian);
      } catch (e) {
        if (!(e instanceof BpfscopeError)) throw e;
        throw (e instanceof RelocationError ? e : new RelocationError(e.reason)).within(ctx);
      }
    }
  }
  if (unapplied === 0) return undefined;
  return `${unapplied} CO-RE relocation${unapplied === 1 ? '' : 's'} left unapplied: no target BTF (--btf-target FILE gives one)`;
}

function applyOne(btf: Btf, relo: BtfCoreRelo, index: number, insns: CodeSection['insns'], pc: number, cache: CandidateCache, littleEndian: boolean): void {
  const kind = CORE_RELO_KINDS[relo.kind];
  if (kind === undefined) throw new RelocationError(`CO-RE relocation #${index}: unknown kind ${relo.kind}`);
  if (!btf.has(relo.typeId)) throw new RelocationError(`CO-RE relocation #${index}: local type id ${relo.typeId} does not exist (the object's BTF has ${btf.typeCount} types)`);
  const what = `CO-RE relocation #${index} (${kind} of [${relo.typeId}] ${describe(btf.type(relo.typeId))} + ${relo.accessStr})`;
  try {
    const local = parseSpec(btf, relo.typeId, relo.accessStr, kind);
    const res = kind === 'TYPE_ID_LOCAL' ? localTypeIdResult(local) : resolveRelo(local, cache.candidates(btf, relo.typeId), littleEndian);
    patchInsn(insns, pc, res);
  } catch (e) {
    if (e instanceof RelocationError) throw new RelocationError(`${what}: ${e.reason}`);
    throw e;
  }
}

function vmlinuxOf(target: LoadTarget): Btf {
  try {
    const btf = target.vmlinux();
    if (!btf) throw new RelocationError('no target BTF');
    return btf;
  } catch (e) {
    if (!(e instanceof BpfscopeError)) throw e;
    const where = e.context.file ?? target.btfSource ?? 'target';
    throw new RelocationError(`bad target BTF ${where}: ${e.reason}`);
  }
}
