import { UsageError } from '../errors.js';
import { mapTypeName, progTypeName } from '../object/kinds.js';
import { mapJson, mapPlain, type MapInfo } from '../render/map-info.js';
import type { LoadedMap } from '../vm/loaded.js';
import { jsonWriter, type CliContext } from './context.js';
import type { CommandTable } from './main.js';
import { parseCInteger } from './selectors.js';
import { MAP_USAGE } from './usage.js';
import type { Words } from './words.js';

export function mapInfo(m: LoadedMap): MapInfo {
  return {
    id: m.id,
    type: mapTypeName(m.spec.type),
    name: m.name,
    flags: m.spec.flags,
    bytesKey: m.spec.keySize,
    bytesValue: m.spec.valueSize,
    maxEntries: m.spec.maxEntries,
    bytesMemlock: m.memlock,
    ...(m.ownerProgType !== undefined ? { ownerProgType: progTypeName(m.ownerProgType) } : {}),
    frozen: m.frozen,
    btfId: m.btfId,
  };
}

/** MAP := { id MAP_ID | pinned FILE | name MAP_NAME } */
function selectMaps(maps: readonly LoadedMap[], words: Words): LoadedMap[] {
  if (words.accept('id')) {
    const text = words.take('a map id');
    const id = parseCInteger(text);
    if (id === undefined) throw new UsageError(`can't parse ${text} as ID`);
    const found = maps.filter((m) => m.id === id);
    if (!found.length) throw new UsageError(`get map by id (${id}): No such file or directory`);
    return found;
  }
  if (words.accept('name')) {
    const name = words.take('a map name');
    const found = maps.filter((m) => m.name === name);
    if (!found.length) throw new UsageError(`no map matches name ${name}`);
    return found;
  }
  if (words.accept('pinned')) throw new UsageError(`bpf obj get (${words.take('a path')}): no pins exist in a session opened with --object`);
  throw new UsageError(`expected 'id', 'name' or 'pinned', got: '${words.peek() ?? ''}'?`);
}

/** map { show | list } [MAP] */
function mapShow(ctx: CliContext, words: Words): void {
  const all = ctx.store.maps;
  const selected = words.done ? undefined : selectMaps(all, words);
  words.end();
  const maps = selected ?? all;
  if (!ctx.json) {
    ctx.out(maps.map((m) => mapPlain(mapInfo(m))).join(''));
    return;
  }
  const w = jsonWriter(ctx);
  const asArray = !selected || selected.length > 1;
  if (asArray) w.startArray();
  for (const m of maps) mapJson(w, mapInfo(m));
  if (asArray) w.endArray();
  ctx.out(w.finish());
}

export const mapCommands: CommandTable = {
  usage: MAP_USAGE,
  commands: [
    { name: 'show', run: mapShow },
    { name: 'list', run: mapShow },
  ],
};
