import { ExternError } from '../../errors.js';
import { BTF_LINKAGE, BtfEdit, type Btf, type BtfDatasec } from '../../btf/index.js';
import { KCONFIG_SEC, KSYMS_SEC, type Extern } from './model.js';

/** Words of a DATASEC record before its entries, and per entry (type, offset, size). */
const DATASEC_HEADER = 3;
const SECINFO = 3;
/** Word of a VAR record holding its type, and its linkage. */
const VAR_TYPE = 2;
const VAR_LINKAGE = 3;
/** Words of a FUNC_PROTO record before its parameters, and per parameter (name, type). */
const PROTO_HEADER = 3;
const PARAM = 2;
const INFO = 1;
const SIZE = 2;
/** What each `.ksyms` entry becomes: a 4-byte variable. */
const KSYM_SLOT = 4;

/**
 * The edits libbpf 1.1 makes to an object's BTF while it collects externs, so that the
 * kernel accepts BTF whose DATASECs list externs (the BTF the kernel then holds for the
 * object): `.ksyms` entries become 4-byte allocated variables of a 32-bit integer type,
 * each kfunc's entry pointing at an added `dummy_ksym` variable, the kfunc made global and
 * its unnamed parameters named `dummy_ksym`; `.kconfig` entries become allocated
 * variables at their offsets in the `.kconfig` map, sorted by offset.
 */
export function patchExternBtf(btf: Btf, externs: readonly Extern[], kconfigSize: number): Btf {
  const ksyms = btf.findOne(KSYMS_SEC, 'DATASEC');
  const kconfig = btf.findOne(KCONFIG_SEC, 'DATASEC');
  const hasKsyms = externs.some((e) => e.kind === 'ksym');
  const hasKconfig = externs.some((e) => e.kind === 'kconfig');
  const dummyNeeded = ksyms !== undefined && ksyms.vars.some((v) => btf.type(v.type).kind === 'FUNC');
  if (!dummyNeeded && !(hasKsyms && ksyms) && !(hasKconfig && kconfig)) return btf;

  const edit = new BtfEdit(btf);
  const intId = btf.types.find((t) => t.kind === 'INT' && t.bits === 32)?.id ?? 0;
  const dummy = dummyNeeded ? edit.addVar('dummy_ksym', intId, BTF_LINKAGE.GLOBAL) : 0;
  const byName = new Map(externs.map((e) => [e.name, e] as const));
  const externFor = (sec: BtfDatasec, id: number): Extern => {
    const t = btf.type(id);
    const ext = byName.get(t.name);
    if (!ext) throw new ExternError(`failed to find extern definition for BTF ${t.kind.toLowerCase()} '${t.name}'`, { section: sec.name });
    return ext;
  };

  if (hasKsyms && ksyms) {
    const dummyName = dummy ? edit.string('dummy_ksym') : 0;
    ksyms.vars.forEach((v, i) => {
      externFor(ksyms, v.type);
      const t = btf.type(v.type);
      if (t.kind === 'FUNC') {
        const proto = btf.type(t.type);
        if (proto.kind === 'FUNC_PROTO') {
          proto.params.forEach((p, j) => {
            if (p.type !== 0 && p.nameOff === 0) edit.set(proto.id, PROTO_HEADER + PARAM * j, dummyName);
          });
        }
        edit.set(ksyms.id, DATASEC_HEADER + SECINFO * i, dummy);
        edit.set(t.id, INFO, (edit.get(t.id, INFO) & ~0xffff) | BTF_LINKAGE.GLOBAL);
      } else {
        edit.set(t.id, VAR_LINKAGE, BTF_LINKAGE.GLOBAL);
        edit.set(t.id, VAR_TYPE, intId);
      }
      edit.set(ksyms.id, DATASEC_HEADER + SECINFO * i + 1, i * KSYM_SLOT);
      edit.set(ksyms.id, DATASEC_HEADER + SECINFO * i + 2, KSYM_SLOT);
    });
    edit.set(ksyms.id, SIZE, ksyms.vars.length * KSYM_SLOT);
  }

  if (hasKconfig && kconfig) {
    const entries = kconfig.vars.map((v) => {
      const ext = externFor(kconfig, v.type);
      edit.set(v.type, VAR_LINKAGE, BTF_LINKAGE.GLOBAL);
      return { type: v.type, offset: ext.kind === 'kconfig' ? ext.offset : v.offset, size: v.size };
    });
    // libbpf sorts every DATASEC by offset once the offsets are known (stably: equal ones keep their order).
    entries.sort((a, b) => a.offset - b.offset);
    entries.forEach((e, i) => {
      edit.set(kconfig.id, DATASEC_HEADER + SECINFO * i, e.type);
      edit.set(kconfig.id, DATASEC_HEADER + SECINFO * i + 1, e.offset);
      edit.set(kconfig.id, DATASEC_HEADER + SECINFO * i + 2, e.size);
    });
    edit.set(kconfig.id, SIZE, kconfigSize);
  }
  return edit.build();
}
