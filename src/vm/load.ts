import { POISON_HELPER_ID, type ObjectSpec, type ProgramSpec, subprogramTag, isLoadable } from '../object/index.js';
import { BpfscopeError, VerifierError } from '../errors.js';
import { helperName, type Insn, BPF_PSEUDO_BTF_ID, callbackTarget, callKind, forEachInsn, isLdImm64, localCallTarget } from '../isa/index.js';
import type { IdSource, LoadedMap, LoadedObject, LoadedProgram } from './loaded.js';
import { cpus } from 'node:os';
import { createObjectMaps } from './load-maps.js';
import { mapSlotKind } from './maps/create.js';
import { applyKernelFixups, DEFAULT_KERNEL_PROFILE, helperTargets, kernelFunctionAt, type KernelProfile } from './fixups/index.js';
import { checkStructure } from './verifier/structure.js';

const BPF_OBJ_NAME_LEN = 16;
const PAGE_SIZE = 4096;
/** offsetof(struct bpf_prog, insns) on x86-64 kernels of the 6.x series. */
const BPF_PROG_HEADER_SIZE = 72;

export interface LoadOptions {
  /** Possible CPUs, for per-CPU maps; the host's count by default. */
  possibleCpus?: number;
  /** The uid recorded as the loader's; the process's own by default. */
  uid?: number;
  now?: Date;
  /** The kernel build whose rewrites (struct offsets, function addresses) loads reproduce. */
  kernelProfile?: KernelProfile;
}

/**
 * libbpf's load step followed by the kernel's: create the object's maps, then verify
 * and load every program, giving each map reference the map's id and rewriting context
 * accesses and legacy packet loads as the kernel does, and naming the functions helper
 * calls become (a map's ops, a program type's variant). What else the kernel rewrites
 * (helper addresses, inlined map lookups) only a kernel can know and is not done here.
 * Nothing here asks what the VM can run: a program the kernel loads loads here.
 */
export function loadObject(spec: ObjectSpec, ids: IdSource, options: LoadOptions = {}): LoadedObject {
  const btfId = spec.btf ? ids.nextBtfId() : 0;
  const maps = createObjectMaps(spec, ids, btfId, options.possibleCpus ?? cpus().length);
  // libbpf binds every read-only data map (.rodata, .rodata.*) to every program it loads (BPF_PROG_BIND_MAP).
  const rodata = maps.filter((m) => m.spec.origin === 'rodata');
  const uid = options.uid ?? process.getuid?.() ?? 0;
  const loadedAt = options.now ?? new Date();
  const programs = spec.programs
    .filter(isLoadable)
    .map((p) => loadProgram(spec, p, { maps, rodata, id: ids.nextProgramId(), btfId, uid, loadedAt, profile: options.kernelProfile ?? DEFAULT_KERNEL_PROFILE }));
  return { spec, programs, maps, btfId };
}

interface ProgramLoad {
  maps: LoadedMap[];
  rodata: readonly LoadedMap[];
  id: number;
  btfId: number;
  uid: number;
  loadedAt: Date;
  profile: KernelProfile;
}

function loadProgram(object: ObjectSpec, prog: ProgramSpec, load: ProgramLoad): LoadedProgram {
  const { maps, rodata, profile } = load;
  let fixed: ReturnType<typeof applyKernelFixups>;
  let helperFunctions: ReadonlyMap<number, string>;
  const mapped = prog.insns.map((i) => ({ ...i }));
  const mapIds: number[] = [];
  for (const ref of prog.mapRefs) {
    const map = maps[ref.mapIndex]!;
    mapped[ref.pc]!.imm = map.id;
    if (!mapIds.includes(map.id)) mapIds.push(map.id);
    if (mapSlotKind(map.spec.type) === 'program') map.ownerProgType ??= prog.kind.progType;
  }
  for (const m of rodata) if (!mapIds.includes(m.id)) mapIds.push(m.id);
  try {
    placeKsymAddresses(prog, mapped);
    checkStructure(prog.insns);
    fixed = applyKernelFixups(mapped, prog.kind, profile);
    checkHelperIds(fixed.insns, profile);
    helperFunctions = helperTargets(fixed.insns, prog.kind, (id) => maps.find((m) => m.id === id)?.spec);
  } catch (e) {
    if (e instanceof BpfscopeError) throw e.within({ file: object.fileName, section: prog.sectionName, program: prog.name });
    throw e;
  }
  const { insns: xlated, newPc } = fixed;
  const at = (insnOff: number): number => newPc[insnOff] ?? insnOff;
  const starts = prog.functions.map((f) => at(f.insnOff));
  // Subprogram tags digest the rewritten code in the object's call form, before calls are marked.
  const objectForm = prog.functions.length > 1 ? xlated.map((i) => ({ ...i })) : [];
  markSubprogramCalls(xlated, starts);
  let symbols: Map<number, string> | undefined;
  const subprogramSymbols = (): ReadonlyMap<number, string> => (symbols ??= subprogramSymbolMap(prog, objectForm, at));
  return {
    id: load.id,
    name: prog.name.slice(0, BPF_OBJ_NAME_LEN - 1),
    spec: prog,
    xlated,
    funcInfo: prog.funcInfo.map((f) => ({ ...f, insnOff: at(f.insnOff) })),
    lineInfo: prog.lineInfo.map((l) => ({ ...l, insnOff: at(l.insnOff) })),
    functionStarts: starts,
    maxCtxOffset: fixed.maxCtxOffset,
    kernelProfile: profile,
    kernelFunction: kernelFunctionNames(prog, profile),
    helperFunctions,
    mapIds,
    btfId: load.btfId,
    loadedAt: load.loadedAt,
    uid: load.uid,
    memlock: programMemlock(xlated.length),
    subprogramSymbols,
  };
}

