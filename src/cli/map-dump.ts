import { formatEntryHex, foundElements, hexRows, writeHexData, writeMapEntryBtf, writeMapEntryJson, type MapDumpEntry, type MapDumpSpec, formatValueJson } from '../btf/index.js';
import { bpftoolMapTypeName, MAP_TYPE } from '../object/index.js';
import { mapTypeField, typeText, dumpTable } from '../render/index.js';
import { JsonWriter } from '../text/index.js';
import { createdFlags, type LoadedMap, type VmMap } from '../vm/index.js';
import { ENOENT, ENOSPC } from '../errno.js';
import { parseMap, parseMaps, type Words } from './common.js';
import { jsonWriter, type CliContext } from './context.js';
import { parseElement } from './map-data.js';
import { dumpSpecOf } from './map-common.js';
import { errnoText, ExitStatus, exitFor, fail, usageExit } from './report.js';
import { MAP_USAGE } from './usage.js';

/** What one element lookup during a dump gave: the element, or the errno it failed with. */
type Looked = { entry: MapDumpEntry } | { key: Uint8Array; errno: number };

/** A syscall-side value as the dump layouts take it: per-CPU values split, one per CPU. */
function entryOf(spec: MapDumpSpec, vm: VmMap, key: Uint8Array, value: Uint8Array): MapDumpEntry {
  if (!spec.perCpu) return { key, value };
  const stride = Math.ceil(spec.valueSize / 8) * 8;
  return { key, value: Array.from({ length: vm.cpus }, (_, cpu) => value.subarray(cpu * stride, cpu * stride + spec.valueSize)) };
}

/** bpftool's dump loop: get_next_key from the start, a lookup per key; the errno that ended it (0 at the end). */
function walk(spec: MapDumpSpec, vm: VmMap): { items: Looked[]; errno: number } {
  const items: Looked[] = [];
  let prev: Uint8Array | undefined;
  for (;;) {
    const next = vm.sysGetNextKey(prev);
    if (typeof next === 'number') return { items, errno: next === -ENOENT ? 0 : -next };
    const value = vm.sysLookup(next, 0);
    items.push(typeof value === 'number' ? { key: next, errno: -value } : { entry: entryOf(spec, vm, next, value) });
    prev = next;
  }
}

function holdsIds(map: LoadedMap): boolean {
  const t = map.spec.type;
  return t === MAP_TYPE.progArray || t === MAP_TYPE.arrayOfMaps || t === MAP_TYPE.hashOfMaps;
}

/** print_entry_error: nothing for an empty fd-map slot, else the key and the error. */
function entryErrorPlain(map: LoadedMap, key: Uint8Array, errno: number): string {
  if (holdsIds(map) && errno === ENOENT) return '';
  const msg = errno === ENOENT ? '<no entry>' : errno === ENOSPC && map.spec.type === MAP_TYPE.reuseportSockarray ? '<cannot read>' : errnoText(errno);
  const breakNames = map.spec.keySize > 16 || msg.length > 16;
  const singleLine = map.spec.keySize + msg.length <= 24 && !breakNames;
  return `key:${breakNames ? '\n' : ' '}${hexRows(key.subarray(0, map.spec.keySize))}${singleLine ? '  ' : '\n'}value:${breakNames ? '\n' : ' '}${msg}\n`;
}

function entryErrorJson(w: JsonWriter, map: LoadedMap, key: Uint8Array, errno: number): void {
  if (holdsIds(map) && errno === ENOENT) return;
  w.startObject().name('key');
  writeHexData(w, key.subarray(0, map.spec.keySize));
  w.name('value').startObject().stringField('error', errnoText(errno)).endObject();
  w.endObject();
}

/** show_map_header_json: what heads each map's elements when a dump names several. */
function headerJson(w: JsonWriter, map: LoadedMap): void {
  w.numberField('id', map.id);
  mapTypeField(w, bpftoolMapTypeName(map.spec.type) ?? map.spec.type);
  if (map.name) w.stringField('name', map.name);
  w.numberField('flags', createdFlags(map.spec));
}

function headerPlain(map: LoadedMap): string {
  return `${map.id}: ${typeText(bpftoolMapTypeName(map.spec.type) ?? map.spec.type)}  ${map.name ? `name ${map.name}  ` : ''}flags 0x${createdFlags(map.spec).toString(16)}\n`;
}

/** map dump MAP: every map MAP names (a name may name several), in bpftool's layouts. */
export function mapDump(ctx: CliContext, args: Words): void {
  if (args.count !== 2) usage(ctx);
  const maps = parseMaps(ctx, args);
  if (ctx.table) {
    ctx.out(maps.map((m) => dumpAsTable(ctx, m)).join('\n'));
    return;
  }
  const several = maps.length > 1;
  // bpftool lays out by BTF when every map has BTF, by JSON with -j, else hex lines.
  const btfLayout = !ctx.json && maps.every((m) => m.btfId !== 0);
  const w = ctx.json ? jsonWriter(ctx) : btfLayout ? new JsonWriter(true) : undefined;
  let text = '';
  let status = 0;
  if (w && several) w.startArray();
  for (const [i, map] of maps.entries()) {
    const spec = dumpSpecOf(ctx, map);
    const vm = ctx.store.vmMap(map.id);
    const { items, errno } = walk(spec, vm);
    if (w) {
      if (several) {
        w.startObject();
        headerJson(w, map);
        w.name('elements');
      }
      w.startArray();
      for (const item of items) {
        if ('errno' in item) {
          // print_entry_error prints plain text even amid a BTF layout.
          if (ctx.json) entryErrorJson(w, map, item.key, item.errno);
          else w.verbatim(entryErrorPlain(map, item.key, item.errno));
        } else if (ctx.json) writeMapEntryJson(w, spec, item.entry);
        else if (spec.btf && spec.btfValueTypeId) writeMapEntryBtf(w, spec, item.entry);
        // A map with BTF but no value type: bpftool prints hex lines inside its array.
        else w.raw(formatEntryHex(spec, item.entry));
      }
      w.endArray();
      if (several) w.endObject();
    } else {
      if (several) text += headerPlain(map);
      let n = 0;
      for (const item of items) {
        if ('errno' in item) text += entryErrorPlain(map, item.key, item.errno);
        else {
          text += formatEntryHex(spec, item.entry);
          n++;
        }
      }
      text += foundElements(n);
      if (several && i !== maps.length - 1) text += '\n';
    }
    if (errno) {
      status = exitFor(errno);
      break;
    }
  }
  if (w && several) w.endArray();
  ctx.out(w ? w.finish() : text);
  if (status) throw new ExitStatus(status);
}

