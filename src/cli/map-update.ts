import { bpftoolMapTypeName, MAP_TYPE, mapTypeId } from '../object/index.js';
import { MapCreateError, type LoadedMap, type MapAttrs } from '../vm/index.js';
import { parseMap, parseProg, requireArgs, strtoulU32, Words } from './common.js';
import { jsonNull, type CliContext } from './context.js';
import { parseElement } from './map-data.js';
import { isPerCpuType } from './map-common.js';
import { usage } from './map-dump.js';
import { errnoText, fail } from './report.js';

function valueNames(map: LoadedMap): 'prog' | 'map' | undefined {
  const t = map.spec.type;
  if (t === MAP_TYPE.progArray) return 'prog';
  return t === MAP_TYPE.arrayOfMaps || t === MAP_TYPE.hashOfMaps ? 'map' : undefined;
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

/** map { update | push | enqueue } MAP [key DATA] [value VALUE] [UPDATE_FLAGS] */
export function mapUpdate(ctx: CliContext, args: Words): void {
  if (args.count < 2) usage(ctx);
  ctx.store.transaction(() => {
    const map = parseMap(ctx, args);
    const names = valueNames(map);
    const { keySize, valueSize } = map.spec;
    const valueRef = (at: number) => {
      const ref = new Words(args.words, at);
      if (names === 'prog' && ref.is('id') && !ctx.json) {
        ctx.err('Warning: updating program array via MAP_ID, make sure this map is kept open\n         by some process or pinned otherwise update will be lost\n');
      }
      const value = u32(names === 'prog' ? parseProg(ctx, ref).id : parseMap(ctx, ref).id);
      return { value, next: ref.at };
    };
    const el = parseElement(args.words, args.at, { keySize, valueSize, ...(names ? { valueNames: names, valueRef } : {}), wantKey: true, wantValue: true, wantFlags: true });
    let value = el.value ?? new Uint8Array(valueSize);
    const vm = ctx.store.vmMap(map.id);
    if (isPerCpuType(map.spec.type)) {
      // bpftool copies the value to every possible CPU.
      const stride = Math.ceil(valueSize / 8) * 8;
      const all = new Uint8Array(stride * vm.cpus);
      for (let cpu = 0; cpu < vm.cpus; cpu++) all.set(value, cpu * stride);
      value = all;
    }
    const err = vm.sysUpdate(keySize ? (el.key ?? new Uint8Array(keySize)) : undefined, value, el.flags);
    if (err) fail(ctx, `update failed: ${errnoText(err)}`, err);
    jsonNull(ctx);
  });
}

/** map delete MAP key DATA */
export function mapDelete(ctx: CliContext, args: Words): void {
  if (args.count < 2) usage(ctx);
  ctx.store.transaction(() => {
    const map = parseMap(ctx, args);
    const el = parseElement(args.words, args.at, { keySize: map.spec.keySize, valueSize: 0, wantKey: true, wantValue: false, wantFlags: false });
    const err = ctx.store.vmMap(map.id).sysDelete(map.spec.keySize ? el.key : undefined);
    if (err) fail(ctx, `delete failed: ${errnoText(err)}`, err);
    jsonNull(ctx);
  });
}

/** map freeze MAP */
export function mapFreeze(ctx: CliContext, args: Words): void {
  requireArgs(ctx, args, 2);
  ctx.store.transaction(() => {
    const map = parseMap(ctx, args);
    if (args.current !== undefined) fail(ctx, `too many arguments: '${args.current}'`);
    const err = ctx.store.vmMap(map.id).freeze();
    if (err) fail(ctx, `failed to freeze map: ${errnoText(err)}`, err);
    map.frozen = true;
    jsonNull(ctx);
  });
}

/** BPF_OBJ_PIN as bpftool's do_pin_fd words its failure. */
export function pinObject(ctx: CliContext, path: string, target: { kind: 'prog' | 'map'; id: number }): void {
  const err = ctx.store.pin(path, target);
  if (err) fail(ctx, `can't pin the object (${path}): ${errnoText(err)}`, err);
}

/** map pin MAP FILE */
export function mapPin(ctx: CliContext, args: Words): void {
  requireArgs(ctx, args, 3);
  ctx.store.transaction(() => {
    const map = parseMap(ctx, args);
    pinObject(ctx, args.next(), { kind: 'map', id: map.id });
    jsonNull(ctx);
  });
}

/** map create FILE type TYPE key KEY_SIZE value VALUE_SIZE entries MAX_ENTRIES name NAME [flags FLAGS] [inner_map MAP] */
export function mapCreate(ctx: CliContext, args: Words): void {
  requireArgs(ctx, args, 7);
  const file = args.next();
  let type = 0;
  let name: string | undefined;
  const sizes: Record<'key size' | 'value size' | 'max entries' | 'flags', number> = { 'key size': 0, 'value size': 0, 'max entries': 0, flags: 0 };
  let inner: MapAttrs | undefined;
  // bpftool's parse_u32_arg.
  const u32Arg = (what: keyof typeof sizes) => {
    args.next();
    if (sizes[what]) fail(ctx, `${what} already specified`);
    const text = args.next();
    const v = strtoulU32(text);
    if (v === undefined) fail(ctx, `can't parse ${text} as ${what}`);
    sizes[what] = v;
  };
  ctx.store.transaction(() => {
    while (args.count) {
      requireArgs(ctx, args, 2);
      if (args.accept('type')) {
        if (type) fail(ctx, 'map type already specified');
        const word = args.next();
        // bpftool 7.1 parses only the names it prints.
        const id = mapTypeId(word);
        if (id === undefined || bpftoolMapTypeName(id) === undefined) fail(ctx, `unrecognized map type: ${word}`);
        type = id;
      } else if (args.accept('name')) {
        name = args.next();
      } else if (args.is('key')) {
        u32Arg('key size');
      } else if (args.is('value')) {
        u32Arg('value size');
      } else if (args.is('entries')) {
        u32Arg('max entries');
      } else if (args.is('flags')) {
        u32Arg('flags');
      } else if (args.accept('inner_map')) {
        requireArgs(ctx, args, 2);
        const m = parseMap(ctx, args);
        inner = { ...m.spec, maxEntries: ctx.store.vmMap(m.id).maxEntries };
      } else {
        fail(ctx, `unknown arg ${args.current ?? ''}`);
      }
    }
    if (name === undefined) fail(ctx, 'map name not specified');
    const attrs = { type, name, keySize: sizes['key size'], valueSize: sizes['value size'], maxEntries: sizes['max entries'], flags: sizes.flags, ...(inner ? { inner } : {}) };
    let map: LoadedMap;
    try {
      map = ctx.store.createMap(attrs);
    } catch (e) {
      if (e instanceof MapCreateError) fail(ctx, `map create failed: ${errnoText(e.errno)}`);
      throw e;
    }
    pinObject(ctx, file, { kind: 'map', id: map.id });
    jsonNull(ctx);
  });
}

