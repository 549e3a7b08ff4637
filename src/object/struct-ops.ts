import { ObjectError } from '../errors.js';
import type { Btf } from '../btf/index.js';
import type { ElfFile, ElfSection } from '../elf/index.js';
import { mapTypeId } from './kinds.js';
import type { MapSpec, ProgramSpec } from './spec.js';
import type { LoadTarget } from './target.js';

const BPF_F_LINK = 1 << 13;
const STRUCT_OPS_VALUE_PREFIX = 'bpf_struct_ops_';

/** A struct_ops map as the object declares it, before the target kernel's types are known. */
export interface StructOpsMap {
  spec: MapSpec;
  section: ElfSection;
  /** Where the variable starts in its section. */
  offset: number;
  /** The local struct type id (the variable's type). */
  typeId: number;
}

/** Whether a section holds struct_ops variables (`.struct_ops`, `.struct_ops.link`, with libbpf's `?`). */
export function isStructOpsSection(section: ElfSection): boolean {
  return /^\??\.struct_ops(\.link)?$/.test(section.name);
}

/**
 * libbpf's init_struct_ops_maps: each variable of a struct_ops section is a map of type
 * BPF_MAP_TYPE_STRUCT_OPS, key 4 bytes, one entry, its value the local struct until the
 * kernel's `bpf_struct_ops_<name>` is found; `.struct_ops.link` maps carry BPF_F_LINK.
 */
export function structOpsMaps(elf: ElfFile, section: ElfSection, btf: Btf | undefined): StructOpsMap[] {
  const ctx = { file: elf.fileName, section: section.name };
  const datasec = btf?.findOne(section.name, 'DATASEC');
  if (!btf || !datasec) throw new ObjectError(`struct_ops init: DATASEC ${section.name} not found`, ctx);
  return datasec.vars.map((info) => {
    const v = btf.type(info.type);
    const type = btf.resolved(v.kind === 'VAR' ? v.type : info.type);
    if (type.kind !== 'STRUCT' || type.name === '') throw new ObjectError(`struct_ops init: ${v.name}: not a named struct`, ctx);
    if (info.offset + type.size > section.size) throw new ObjectError(`struct_ops init: var ${v.name} is beyond the end of DATASEC ${section.name}`, ctx);
    const spec: MapSpec = {
      name: v.name,
      origin: 'struct_ops',
      sectionName: section.name,
      type: mapTypeId('struct_ops')!,
      keySize: 4,
      valueSize: type.size,
      maxEntries: 1,
      flags: section.name.endsWith('.link') ? BPF_F_LINK : 0,
      numaNode: 0,
      pinning: 0,
      mapExtra: 0n,
      btfKeyTypeId: 0,
      // libbpf creates struct_ops maps with the object's BTF but no value type of it.
      btfValueTypeId: 0,
      btfVmlinuxValueTypeId: 0,
      initialSlots: [],
      structOpsPrograms: [],
    };
    return { spec, section, offset: info.offset, typeId: type.id };
  });
}

/**
 * libbpf's struct_ops relocations and bpf_map__init_kern_struct_ops: each function pointer
 * of the variable names a program; the map's value becomes the kernel's
 * `bpf_struct_ops_<name>` (vmlinux, then modules) and each program it names gets the
 * kernel struct's BTF id as attach BTF id and the member's index there as expected
 * attach type. Without that type in the target, a note says what libbpf would say.
 */
export function linkStructOps(elf: ElfFile, entries: readonly StructOpsMap[], btf: Btf | undefined, programs: ProgramSpec[], target: LoadTarget, notes: string[]): void {
  for (const entry of entries) {
    const { spec, section } = entry;
    const ctx = { file: elf.fileName, section: section.name };
    const local = btf!.typeOf(entry.typeId, 'STRUCT');
    for (const rel of elf.relocations.get(section.index) ?? []) {
      const moff = rel.offset - entry.offset;
      if (moff < 0 || moff >= local.size) continue;
      const sym = elf.symbols[rel.symbol];
      const prog = programs.find((p) => p.name === sym?.name && p.kind.progTypeName === 'struct_ops');
      const member = local.members.find((m) => m.bitOffset === moff * 8);
      if (!member) throw new ObjectError(`struct_ops reloc ${spec.name}: cannot find member at moff ${moff}`, ctx);
      if (!prog) throw new ObjectError(`struct_ops reloc ${spec.name}: member ${member.name}: '${sym?.name ?? rel.symbol}' is not a struct_ops program`, ctx);
      spec.structOpsPrograms!.push({ member: member.name, program: prog.name });
    }
    const kernel = findKernelStructOps(local.name, target);
    if (section.name.startsWith('?')) notes.push(`struct_ops map '${spec.name}' is in ${section.name}, which libbpf does not create by default; not created`);
    if (!kernel) {
      notes.push(`libbpf: struct_ops init_kern: struct ${STRUCT_OPS_VALUE_PREFIX}${local.name} is not found in kernel BTF; map '${spec.name}' keeps the object's struct, its programs no attach BTF id`);
      continue;
    }
    spec.valueSize = kernel.valueSize;
    spec.structOpsFuncPointers = kernel.funcPointers;
    spec.btfVmlinuxValueTypeId = kernel.valueTypeId;
    for (const { member, program } of spec.structOpsPrograms!) {
      const index = kernel.memberIndex(member);
      const prog = programs.find((p) => p.name === program)!;
      if (index < 0) {
        notes.push(`libbpf: struct_ops init_kern ${spec.name}: Cannot find member ${member} in kernel BTF`);
        continue;
      }
      prog.attachBtfId = kernel.typeId;
      prog.attachBtfObject = kernel.object;
      prog.kind = { ...prog.kind, expectedAttachType: index };
    }
  }
  adjustAutoload(entries, programs);
}

/**
 * libbpf's bpf_object_adjust_struct_ops_autoload (libbpf 1.4 on; 1.1 has none): a struct_ops program that maps refer to
 * loads if one of them is created (not in a `?` section), whatever its own `?` says.
 */
function adjustAutoload(entries: readonly StructOpsMap[], programs: ProgramSpec[]): void {
  for (const prog of programs) {
    const users = entries.filter((e) => e.spec.structOpsPrograms!.some((s) => s.program === prog.name));
    if (users.length) prog.kind = { ...prog.kind, autoload: users.some((e) => !e.section.name.startsWith('?')) };
  }
}

function findKernelStructOps(name: string, target: LoadTarget) {
  // libbpf drops a `___flavor` suffix from the local name (bpf_core_essential_name_len).
  const tname = name.replace(/___.*$/, '');
  const vmlinux = target.vmlinux();
  if (!vmlinux) return undefined;
  const candidates: { btf: Btf; object: string }[] = [{ btf: vmlinux, object: 'vmlinux' }, ...target.modules().map((m) => ({ btf: m.btf, object: m.name }))];
  for (const { btf, object } of candidates) {
    const value = btf.findOne(`${STRUCT_OPS_VALUE_PREFIX}${tname}`, 'STRUCT');
    if (!value) continue;
    const type = btf.findOne(tname, 'STRUCT');
    if (!type) return undefined;
    return {
      object,
      typeId: type.id,
      valueTypeId: value.id,
      valueSize: value.size,
      // The kernel allocates a link (and a ksym) for each function pointer of the struct.
      funcPointers: type.members.filter((m) => {
        const t = btf.resolved(m.type);
        return t.kind === 'PTR' && btf.resolved(t.type).kind === 'FUNC_PROTO';
      }).length,
      memberIndex: (member: string) => type.members.findIndex((m) => m.name === member),
    };
  }
  return undefined;
}
