import { ExternError, type ErrorContext } from '../../errors.js';
import { findOwnType, type Btf, type BtfFunc, type BtfKindName, type BtfVar } from '../../btf/index.js';
import type { LoadTarget } from '../target.js';
import type { KsymExtern, KsymResolution } from './model.js';
import { typesAreCompat } from '../core/compat.js';

/**
 * libbpf's resolution of `.ksyms` externs (bpf_object__read_kallsyms_file and
 * bpf_object__resolve_ksyms_btf_id): a typeless one (`extern void x __ksym`) gets its
 * address from kallsyms; a typed variable or a kfunc is found by name in the kernel's
 * BTF, then in each module's own types, and must have a compatible type; its address
 * is looked up too when an ld_imm64 loads it (`loadedByAddress`), for the kernel puts
 * it there. Externs it
 * cannot find stay out of `resolved` (the caller fails the strong ones). With no
 * kallsyms or no target BTF at all, they are `untried`, with a note saying so.
 */
export function resolveKsyms(
  externs: readonly KsymExtern[],
  objectBtf: Btf,
  target: LoadTarget,
  where: (ext: KsymExtern) => ErrorContext,
  notes: string[],
  loadedByAddress: (ext: KsymExtern) => boolean,
): { resolved: Map<KsymExtern, KsymResolution>; untried: KsymExtern[] } {
  const out = new Map<KsymExtern, KsymResolution>();
  const untried: KsymExtern[] = [];
  const typeless = externs.filter((e) => e.typeId === 0 && !e.func);
  const typed = externs.filter((e) => e.typeId !== 0 || e.func);
  // Reading kallsyms costs a tenth of a second: only for typeless ksyms and for typed ones an ld_imm64 loads.
  const kallsyms = typeless.length || typed.some(loadedByAddress) ? target.kallsyms() : undefined;
  if (typeless.length && !kallsyms) {
    notes.push(`the target has no kallsyms: typeless ksyms ${names(typeless)} are left at address 0, as unresolved weak ones`);
    untried.push(...typeless);
  }
  for (const ext of typeless) {
    const [address, other] = kallsyms?.addresses(ext.name) ?? [];
    if (other !== undefined) throw new ExternError(`extern (ksym) '${ext.name}': resolution is ambiguous: 0x${address!.toString(16)} or 0x${other.toString(16)}`, where(ext));
    if (address !== undefined) out.set(ext, { btfId: 0, moduleIndex: 0, address });
  }
  const vmlinux = target.vmlinux();
  if (typed.length && !vmlinux) {
    notes.push(`no target BTF: typed ksyms and kfuncs ${names(typed)} are left unresolved, as weak ones`);
    return { resolved: out, untried: [...untried, ...typed] };
  }
  const moduleIndex = new Map<string, number>();
  for (const ext of typed) {
    const kind = ext.func ? 'FUNC' : 'VAR';
    const found = findKsym(target, vmlinux!, ext.name, kind);
    if (!found) {
      if (ext.weak) continue;
      throw new ExternError(ext.func ? `extern (func ksym) '${ext.name}': not found in kernel or module BTFs` : `extern (var ksym) '${ext.name}': not found in kernel BTF`, where(ext));
    }
    const { btf, id, module } = found;
    const kernelType = (btf.type(id) as BtfVar | BtfFunc).type;
    if (ext.func) {
      if (!typesAreCompat(objectBtf, ext.typeId, btf, kernelType)) {
        throw new ExternError(`extern (func ksym) '${ext.name}': func_proto [${ext.typeId}] incompatible with kernel [${kernelType}]`, where(ext));
      }
    } else {
      const targetType = btf.resolve(kernelType);
      if (!typesAreCompat(objectBtf, ext.typeId, btf, targetType)) {
        const l = objectBtf.type(ext.typeId);
        const t = btf.type(targetType);
        throw new ExternError(
          `extern (var ksym) '${ext.name}': incompatible types, expected [${ext.typeId}] ${kindText(l.kind)} ${l.name}, but kernel has [${targetType}] ${kindText(t.kind)} ${t.name}`,
          where(ext),
        );
      }
    }
    // A module's BTF takes the next slot of the object's fd array the first time a ksym needs it.
    let index = 0;
    if (module !== undefined) {
      index = moduleIndex.get(module) ?? moduleIndex.size + 1;
      moduleIndex.set(module, index);
    }
    // The kernel looks a typed ksym's address up in kallsyms when it loads the program.
    const address = kallsyms ? (kallsyms.addresses(ext.name)[0] ?? null) : undefined;
    out.set(ext, { btfId: id, moduleIndex: index, ...(module !== undefined ? { module } : {}), ...(address !== undefined ? { address } : {}) });
  }
  return { resolved: out, untried };
}

/** libbpf's find_ksym_btf_id: vmlinux first, then each module's own types. */
function findKsym(target: LoadTarget, vmlinux: Btf, name: string, kind: 'VAR' | 'FUNC'): { btf: Btf; id: number; module?: string } | undefined {
  const inKernel = findOwnType(vmlinux, name, kind);
  if (inKernel !== undefined) return { btf: vmlinux, id: inKernel };
  for (const { name: module, btf } of target.modules()) {
    const own = findOwnType(btf, name, kind);
    if (own !== undefined) return { btf, id: own, module };
  }
  return undefined;
}

/** libbpf's btf_kind_str. */
function kindText(kind: BtfKindName): string {
  return kind.toLowerCase();
}

function names(externs: readonly KsymExtern[]): string {
  return externs.map((e) => e.name).join(', ');
}
