import type { JsonWriter } from '../text/index.js';

/** What `prog show` prints of one program (bpftool's struct bpf_prog_info, as far as we hold it). */
export interface ProgInfo {
  id: number;
  type: string;
  name: string;
  tag: string;
  gplCompatible: boolean;
  loadedAt: Date;
  uid: number;
  bytesXlated: number;
  /** 0: the VM interprets, it does not JIT. */
  bytesJited: number;
  bytesMemlock: number;
  mapIds: number[];
  btfId: number;
}

/** strftime's %FT%T%z in local time, as bpftool prints load times. */
export function formatLoadTime(d: Date): string {
  const p = (n: number, w = 2): string => String(Math.abs(n)).padStart(w, '0');
  const tz = -d.getTimezoneOffset();
  const sign = tz >= 0 ? '+' : '-';
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}` +
    `${sign}${p(Math.trunc(Math.abs(tz) / 60))}${p(Math.abs(tz) % 60)}`;
}

/** The first line of `prog show`, which `prog dump` repeats above each of several programs. */
export function progHeaderPlain(p: ProgInfo): string {
  return `${p.id}: ${p.type}  name ${p.name}  tag ${p.tag}${p.gplCompatible ? '  gpl' : ''}\n`;
}

export function progPlain(p: ProgInfo): string {
  let s = progHeaderPlain(p);
  s += `\tloaded_at ${formatLoadTime(p.loadedAt)}  uid ${p.uid}\n`;
  s += `\txlated ${p.bytesXlated}B`;
  s += p.bytesJited ? `  jited ${p.bytesJited}B` : '  not jited';
  s += `  memlock ${p.bytesMemlock}B`;
  if (p.mapIds.length) s += `  map_ids ${p.mapIds.join(',')}`;
  if (p.btfId) s += `\n\tbtf_id ${p.btfId}`;
  return s + '\n';
}

export function progHeaderJson(w: JsonWriter, p: ProgInfo): void {
  w.numberField('id', p.id).stringField('type', p.type).stringField('name', p.name).stringField('tag', p.tag);
  w.boolField('gpl_compatible', p.gplCompatible);
}

export function progJson(w: JsonWriter, p: ProgInfo): void {
  w.startObject();
  progHeaderJson(w, p);
  w.numberField('loaded_at', Math.floor(p.loadedAt.getTime() / 1000)).numberField('uid', p.uid);
  w.numberField('bytes_xlated', p.bytesXlated);
  w.boolField('jited', p.bytesJited > 0);
  if (p.bytesJited) w.numberField('bytes_jited', p.bytesJited);
  w.numberField('bytes_memlock', p.bytesMemlock);
  if (p.mapIds.length) {
    w.name('map_ids').startArray();
    for (const id of p.mapIds) w.number(id);
    w.endArray();
  }
  if (p.btfId) w.numberField('btf_id', p.btfId);
  w.endObject();
}