/**
 * The kernel's check_pseudo_btf_id: an ld_imm64 of a typed ksym (src 3, a BTF id) comes
 * to hold the symbol's address as a plain constant (0 where the target's kallsyms were
 * not known); a symbol kallsyms do not have (a per-CPU variable without
 * CONFIG_KALLSYMS_ALL) fails the load.
 */
function placeKsymAddresses(prog: ProgramSpec, insns: Insn[]): void {
  for (const ref of prog.externRefs) {
    const insn = insns[ref.pc]!;
    if (ref.kind !== 'ksym' || !isLdImm64(insn) || insn.src !== BPF_PSEUDO_BTF_ID) continue;
    if (ref.address === null) throw new VerifierError(`ldimm64 failed to find the address for kernel symbol '${ref.name}'.`, { pc: ref.pc });
    const address = ref.address ?? 0n;
    insn.src = 0;
    insn.imm = Number(BigInt.asIntN(32, address));
    insns[ref.pc + 1]!.imm = Number(BigInt.asIntN(32, address >> 32n));
  }
}

/**
 * Names for calls the helper table cannot give: a kfunc (src 2) by the BTF id and
 * module slot its call carries, as the object resolved it; a call rewritten by the
 * kernel by its immediate in the kernel profile.
 */
function kernelFunctionNames(prog: ProgramSpec, profile: KernelProfile): LoadedProgram['kernelFunction'] {
  const kfuncs = new Map<string, string>();
  for (const ref of prog.externRefs) {
    const insn = prog.insns[ref.pc]!;
    if (ref.kind === 'kfunc' && ref.btfId !== 0) kfuncs.set(`${insn.off}:${insn.imm}`, ref.name);
  }
  return (insn) => (callKind(insn) === 'kfunc' ? kfuncs.get(`${insn.off}:${insn.imm}`) : kernelFunctionAt(profile, insn.imm));
}

/**
 * How a JITing kernel leaves bpf-to-bpf calls for dumps: a call keeps its relative
 * offset in `off` and holds the callee's subprogram index in `imm`; a callback address
 * (ld_imm64 src 4) keeps the offset in `imm` and the index in the second slot's `imm`.
 */
function markSubprogramCalls(xlated: LoadedProgram['xlated'], starts: number[]): void {
  const indexOf = new Map(starts.map((start, index) => [start, index] as const));
  forEachInsn(xlated, (insn, pc) => {
    const callee = localCallTarget(insn, pc, 'object');
    if (callee !== undefined) {
      insn.off = insn.imm;
      insn.imm = indexOf.get(callee) ?? -1;
    }
    const callback = callbackTarget(insn, pc);
    if (callback !== undefined) xlated[pc + 1]!.imm = indexOf.get(callback) ?? -1;
  });
}

/**
 * The one helper check the kernel's verifier makes that needs no knowledge of a program
 * type's helpers: an id past the build's last is `invalid func`. Which helpers a type
 * may call, and whether the VM runs them, is the run's business (runtime/modelled.ts).
 */
function checkHelperIds(xlated: readonly Insn[], profile: KernelProfile): void {
  xlated.forEach((insn, pc) => {
    if (callKind(insn) !== 'helper') return;
    if (insn.imm >= 0 && insn.imm < profile.helperCount) return;
    // libbpf's CO-RE poison: the verifier refuses it only where reachable, which needs the verifier (the run faults there).
    if (insn.imm === POISON_HELPER_ID) return;
    if (kernelFunctionAt(profile, insn.imm) !== undefined) return;
    throw new VerifierError(`invalid func ${helperName(insn.imm) ?? 'unknown'}#${insn.imm}`, { pc });
  });
}

function programMemlock(insnCount: number): number {
  return Math.ceil((BPF_PROG_HEADER_SIZE + insnCount * 8) / PAGE_SIZE) * PAGE_SIZE;
}

/**
 * A JITing kernel names each subprogram `bpf_prog_<its own tag>_<name>`, the tag
 * digesting the subprogram as it JITs it: after the context rewrites. The entry has no
 * such symbol here. The symbols are keyed by where the subprograms start in xlated.
 */
function subprogramSymbolMap(prog: ProgramSpec, rewritten: readonly Insn[], at: (insnOff: number) => number): Map<number, string> {
  const starts = prog.functions.map((f) => at(f.insnOff));
  const out = new Map<number, string>();
  for (const fn of prog.functions.slice(1)) {
    const start = at(fn.insnOff);
    const tag = subprogramTag(rewritten, start, at(fn.insnOff + fn.insnCount) - start, (insn) => starts.indexOf(insn));
    out.set(start, `bpf_prog_${tag}_${fn.name}`);
  }
  return out;
}
