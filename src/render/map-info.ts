import type { JsonWriter } from '../text/json-writer.js';

/** What `map show` prints of one map. */
export interface MapInfo {
  id: number;
  type: string;
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
  let s = `${m.id}: ${m.type}  name ${m.name}  flags 0x${m.flags.toString(16)}\n`;
  s += `\tkey ${m.bytesKey}B  value ${m.bytesValue}B  max_entries ${m.maxEntries}  memlock ${m.bytesMemlock}B`;
  if (m.ownerProgType) s += `\n\towner_prog_type ${m.ownerProgType}  owner not jited`;
  if (m.btfId || m.frozen) s += '\n\t';
  if (m.btfId) s += `btf_id ${m.btfId}`;
  if (m.frozen) s += `${m.btfId ? '  ' : ''}frozen`;
  return s + '\n';
}

export function mapJson(w: JsonWriter, m: MapInfo): void {
  w.startObject();
  w.numberField('id', m.id).stringField('type', m.type).stringField('name', m.name).numberField('flags', m.flags);
  w.numberField('bytes_key', m.bytesKey).numberField('bytes_value', m.bytesValue).numberField('max_entries', m.maxEntries);
  w.numberField('bytes_memlock', m.bytesMemlock);
  if (m.ownerProgType) w.stringField('owner_prog_type', m.ownerProgType).boolField('owner_jited', false);
  w.numberField('frozen', m.frozen ? 1 : 0);
  if (m.btfId) w.numberField('btf_id', m.btfId);
  w.endObject();
}
