import { BuilderError } from '../../errors.js';

/** One field of a UAPI context struct: byte offset, size, and how many elements (cb[5], remote_ip6[4]). */
type FieldSpec = readonly [offset: number, size: 1 | 2 | 4 | 8, count?: number];

/** `struct __sk_buff` (include/uapi/linux/bpf.h), 192 bytes. */
const SK_BUFF = {
  len: [0, 4],
  pkt_type: [4, 4],
  mark: [8, 4],
  queue_mapping: [12, 4],
  protocol: [16, 4],
  vlan_present: [20, 4],
  vlan_tci: [24, 4],
  vlan_proto: [28, 4],
  priority: [32, 4],
  ingress_ifindex: [36, 4],
  ifindex: [40, 4],
  tc_index: [44, 4],
  cb: [48, 4, 5],
  hash: [68, 4],
  tc_classid: [72, 4],
  data: [76, 4],
  data_end: [80, 4],
  napi_id: [84, 4],
  family: [88, 4],
  remote_ip4: [92, 4],
  local_ip4: [96, 4],
  remote_ip6: [100, 4, 4],
  local_ip6: [116, 4, 4],
  remote_port: [132, 4],
  local_port: [136, 4],
  data_meta: [140, 4],
  flow_keys: [144, 8],
  tstamp: [152, 8],
  wire_len: [160, 4],
  gso_segs: [164, 4],
  sk: [168, 8],
  gso_size: [176, 4],
  tstamp_type: [180, 1],
  hwtstamp: [184, 8],
} as const satisfies Record<string, FieldSpec>;

/** `struct xdp_md`, 24 bytes. */
const XDP_MD = {
  data: [0, 4],
  data_end: [4, 4],
  data_meta: [8, 4],
  ingress_ifindex: [12, 4],
  rx_queue_index: [16, 4],
  egress_ifindex: [20, 4],
} as const satisfies Record<string, FieldSpec>;

/** x86-64's `struct pt_regs` (what a kprobe's context is): 21 registers of 8 bytes, in this order. */
const PT_REGS_NAMES = ['r15', 'r14', 'r13', 'r12', 'bp', 'bx', 'r11', 'r10', 'r9', 'r8', 'ax', 'cx', 'dx', 'si', 'di', 'orig_ax', 'ip', 'cs', 'flags', 'sp', 'ss'] as const;
export type PtRegsName = (typeof PT_REGS_NAMES)[number];
const PT_REGS_X86_64: Record<string, FieldSpec> = Object.fromEntries(PT_REGS_NAMES.map((r, i) => [r, [8 * i, 8] as const]));

type Value<S extends FieldSpec> = S[2] extends number ? readonly (S[1] extends 8 ? bigint | number : number)[] : S[1] extends 8 ? bigint | number : number;
type Fields<T extends Record<string, FieldSpec>> = { [K in keyof T]?: Value<T[K]> };

export type SkBuffFields = Fields<typeof SK_BUFF>;
export type XdpMdFields = Fields<typeof XDP_MD>;
export type PtRegsFields = Partial<Record<PtRegsName, bigint | number>>;

/** The context's bytes, each field checked against its size: a builder never wraps a value. */
function build(struct: string, size: number, layout: Record<string, FieldSpec>, values: Record<string, unknown>): Uint8Array {
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const spec = layout[name];
    if (!spec) throw new BuilderError(`${struct} has no field '${name}'`);
    const [offset, width, count] = spec;
    const items = count === undefined ? [value] : (value as readonly unknown[]);
    if (count !== undefined && (!Array.isArray(value) || items.length > count)) throw new BuilderError(`${struct}.${name} takes at most ${count} values`);
    items.forEach((item, i) => put(view, offset + i * width, width, item, `${struct}.${name}${count === undefined ? '' : `[${i}]`}`));
  }
  return bytes;
}

function put(view: DataView, at: number, width: 1 | 2 | 4 | 8, value: unknown, what: string): void {
  const v = typeof value === 'bigint' ? value : typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : undefined;
  if (v === undefined || v < 0n || v >= 1n << BigInt(8 * width)) throw new BuilderError(`${what} ${String(value)} does not fit in ${8 * width} bits`);
  if (width === 8) view.setBigUint64(at, v, true);
  else if (width === 4) view.setUint32(at, Number(v), true);
  else if (width === 2) view.setUint16(at, Number(v), true);
  else view.setUint8(at, Number(v));
}

/** A `struct __sk_buff` for ctx_in (only some fields are taken by a test run: see docs/vm.md). */
export function skbContext(fields: SkBuffFields = {}): Uint8Array {
  return build('__sk_buff', 192, SK_BUFF, fields);
}

/** A `struct xdp_md` for ctx_in. */
export function xdpContext(fields: XdpMdFields = {}): Uint8Array {
  return build('xdp_md', 24, XDP_MD, fields);
}

/** x86-64's `struct pt_regs`, registers by name, for a kprobe's ctx_in. */
export function ptRegs(fields: PtRegsFields = {}): Uint8Array {
  return build('pt_regs', 8 * 21, PT_REGS_X86_64, fields);
}

/** Where each field is, for tests that check the layouts against the kernel's BTF. */
export const CONTEXT_LAYOUTS = { __sk_buff: SK_BUFF, xdp_md: XDP_MD, pt_regs: PT_REGS_X86_64 } as const;
