import type { Btf } from '../btf/index.js';
import { EINVAL, ESRCH } from '../errno.js';
import type { ProgramSpec } from './spec.js';
import type { LoadTarget } from './target.js';

/**
 * libbpf's attach BTF ids (libbpf_prepare_prog_load, find_kernel_btf_id): a program whose
 * section takes a BTF-described target (fentry/fexit/fmod_ret, lsm, iter, tp_btf) gets
 * the id of that target in the target kernel's BTF, vmlinux first, then each module's
 * (`MODULE:function` names the module). The name is looked up as libbpf looks it up: a
 * FUNC, `bpf_lsm_NAME` for lsm, `bpf_iter_NAME` for iter, the TYPEDEF `btf_trace_NAME`
 * for tp_btf. Where libbpf would fail to load the program (no target, none found, an
 * freplace without the program it replaces) the program carries libbpf's words.
 */
export function resolveAttachTargets(programs: ProgramSpec[], target: LoadTarget, notes: string[]): void {
  for (const prog of programs) {
    if (!prog.kind.attachBtf) continue;
    const fail = (message: string, errno: number): void => {
      prog.loadError = { message, errno };
      notes.push(`libbpf: prog '${prog.name}': ${message}; not loaded`);
    };
    const name = prog.kind.attachTarget;
    if (prog.kind.progTypeName === 'ext') {
      fail('attach program FD is not set', EINVAL);
      continue;
    }
    if (name === undefined) {
      fail('no BTF-based attach target is specified, use bpf_program__set_attach_target()', EINVAL);
      continue;
    }
    const vmlinux = target.vmlinux();
    if (!vmlinux) {
      notes.push(`prog '${prog.name}': no target BTF, so its attach target '${name}' has no BTF id`);
      continue;
    }
    const found = findAttachTarget(name, prog.kind.attachTypeName ?? '', vmlinux, target);
    if (found) {
      prog.attachBtfId = found.id;
      prog.attachBtfObject = found.object;
    } else {
      fail(`failed to find kernel BTF type ID of '${name}': -${ESRCH}`, ESRCH);
    }
  }
}

function findAttachTarget(attachName: string, attachType: string, vmlinux: Btf, target: LoadTarget): { id: number; object: string } | undefined {
  const colon = attachName.indexOf(':');
  const mod = colon < 0 ? undefined : attachName.slice(0, colon);
  const fn = colon < 0 ? attachName : attachName.slice(colon + 1);
  const { prefix, kind } = prefixKind(attachType);
  const lookup = (btf: Btf): number | undefined => btf.findOne(`${prefix}${fn}`, kind)?.id;
  // libbpf compares the module name over its own length only (strncmp), so `vm` names vmlinux too.
  if (mod === undefined || 'vmlinux'.startsWith(mod)) {
    const id = lookup(vmlinux);
    if (id !== undefined) return { id, object: 'vmlinux' };
  }
  for (const m of target.modules()) {
    if (mod !== undefined && !m.name.startsWith(mod)) continue;
    const id = lookup(m.btf);
    if (id !== undefined && id >= m.btf.startId) return { id, object: m.name };
  }
  return undefined;
}

/** btf_get_kernel_prefix_kind. */
function prefixKind(attachType: string): { prefix: string; kind: 'FUNC' | 'TYPEDEF' } {
  switch (attachType) {
    case 'trace_raw_tp':
      return { prefix: 'btf_trace_', kind: 'TYPEDEF' };
    case 'lsm_mac':
    case 'lsm_cgroup':
      return { prefix: 'bpf_lsm_', kind: 'FUNC' };
    case 'trace_iter':
      return { prefix: 'bpf_iter_', kind: 'FUNC' };
    default:
      return { prefix: '', kind: 'FUNC' };
  }
}
