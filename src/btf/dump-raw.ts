import type { Btf } from './btf.js';
import { JsonWriter } from '../text/index.js';
import { dumpBtfRawBytes, type DumpRawOptions } from './dump-raw-bytes.js';
import { BTF_LINKAGE, type BtfType } from './types.js';

/**
 * `bpftool btf dump ... format raw` (the default), byte for byte as bpftool 7.1
 * prints it, in its plain text and its -j / -p JSON forms. It prints what the Btf
 * holds: a .o's BTF as compiled (DATASEC sizes and offsets 0, as bpftool shows them
 * for a file) or a fixed-up one (as the kernel holds it after loading).
 */
/** The plain-text raw dump: a line per type, a tab-indented line per member (names decoded as UTF-8). */
export function dumpBtfRaw(btf: Btf, options: DumpRawOptions = {}): string {
  return new TextDecoder().decode(dumpBtfRawBytes(btf, options));
}

/** The JSON raw dump, `{"types":[...]}`; `pretty` is bpftool's -p layout. */
export function dumpBtfRawJson(btf: Btf, options: DumpRawOptions & { pretty?: boolean } = {}): string {
  const w = new JsonWriter(options.pretty ?? false);
  w.startObject().name('types').startArray();
  for (const t of selected(btf, options)) typeJson(t, w);
  w.endArray().endObject();
  return w.finish();
}

function selected(btf: Btf, options: DumpRawOptions): readonly BtfType[] {
  return options.ids ? options.ids.map((id) => btf.type(id)) : btf.types;
}

const KIND_TEXT: Record<BtfType['kind'], string> = {
  VOID: 'UNKNOWN',
  INT: 'INT',
  PTR: 'PTR',
  ARRAY: 'ARRAY',
  STRUCT: 'STRUCT',
  UNION: 'UNION',
  ENUM: 'ENUM',
  FWD: 'FWD',
  TYPEDEF: 'TYPEDEF',
  VOLATILE: 'VOLATILE',
  CONST: 'CONST',
  RESTRICT: 'RESTRICT',
  FUNC: 'FUNC',
  FUNC_PROTO: 'FUNC_PROTO',
  VAR: 'VAR',
  DATASEC: 'DATASEC',
  FLOAT: 'FLOAT',
  DECL_TAG: 'DECL_TAG',
  TYPE_TAG: 'TYPE_TAG',
  ENUM64: 'ENUM64',
};

/** bpftool writes a missing name (offset 0) as (anon); an empty one stays empty. */
function label(nameOff: number, name: string): string {
  return nameOff === 0 ? '(anon)' : name;
}

function intEncoding(encoding: number): string {
  switch (encoding) {
    case 0:
      return '(none)';
    case 1:
      return 'SIGNED';
    case 2:
      return 'CHAR';
    case 4:
      return 'BOOL';
    default:
      return 'UNKN';
  }
}

function linkage(value: number): string {
  switch (value) {
    case BTF_LINKAGE.STATIC:
      return 'static';
    case BTF_LINKAGE.GLOBAL:
      return 'global';
    case BTF_LINKAGE.EXTERN:
      return 'extern';
    default:
      return '(unknown)';
  }
}

function typeJson(t: BtfType, w: JsonWriter): void {
  w.startObject().numberField('id', t.id).stringField('kind', KIND_TEXT[t.kind]).stringField('name', label(t.nameOff, t.name));
  switch (t.kind) {
    case 'INT':
      w.numberField('size', t.size).numberField('bits_offset', t.bitsOffset).numberField('nr_bits', t.bits).stringField('encoding', intEncoding(t.encoding));
      break;
    case 'PTR':
    case 'CONST':
    case 'VOLATILE':
    case 'RESTRICT':
    case 'TYPEDEF':
    case 'TYPE_TAG':
      w.numberField('type_id', t.type);
      break;
    case 'ARRAY':
      w.numberField('type_id', t.type).numberField('index_type_id', t.indexType).numberField('nr_elems', t.nelems);
      break;
    case 'STRUCT':
    case 'UNION':
      w.numberField('size', t.size).numberField('vlen', t.members.length).name('members').startArray();
      for (const m of t.members) {
        w.startObject().stringField('name', label(m.nameOff, m.name)).numberField('type_id', m.type).numberField('bits_offset', m.bitOffset);
        if (m.bitfieldSize) w.numberField('bitfield_size', m.bitfieldSize);
        w.endObject();
      }
      w.endArray();
      break;
    case 'ENUM':
    case 'ENUM64':
      w.stringField('encoding', t.signed ? 'SIGNED' : 'UNSIGNED').numberField('size', t.size).numberField('vlen', t.values.length).name('values').startArray();
      for (const v of t.values) w.startObject().stringField('name', label(v.nameOff, v.name)).numberField('val', jsonEnumValue(t.signed, v.value)).endObject();
      w.endArray();
      break;
    case 'FWD':
      w.stringField('fwd_kind', t.fwdKind);
      break;
    case 'FUNC':
      w.numberField('type_id', t.type).stringField('linkage', linkage(t.linkage));
      break;
    case 'FUNC_PROTO':
      w.numberField('ret_type_id', t.returnType).numberField('vlen', t.params.length).name('params').startArray();
      for (const p of t.params) w.startObject().stringField('name', label(p.nameOff, p.name)).numberField('type_id', p.type).endObject();
      w.endArray();
      break;
    case 'VAR':
      w.numberField('type_id', t.type).stringField('linkage', linkage(t.linkage));
      break;
    case 'DATASEC':
      w.numberField('size', t.size).numberField('vlen', t.vars.length).name('vars').startArray();
      for (const v of t.vars) w.startObject().numberField('type_id', v.type).numberField('offset', v.offset).numberField('size', v.size).endObject();
      w.endArray();
      break;
    case 'FLOAT':
      w.numberField('size', t.size);
      break;
    case 'DECL_TAG':
      w.numberField('type_id', t.type).numberField('component_idx', t.componentIdx);
      break;
    case 'VOID':
      break;
  }
  w.endObject();
}

/**
 * An enum value as bpftool's JSON has it. bpftool hands a 32-bit value, which the
 * format stores as signed, to its unsigned 64-bit writer when the enum is unsigned, so
 * values from 2^31 up come out sign-extended to 64 bits. ENUM64 values are as read.
 */
function jsonEnumValue(signed: boolean, value: number | bigint): number | bigint {
  if (typeof value === 'bigint' || signed) return value;
  return BigInt.asUintN(64, BigInt(value | 0));
}