/** `--table`: one row per element, keys and values by BTF where the map has it, else hex. */
function dumpAsTable(ctx: CliContext, map: LoadedMap): string {
  const spec = dumpSpecOf(ctx, map);
  const text = (typeId: number, bytes: Uint8Array): string =>
    spec.btf && typeId ? formatValueJson(spec.btf, typeId, bytes) : hexRows(bytes).replace(/\n/g, ' ');
  const rows = walk(spec, ctx.store.vmMap(map.id)).items.flatMap((item) => {
    if ('errno' in item) return [];
    const { key, value } = item.entry;
    const values = value instanceof Uint8Array ? text(spec.btfValueTypeId, value) : value.map((v, cpu) => `cpu${cpu}: ${text(spec.btfValueTypeId, v)}`).join('\n');
    return [{ key: spec.keySize ? text(spec.btfKeyTypeId, key.subarray(0, spec.keySize)) : '', value: values }];
  });
  return `${map.id}: ${map.name}\n${dumpTable(rows)}`;
}

/** print_key_value: one element as lookup, peek and pop print it. */
function printElement(ctx: CliContext, map: LoadedMap, key: Uint8Array, value: Uint8Array): void {
  const spec = dumpSpecOf(ctx, map);
  const entry = entryOf(spec, ctx.store.vmMap(map.id), key, value);
  if (ctx.json) {
    const w = jsonWriter(ctx);
    writeMapEntryJson(w, spec, entry);
    ctx.out(w.finish());
  } else if (spec.btf && spec.btfValueTypeId) {
    const w = new JsonWriter(true);
    writeMapEntryBtf(w, spec, entry);
    ctx.out(w.finish());
  } else {
    ctx.out(formatEntryHex(spec, entry));
  }
}

/** map { lookup | peek } MAP [key DATA] */
export function mapLookup(ctx: CliContext, args: Words): void {
  if (args.count < 2) usage(ctx);
  const map = parseMap(ctx, args);
  const el = parseElement(args.words, args.at, { keySize: map.spec.keySize, valueSize: 0, wantKey: true, wantValue: false, wantFlags: false });
  const key = el.key ?? new Uint8Array(map.spec.keySize);
  const value = ctx.store.vmMap(map.id).sysLookup(map.spec.keySize ? key : undefined, 0);
  if (typeof value === 'number') {
    if (value !== -ENOENT) fail(ctx, `lookup failed: ${errnoText(value)}`, value);
    if (ctx.json) ctx.out(jsonWriter(ctx).null().finish());
    else ctx.out(`key:\n${hexRows(key)}\n\nNot found\n`);
    throw new ExitStatus(exitFor(value));
  }
  printElement(ctx, map, key, value);
}

/** map getnext MAP [key DATA] */
export function mapGetNext(ctx: CliContext, args: Words): void {
  if (args.count < 2) usage(ctx);
  const map = parseMap(ctx, args);
  const key = args.count ? parseElement(args.words, args.at, { keySize: map.spec.keySize, valueSize: 0, wantKey: true, wantValue: false, wantFlags: false }).key ?? new Uint8Array(map.spec.keySize) : undefined;
  const next = ctx.store.vmMap(map.id).sysGetNextKey(key);
  if (typeof next === 'number') fail(ctx, `can't get next key: ${errnoText(next)}`, next);
  if (ctx.json) {
    const w = jsonWriter(ctx).startObject();
    w.name('key');
    if (key) writeHexData(w, key);
    else w.null();
    w.name('next_key');
    writeHexData(w, next);
    ctx.out(w.endObject().finish());
    return;
  }
  ctx.out(`${key ? `key:\n${hexRows(key)}\n` : 'key: None\n'}next key:\n${hexRows(next)}\n`);
}

/** map { pop | dequeue } MAP: BPF_MAP_LOOKUP_AND_DELETE_ELEM, with a zeroed key for maps that have keys. */
export function mapPop(ctx: CliContext, args: Words): void {
  if (args.count < 2) usage(ctx);
  ctx.store.transaction(() => {
    const map = parseMap(ctx, args);
    const key = new Uint8Array(map.spec.keySize);
    const value = ctx.store.vmMap(map.id).sysLookupAndDelete(map.spec.keySize ? key : undefined, 0);
    if (typeof value === 'number') {
      if (value !== -ENOENT) fail(ctx, `pop failed: ${errnoText(value)}`, value);
      ctx.out(ctx.json ? jsonWriter(ctx).null().finish() : 'Error: empty map\n');
      throw new ExitStatus(exitFor(value));
    }
    printElement(ctx, map, key, value);
  });
}

export function usage(ctx: CliContext): never {
  return usageExit(ctx, MAP_USAGE);
}
