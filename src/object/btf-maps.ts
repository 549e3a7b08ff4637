import { ObjectError } from '../errors.js';
import { STT_FUNC, type ElfFile, type ElfSection, type ElfSymbol } from '../elf/index.js';
import { POINTER_SIZE, type Btf, type BtfMember } from '../btf/index.js';
import { MAP_TYPE } from './kinds.js';
import type { MapSpec } from './spec.js';

interface MapDef {
  spec: MapSpec;
  /** Byte offset of the `values` member within the definition, for initial slots. */
  valuesOffset?: number;
}

/**
 * Maps declared in `SEC(".maps")` by BTF: each variable of the `.maps` DATASEC is a
 * struct whose members encode the attributes (`__uint(type, X)` is a pointer to an
 * array of X elements, `__type(key, T)` a pointer to T, `__array(values, ...)` an array
 * of pointers whose relocations name the initial slots).
 */
export function btfMapSpecs(elf: ElfFile, section: ElfSection, btf: Btf): { symbol: ElfSymbol; spec: MapSpec }[] {
  const ctx = { file: elf.fileName, section: section.name };
  const datasec = btf.findOne(section.name, 'DATASEC');
  if (!datasec) throw new ObjectError('no DATASEC in BTF describes this section', ctx);
  const symbols = elf.symbols.filter((s) => s.shndx === section.index && s.name !== '' && s.type !== STT_FUNC);
  const relocs = elf.relocations.get(section.index) ?? [];

  const out: { symbol: ElfSymbol; spec: MapSpec }[] = [];
  for (const info of datasec.vars) {
    const v = btf.type(info.type);
    if (v.kind !== 'VAR') throw new ObjectError(`DATASEC entry [${info.type}] is ${v.kind}, not VAR`, ctx);
    const symbol = symbols.find((s) => s.name === v.name);
    if (!symbol) throw new ObjectError(`map '${v.name}' has no symbol`, ctx);
    const def = parseMapDef(btf, v.type, v.name, ctx);
    const slotsStart = def.valuesOffset;
    if (slotsStart !== undefined) {
      for (const rel of relocs) {
        const at = rel.offset - symbol.value - slotsStart;
        if (at < 0 || rel.offset >= symbol.value + symbol.size) continue;
        const target = elf.symbols[rel.symbol]!;
        def.spec.initialSlots.push({ index: at / POINTER_SIZE, target: target.name });
      }
    }
    out.push({ symbol, spec: def.spec });
  }
  return out;
}

interface Where {
  file: string;
  section: string;
}

function parseMapDef(btf: Btf, typeId: number, name: string, where: Where): MapDef {
  const t = btf.resolved(typeId);
  if (t.kind !== 'STRUCT') throw new ObjectError(`map '${name}': definition is ${t.kind}, not a struct`, where);
  const spec: MapSpec = {
    name,
    origin: 'btf',
    sectionName: where.section,
    type: 0,
    keySize: 0,
    valueSize: 0,
    maxEntries: 0,
    flags: 0,
    numaNode: 0,
    pinning: 0,
    mapExtra: 0n,
    btfKeyTypeId: 0,
    btfValueTypeId: 0,
    initialSlots: [],
  };
  let valuesOffset: number | undefined;
  let valuesMember: BtfMember | undefined;
  const intField = (m: BtfMember): number => {
    const p = btf.resolved(m.type);
    const arr = p.kind === 'PTR' ? btf.type(p.type) : undefined;
    if (!arr || arr.kind !== 'ARRAY') throw new ObjectError(`map '${name}': attribute '${m.name}' is not __uint()-encoded`, where);
    return arr.nelems;
  };
  for (const m of t.members) {
    switch (m.name) {
      case 'type': spec.type = intField(m); break;
      case 'max_entries': spec.maxEntries = intField(m); break;
      case 'map_flags': spec.flags = intField(m); break;
      case 'numa_node': spec.numaNode = intField(m); break;
      case 'pinning': spec.pinning = intField(m); break;
      case 'key_size': spec.keySize = intField(m); break;
      case 'value_size': spec.valueSize = intField(m); break;
      case 'map_extra': spec.mapExtra = longField(btf, m, name, where, intField); break;
      case 'key':
      case 'value': {
        const p = btf.resolved(m.type);
        if (p.kind !== 'PTR') throw new ObjectError(`map '${name}': '${m.name}' is not a pointer to its type`, where);
        const size = btf.size(p.type);
        if (m.name === 'key') {
          spec.keySize = size;
          spec.btfKeyTypeId = p.type;
        } else {
          spec.valueSize = size;
          spec.btfValueTypeId = p.type;
        }
        break;
      }
      case 'values':
        valuesMember = m;
        valuesOffset = m.bitOffset / 8;
        break;
      default:
        throw new ObjectError(`map '${name}': unknown attribute '${m.name}'`, where);
    }
  }
  if (valuesMember) {
    const arr = btf.resolved(valuesMember.type);
    const elem = arr.kind === 'ARRAY' ? btf.resolved(arr.type) : undefined;
    const pointee = elem?.kind === 'PTR' ? btf.resolved(elem.type) : undefined;
    if (!pointee) throw new ObjectError(`map '${name}': 'values' is not an array of pointers`, where);
    const isMapInMap = spec.type === MAP_TYPE.arrayOfMaps || spec.type === MAP_TYPE.hashOfMaps;
    if (isMapInMap) {
      if (pointee.kind !== 'STRUCT') throw new ObjectError(`map '${name}': inner map definition is ${pointee.kind}`, where);
      spec.inner = parseMapDef(btf, pointee.id, `${name}.inner`, where).spec;
    } else if (spec.type !== MAP_TYPE.progArray) {
      throw new ObjectError(`map '${name}': initial 'values' are only for prog arrays and map-in-maps`, where);
    }
    spec.keySize = spec.keySize || 4;
    spec.valueSize = spec.valueSize || 4;
  }
  return { spec, ...(valuesOffset !== undefined ? { valuesOffset } : {}) };
}

/**
 * `__ulong(name, X)` is a member whose type is an enum with the one value X (ENUM64 where
 * X needs it); a `__uint()` pointer is read as one too (libbpf's get_map_field_long).
 */
function longField(btf: Btf, m: BtfMember, name: string, where: Where, intField: (m: BtfMember) => number): bigint {
  const t = btf.resolved(m.type);
  if (t.kind === 'PTR') return BigInt(intField(m));
  if ((t.kind === 'ENUM' || t.kind === 'ENUM64') && t.values.length === 1) {
    const { value } = t.values[0]!;
    // A 32-bit enum's value is an s32, widened to u64 as C widens it.
    return t.kind === 'ENUM' ? BigInt.asUintN(64, BigInt(Number(value) | 0)) : BigInt.asUintN(64, BigInt(value));
  }
  throw new ObjectError(`map '${name}': attribute '${m.name}' is not __ulong()-encoded (an enum of one value)`, where);
}
