import { bpftoolMapTypeName, progTypeName } from '../object/index.js';
import { mapJson, mapPlain, type MapInfo, mapTable } from '../render/index.js';
import { type LoadedMap, createdFlags, mapMemlock, memlockCountsElements } from '../vm/index.js';
import type { CommandTable } from './command-table.js';
import { parseMaps, showSubset, type Words } from './common.js';
import { jsonWriter, type CliContext } from './context.js';
import { mapDump, mapGetNext, mapLookup, mapPop } from './map-dump.js';
import { mapCreate, mapDelete, mapFreeze, mapPin, mapUpdate } from './map-update.js';
import { MAP_USAGE } from './usage.js';

export function mapInfo(m: LoadedMap, memlock: number): MapInfo {
  return {
    id: m.id,
    type: bpftoolMapTypeName(m.spec.type) ?? m.spec.type,
    name: m.name,
    flags: createdFlags(m.spec),
    bytesKey: m.spec.keySize,
    bytesValue: m.spec.valueSize,
    maxEntries: m.spec.maxEntries,
    bytesMemlock: memlock,
    ...(m.ownerProgType !== undefined ? { ownerProgType: progTypeName(m.ownerProgType) } : {}),
    frozen: m.frozen,
    btfId: m.btfId,
  };
}

/** The map's memlock as the kernel reports it now: for maps that allocate per element, by their count. */
function memlockNow(ctx: CliContext, m: LoadedMap): number {
  return memlockCountsElements(m.spec) ? mapMemlock(m.spec, ctx.store.cpus, ctx.store.vmMap(m.id).count) : m.memlock;
}

/** map { show | list } [MAP] */
function mapShow(ctx: CliContext, words: Words): void {
  const selected = showSubset(ctx, words, parseMaps);
  const infos = (selected ?? ctx.store.maps).map((m) => mapInfo(m, memlockNow(ctx, m)));
  if (ctx.table) {
    ctx.out(mapTable(infos));
    return;
  }
  if (!ctx.json) {
    ctx.out(infos.map(mapPlain).join(''));
    return;
  }
  const w = jsonWriter(ctx);
  const asArray = !selected || selected.length > 1;
  if (asArray) w.startArray();
  for (const info of infos) mapJson(w, info);
  if (asArray) w.endArray();
  ctx.out(w.finish());
}

export const mapCommands: CommandTable = {
  usage: MAP_USAGE,
  // bpftool's order, which decides what a prefix picks (`p` is pin).
  commands: [
    { name: 'show', run: mapShow },
    { name: 'list', run: mapShow },
    { name: 'dump', run: mapDump },
    { name: 'update', run: mapUpdate },
    { name: 'lookup', run: mapLookup },
    { name: 'getnext', run: mapGetNext },
    { name: 'delete', run: mapDelete },
    { name: 'pin', run: mapPin },
    { name: 'create', run: mapCreate },
    { name: 'peek', run: mapLookup },
    { name: 'push', run: mapUpdate },
    { name: 'enqueue', run: mapUpdate },
    { name: 'pop', run: mapPop },
    { name: 'dequeue', run: mapPop },
    { name: 'freeze', run: mapFreeze },
  ],
};
