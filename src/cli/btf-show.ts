import type { Btf } from '../btf/index.js';
import type { LoadedObject } from '../vm/index.js';
import { strtoulU32, type Words } from './common.js';
import { jsonWriter, type CliContext } from './context.js';
import { Reporter } from './report.js';

/** A BTF object as `btf show` lists it. */
export interface BtfInfo {
  id: number;
  /** Bytes the kernel holds: the blob as loaded. */
  size: number;
  /** Kernel BTF (vmlinux, modules) is named; what a loader hands in is not. */
  kernel: boolean;
  name: string;
  progIds: number[];
  mapIds: number[];
}

/** The size of a BTF blob: its header, then whichever section ends last. */
export function btfBlobSize(btf: Btf): number {
  const h = btf.header;
  return h.hdrLen + Math.max(h.typeOff + h.typeLen, h.strOff + h.strLen);
}

/**
 * The order bpftool 7.1 lists a BTF object's prog_ids and map_ids in. It walks the
 * kernel's programs (then maps) by id and appends each to a libbpf hashmap keyed by
 * BTF id, then prints one key's chain. The hashmap puts a new entry at the head of its
 * bucket, and when it grows (when it is empty, and when adding an entry would fill it
 * past 75%) it moves every entry, which reverses each bucket's chain. So the order
 * depends on how many objects with BTF the kernel holds in all: e.g. maps 94, 95, 97, 98
 * of one BTF, alone in the table, come out as 98,94,95,97.
 */
export function bpftoolIdOrder(entries: readonly { btfId: number; id: number }[]): Map<number, number[]> {
  const chains = new Map<number, number[]>();
  let cap = 0;
  let size = 0;
  for (const { btfId, id } of entries) {
    if (cap === 0 || (Math.floor(((size + 1) * 4) / 3)) > cap) {
      cap = cap === 0 ? 4 : cap * 2;
      for (const chain of chains.values()) chain.reverse();
    }
    const chain = chains.get(btfId);
    if (chain) chain.unshift(id);
    else chains.set(btfId, [id]);
    size++;
  }
  return chains;
}

/** What `btf show` knows of the objects loaded in this invocation. */
export function btfInfos(objects: readonly LoadedObject[]): BtfInfo[] {
  const progs = objects.flatMap((o) => o.programs).filter((p) => p.btfId !== 0).sort((a, b) => a.id - b.id);
  const maps = objects.flatMap((o) => o.maps).filter((m) => m.btfId !== 0).sort((a, b) => a.id - b.id);
  const progIds = bpftoolIdOrder(progs.map((p) => ({ btfId: p.btfId, id: p.id })));
  const mapIds = bpftoolIdOrder(maps.map((m) => ({ btfId: m.btfId, id: m.id })));
  return objects
    .filter((o) => o.btfId !== 0 && o.spec.btf)
    .sort((a, b) => a.btfId - b.btfId)
    .map((o) => ({
      id: o.btfId,
      size: btfBlobSize(o.spec.btf!),
      kernel: false,
      name: '',
      progIds: progIds.get(o.btfId) ?? [],
      mapIds: mapIds.get(o.btfId) ?? [],
    }));
}

export function btfPlain(info: BtfInfo): string {
  let s = `${info.id}: `;
  if (info.kernel) s += `name [${info.name}]  `;
  else if (info.name) s += `name ${info.name}  `;
  else s += 'name <anon>  ';
  s += `size ${info.size}B`;
  if (info.progIds.length) s += `  prog_ids ${info.progIds.join(',')}`;
  if (info.mapIds.length) s += `  map_ids ${info.mapIds.join(',')}`;
  return `${s}\n`;
}

function btfJson(w: ReturnType<typeof jsonWriter>, info: BtfInfo): void {
  w.startObject().numberField('id', info.id).numberField('size', info.size);
  w.name('prog_ids').startArray();
  for (const id of info.progIds) w.number(id);
  w.endArray();
  w.name('map_ids').startArray();
  for (const id of info.mapIds) w.number(id);
  w.endArray();
  w.boolField('kernel', info.kernel);
  if (info.name) w.stringField('name', info.name);
  w.endObject();
}

/** btf { show | list } [id BTF_ID] */
export function btfShow(ctx: CliContext, args: Words): void {
  const r: Reporter = new Reporter(ctx);
  const infos = btfInfos(ctx.store.objects);
  let only: BtfInfo | undefined;
  if (args.count === 2) {
    if (!args.is('id')) r.die(`expected 'id', got: '${args.current}'?`);
    args.next();
    const text = args.next();
    const id = strtoulU32(text);
    if (id === undefined) r.die(`can't parse ${text} as ID`);
    only = infos.find((i) => i.id === id);
    if (!only) r.die(`can't get BTF object by id (${id}): No such file or directory`);
  }
  if (args.count) r.die(`what is '${args.current}'?`);

  if (!ctx.json) {
    ctx.out((only ? [only] : infos).map(btfPlain).join(''));
    return;
  }
  const w = jsonWriter(ctx);
  if (only) btfJson(w, only);
  else {
    w.startArray();
    for (const info of infos) btfJson(w, info);
    w.endArray();
  }
  r.jsonOutput(w.finish());
}
