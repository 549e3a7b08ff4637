import { UsageError } from '../errors.js';
import { bpftoolMapTypeName, progTypeName } from '../object/kinds.js';
import { mapJson, mapPlain, type MapInfo } from '../render/map-info.js';
import type { LoadedMap } from '../vm/loaded.js';
import { createdFlags } from '../vm/maps/create.js';
import { mapMemlock, memlockCountsElements } from '../vm/memlock.js';
import { jsonWriter, type CliContext } from './context.js';
import type { CommandTable } from './main.js';
import { ExitStatus } from './main.js';
import { argvOf, parseMaps } from './map-common.js';
import { mapDump, mapGetNext, mapLookup, mapPop } from './map-dump.js';
import { mapCreate, mapDelete, mapFreeze, mapPin, mapUpdate } from './map-update.js';
import { mapTable } from '../render/table.js';
import { MAP_USAGE } from './usage.js';
import type { Words } from './words.js';

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
  const all = ctx.store.maps;
  const args = argvOf(words);
  const selected = args.count ? parseMaps(ctx, args) : undefined;
  if (selected?.length === 0) throw new ExitStatus(255);
  if (args.current !== undefined) throw new UsageError(`unexpected argument: '${args.current}'`);
  const infos = (selected ?? all).map((m) => mapInfo(m, memlockNow(ctx, m)));
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
    { name: 'dump', run: (ctx, words) => mapDump(ctx, argvOf(words)) },
    { name: 'update', run: (ctx, words) => mapUpdate(ctx, argvOf(words)) },
    { name: 'lookup', run: (ctx, words) => mapLookup(ctx, argvOf(words)) },
    { name: 'getnext', run: (ctx, words) => mapGetNext(ctx, argvOf(words)) },
    { name: 'delete', run: (ctx, words) => mapDelete(ctx, argvOf(words)) },
    { name: 'pin', run: (ctx, words) => mapPin(ctx, argvOf(words)) },
    { name: 'create', run: (ctx, words) => mapCreate(ctx, argvOf(words)) },
    { name: 'peek', run: (ctx, words) => mapLookup(ctx, argvOf(words)) },
    { name: 'push', run: (ctx, words) => mapUpdate(ctx, argvOf(words)) },
    { name: 'enqueue', run: (ctx, words) => mapUpdate(ctx, argvOf(words)) },
    { name: 'pop', run: (ctx, words) => mapPop(ctx, argvOf(words)) },
    { name: 'dequeue', run: (ctx, words) => mapPop(ctx, argvOf(words)) },
    { name: 'freeze', run: (ctx, words) => mapFreeze(ctx, argvOf(words)) },
  ],
};
