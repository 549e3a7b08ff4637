import { BpfscopeError, RelocationError } from '../../errors.js';
import { CORE_RELO_KINDS, type Btf, type BtfCoreRelo, type BtfExtInfo } from '../../btf/index.js';
import { INSN_SIZE } from '../../isa/index.js';
import type { CodeSection } from '../functions.js';
import type { LoadTarget } from '../target.js';
import { CandidateCache } from './candidates.js';
import { patchInsn } from './patch.js';
import { localTypeIdResult, resolveRelo } from './resolve.js';
import { describe, parseSpec, type CoreSpec } from './spec.js';

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
      const sectionPc = Math.floor(relo.insnOff / INSN_SIZE);
      const fn = code.functions.find((f) => sectionPc >= f.sectionInsnOff && sectionPc < f.sectionInsnOff + f.insns.length);
      if (relo.insnOff % INSN_SIZE !== 0 || sectionPc >= code.insns.length) {
        const where = fn ? { program: fn.name, pc: sectionPc - fn.sectionInsnOff } : { pc: sectionPc };
        throw new RelocationError(`CO-RE relocation #${i}: offset ${relo.insnOff} is not at an instruction of the section`, { file, section, ...where });
      }
      if (!fn || section.startsWith('?')) continue;
      const pc = sectionPc - fn.sectionInsnOff;
      try {
        // A record is checked even when there is nothing to resolve it against.
        const local = localSpec(btf, relo, i);
        if (!hasTarget) {
          unapplied++;
          continue;
        }
        about(local.what, () => {
          const res = relo.kind === TYPE_ID_LOCAL ? localTypeIdResult(local.spec) : resolveRelo(local.spec, cache.candidates(btf, relo.typeId), inputs.littleEndian);
          patchInsn(fn.insns, pc, res);
        });
      } catch (e) {
        if (!(e instanceof BpfscopeError)) throw e;
        throw (e instanceof RelocationError ? e : new RelocationError(e.reason)).within({ file, section, program: fn.name, pc });
      }
    }
  }
  if (unapplied === 0) return undefined;
  return `${unapplied} CO-RE relocation${unapplied === 1 ? '' : 's'} left unapplied: no target BTF (--btf-target FILE gives one)`;
}

const TYPE_ID_LOCAL = CORE_RELO_KINDS.indexOf('TYPE_ID_LOCAL');

/** The record's local spec, and how errors name the record (libbpf: "relo #N: [ID] KIND NAME + ACCESS"). */
function localSpec(btf: Btf, relo: BtfCoreRelo, index: number): { spec: CoreSpec; what: string } {
  const kind = CORE_RELO_KINDS[relo.kind];
  if (kind === undefined) throw new RelocationError(`CO-RE relocation #${index}: unknown kind ${relo.kind}`);
  if (!btf.has(relo.typeId)) throw new RelocationError(`CO-RE relocation #${index}: local type id ${relo.typeId} does not exist (the object's BTF has ${btf.typeCount} types)`);
  const what = `CO-RE relocation #${index} (${kind} of [${relo.typeId}] ${describe(btf.type(relo.typeId))} + ${relo.accessStr})`;
  return { spec: about(what, () => parseSpec(btf, relo.typeId, relo.accessStr, kind)), what };
}

/** Runs `step`, its relocation errors prefixed with the record they are about. */
function about<T>(what: string, step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (e instanceof BpfscopeError) throw new RelocationError(`${what}: ${e.reason}`);
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
    throw new RelocationError(`bad target BTF ${where}: ${e.reason.replace(/^target BTF: /, '')}`);
  }
}
