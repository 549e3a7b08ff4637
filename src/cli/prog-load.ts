import { readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { BpfscopeError } from '../errors.js';
import { openObject, loadTarget, programKindForSection, supportedSectionNames } from '../object/index.js';
import type { LoadedObject } from '../vm/index.js';
import { parseMap, parseProg, requireArgs, strtoul, type Words } from './common.js';
import { jsonNull, type CliContext } from './context.js';
import { pinObject } from './map-update.js';
import { errnoText, ExitStatus, fail, Reporter } from './report.js';

/**
 * bpftool 7.1 adds this to every failure after the object is open (its err_close_obj
 * path), in plain mode only.
 */
const STRICT_MODE_HINT =
  'Warning: bpftool is now running in libbpf strict mode and has more stringent requirements about BPF programs.\n' +
  "If it used to work for this object file but now doesn't, see --legacy option for more details.\n\n";

/** A failure once the object is open: the error, then bpftool's strict-mode hint. */
function failLoaded(ctx: CliContext, message: string): never {
  const r: Reporter = new Reporter(ctx);
  r.error(message);
  if (!ctx.json) ctx.err(STRICT_MODE_HINT);
  return r.fail();
}

/**
 * libbpf's words when neither `type` nor a section name gives a program type (bpftool
 * asks again at debug level, so they print even in JSON mode); after the object is
 * open bpftool adds its strict-mode hint.
 */
function failGuess(ctx: CliContext, name: string, objectOpen: boolean): never {
  ctx.err(`libbpf: failed to guess program type from ELF section '${name}'\nlibbpf: supported section(type) names are:${supportedSectionNames()}\n`);
  if (!ctx.json && objectOpen) ctx.err(STRICT_MODE_HINT);
  return new Reporter(ctx).fail();
}

/** A map's pin name under `pinmaps DIR`: libbpf's name with the dots bpffs refuses made underscores. */
function pinName(name: string): string {
  return name.replace(/\./g, '_');
}

/**
 * prog { load | loadall } OBJ PATH [type TYPE] [map { idx IDX | name NAME } MAP] [pinmaps DIR]
 *
 * As bpftool 7.1: every program of the object is loaded; `load` pins the first at PATH,
 * `loadall` pins each as PATH/NAME. When the command ends what no pin holds is
 * unloaded again (with `load`, every program but the first).
 */
function progLoadWith(ctx: CliContext, args: Words, firstOnly: boolean): void {
  requireArgs(ctx, args, 2);
  const file = args.next();
  const pinPath = args.next();
  ctx.store.transaction(() => {
    let progType: number | undefined;
    let expectedAttachType: number | undefined;
    const replace: { idx: number; name?: string; id: number }[] = [];
    let pinMaps: string | undefined;
    while (args.count) {
      if (args.accept('type')) {
        if (progType !== undefined) fail(ctx, 'program type already specified');
        requireArgs(ctx, args, 1);
        const word = args.next();
        // As bpftool: the word as a section name, then with a '/' after it (`type kprobe`).
        const kind = word.startsWith('?') ? undefined : (programKindForSection(word) ?? programKindForSection(`${word}/`));
        if (!kind) failGuess(ctx, `${word}/`, false);
        progType = kind.progType;
        expectedAttachType = kind.expectedAttachType;
      } else if (args.accept('map')) {
        requireArgs(ctx, args, 4);
        let idx = -1;
        let name: string | undefined;
        if (args.accept('idx')) {
          const text = args.next();
          const value = strtoul(text);
          if (value === undefined) fail(ctx, `can't parse ${text} as IDX`);
          // bpftool keeps strtoul's result in an int.
          idx = Number(BigInt.asIntN(32, value));
        } else if (args.accept('name')) {
          name = args.next();
        } else {
          fail(ctx, `expected 'idx' or 'name', got: '${args.current ?? ''}'?`);
        }
        replace.push({ idx, ...(name !== undefined ? { name } : {}), id: parseMap(ctx, args).id });
      } else if (args.accept('pinmaps')) {
        requireArgs(ctx, args, 1);
        pinMaps = args.next();
      } else {
        fail(ctx, `expected no more arguments, 'type', 'map' or 'dev', got: '${args.current ?? ''}'?`);
      }
    }

    let loaded: LoadedObject;
    const reuse = new Map<number, number>();
    try {
      // Open first (to resolve map names against the object), then load with the replacements.
      const spec = openObject(readObject(ctx, file), file, { target: loadTarget(ctx.target) });
      if (!ctx.json) for (const note of spec.notes) ctx.err(`note: ${file}: ${note}\n`);
      const untyped = progType === undefined ? spec.programs.find((p) => p.kind.progType === 0) : undefined;
      if (untyped) failGuess(ctx, untyped.sectionName.replace(/^\?/, ''), true);
      const refused = spec.programs.find((p) => p.kind.autoload && p.loadError);
      if (refused?.loadError) {
        const { message, errno } = refused.loadError;
        const prog = `libbpf: prog '${refused.name}'`;
        ctx.err(`${prog}: ${message}\n${prog}: failed to prepare load attributes: -${errno}\n${prog}: failed to load: -${errno}\nlibbpf: failed to load object '${file}'\n`);
        failLoaded(ctx, 'failed to load object file');
      }
      for (const r of replace.filter((r) => r.name !== undefined)) {
        r.idx = spec.maps.findIndex((m) => m.name === r.name);
        if (r.idx < 0) failLoaded(ctx, `unable to find map '${r.name}'`);
      }
      for (const r of [...replace].sort((a, b) => a.idx - b.idx)) {
        if (reuse.has(r.idx)) failLoaded(ctx, `replacement for map idx ${r.idx} specified more than once`);
        if (r.idx >= spec.maps.length) failLoaded(ctx, `map idx '${r.idx}' not used`);
        reuse.set(r.idx, r.id);
      }
    } catch (e) {
      if (e instanceof ExitStatus) throw e;
      if (!ctx.json) ctx.err(`libbpf: ${(e as Error).message}\n`);
      fail(ctx, 'failed to open object file');
    }
    try {
      loaded = ctx.store.loadFile(file, { ...(progType !== undefined ? { progType, expectedAttachType: expectedAttachType ?? 0 } : {}), reuse, target: ctx.target });
    } catch (e) {
      if (!(e instanceof BpfscopeError)) throw e;
      if (!ctx.json) ctx.err(`libbpf: ${e.message}\n`);
      failLoaded(ctx, 'failed to load object file');
    }
    if (firstOnly) {
      const first = loaded.programs[0];
      if (!first) failLoaded(ctx, "object file doesn't contain any bpf program");
      if (ctx.store.pin(pinPath, { kind: 'prog', id: first.id })) failLoaded(ctx, `failed to pin program ${first.spec.sectionName}`);
    } else {
      for (const p of loaded.programs) {
        if (ctx.store.pin(`${pinPath}/${p.spec.name}`, { kind: 'prog', id: p.id })) failLoaded(ctx, 'failed to pin all programs');
      }
    }
    if (pinMaps !== undefined) {
      for (const m of loaded.maps) {
        if (ctx.store.pin(`${pinMaps}/${pinName(m.spec.name)}`, { kind: 'map', id: m.id })) failLoaded(ctx, 'failed to pin all maps');
      }
    }
    jsonNull(ctx);
  });
}

/** The object's bytes, or libbpf's and bpftool's words for a file that cannot be read. */
function readObject(ctx: CliContext, file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const errno = code ? (osConstants.errno as Record<string, number>)[code] : undefined;
    if (!ctx.json) ctx.err(`libbpf: elf: failed to open ${file}: ${errno ? errnoText(errno) : (e as Error).message}\n`);
    return fail(ctx, 'failed to open object file');
  }
}

export function progLoad(ctx: CliContext, words: Words): void {
  progLoadWith(ctx, words, true);
}

export function progLoadAll(ctx: CliContext, words: Words): void {
  progLoadWith(ctx, words, false);
}

/** prog pin PROG FILE */
export function progPin(ctx: CliContext, args: Words): void {
  requireArgs(ctx, args, 3);
  ctx.store.transaction(() => {
    const prog = parseProg(ctx, args);
    pinObject(ctx, args.next(), { kind: 'prog', id: prog.id });
    jsonNull(ctx);
  });
}
