import { helperName, type Insn, callKind } from '../../isa/index.js';
import type { SectionProgramKind } from '../../object/index.js';
import { mapFamily } from '../maps/create.js';
import { INLINED, type MapOpHelper } from '../maps/family.js';
import type { MapAttrs } from '../maps/types.js';
import { protoFunction } from './helper-protos.js';
import { mapArguments } from './map-registers.js';

const MAP_OPS = new Set<string>(['map_lookup_elem', 'map_update_elem', 'map_delete_elem', 'map_push_elem', 'map_pop_elem', 'map_peek_elem', 'redirect_map', 'for_each_map_elem', 'map_lookup_percpu_elem'] satisfies MapOpHelper[]);

/**
 * The kernel functions helper calls reach once do_misc_fixups and the program type's
 * func_proto have chosen them, by pc, where that is not the helper itself: a map helper
 * on a map the verifier knows becomes that map type's op (`htab_map_update_elem`,
 * `xsk_map_redirect`), and some helpers have a variant per program type
 * (`bpf_xdp_event_output`). A lookup the kernel inlines keeps the helper here, as
 * bpfscope does not inline. The call keeps the helper's id in imm, for the VM.
 */
export function helperTargets(insns: readonly Insn[], kind: SectionProgramKind, mapOf: (id: number) => MapAttrs | undefined): Map<number, string> {
  const out = new Map<number, string>();
  const mapOfMaps = (id: number) => mapOf(id)?.inner !== undefined;
  let args: ReturnType<typeof mapArguments> | undefined;
  insns.forEach((insn, pc) => {
    if (callKind(insn) !== 'helper') return;
    const helper = helperName(insn.imm)?.slice(4);
    if (helper === undefined) return;
    if (!MAP_OPS.has(helper)) {
      const proto = protoFunction(insn.imm, kind.progType, kind.expectedAttachType);
      if (proto) out.set(pc, proto);
      return;
    }
    args ??= mapArguments(insns, mapOfMaps);
    const arg = args.get(pc);
    if (arg === undefined || arg === 'several') return;
    const outer = mapOf(arg.map);
    const map = arg.inner ? outer?.inner : outer;
    const fn = map && mapFamily(map.type)?.kernelOps?.(map)[helper as MapOpHelper];
    if (fn && fn !== INLINED) out.set(pc, fn);
  });
  return out;
}
