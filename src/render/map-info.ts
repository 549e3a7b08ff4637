import type { JsonWriter } from '../text/index.js';

/** What `map show` prints of one map. */
export interface MapInfo {
  id: number;
  /** bpftool's name of the type, or its number where bpftool has no name. */
  type: string | number;
  name: string;
  flags: number;
  bytesKey: number;
  bytesValue: number;
  maxEntries: number;
  bytesMemlock: number;
  /** For prog arrays once a program holds them: the owner's type name. */
  ownerProgType?: string;
  frozen: boolean;
  btfId: number;
}

export function mapPlain(m: MapInfo): string {
  let s = `${m.id}: ${typeText(m.type)}  name ${m.name}  flags 0x${m.flags.toString(16)}\n`;
  s += `\tkey ${m.bytesKey}B  value ${m.bytesValue}B  max_entries ${m.maxEntries}  memlock ${m.bytesMemlock}B`;
  if (m.ownerProgType) s += `\n\towner_prog_type ${m.ownerProgType}  owner not jited`;
  if (m.btfId || m.frozen) s += '\n\t';
  if (m.btfId) s += `btf_id ${m.btfId}`;
  if (m.frozen) s += `${m.btfId ? '  ' : ''}frozen`;
  return s + '\n';
}

export function mapJson(w: JsonWriter, m: MapInfo): void {
  w.startObject();
  w.numberField('id', m.id);
  mapTypeField(w, m.type);
  w.stringField('name', m.name).numberField('flags', m.flags);
  w.numberField('bytes_key', m.bytesKey).numberField('bytes_value', m.bytesValue).numberField('max_entries', m.maxEntries);
  w.numberField('bytes_memlock', m.bytesMemlock);
  if (m.ownerProgType) w.stringField('owner_prog_type', m.ownerProgType).boolField('owner_jited', false);
  w.numberField('frozen', m.frozen ? 1 : 0);
  if (m.btfId) w.numberField('btf_id', m.btfId);
  w.endObject();
}

/** A map type as bpftool prints it in text: its name, or `type N`. */
export function typeText(type: string | number): string {
  return typeof type === 'number' ? `type ${type}` : type;
}

/** A map type as bpftool writes it in JSON: its name, or its number. */
export function mapTypeField(w: JsonWriter, type: string | number): void {
  if (typeof type === 'number') w.numberField('type', type);
  else w.stringField('type', type);
}
