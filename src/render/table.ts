import Table from 'cli-table3';
import { typeText, type MapInfo } from './map-info.js';
import { formatLoadTime, type ProgInfo } from './prog-info.js';

/**
 * `--table`: what `prog show`, `map show` and `map dump` print, as boxes for people
 * (cli-table3, no colours so that the text is the same on every terminal). The
 * plain output stays bpftool's.
 */
function render(head: string[], rows: (string | number)[][]): string {
  const table = new Table({ head, style: { head: [], border: [] } });
  table.push(...rows.map((r) => r.map(String)));
  return `${table.toString()}\n`;
}

export function progTable(progs: readonly ProgInfo[]): string {
  return render(
    ['id', 'type', 'name', 'tag', 'gpl', 'loaded_at', 'uid', 'xlated', 'memlock', 'map_ids', 'btf_id'],
    progs.map((p) => [p.id, p.type, p.name, p.tag, p.gplCompatible ? 'yes' : 'no', formatLoadTime(p.loadedAt), p.uid, `${p.bytesXlated}B`, `${p.bytesMemlock}B`, p.mapIds.join(','), p.btfId || '']),
  );
}

export function mapTable(maps: readonly MapInfo[]): string {
  return render(
    ['id', 'type', 'name', 'flags', 'key', 'value', 'max_entries', 'memlock', 'btf_id', 'frozen'],
    maps.map((m) => [m.id, typeText(m.type), m.name, `0x${m.flags.toString(16)}`, `${m.bytesKey}B`, `${m.bytesValue}B`, m.maxEntries, `${m.bytesMemlock}B`, m.btfId || '', m.frozen ? 'yes' : '']),
  );
}

/** One row per element: key and value as text (hex bytes, or BTF-formatted values), per-CPU values one line per CPU. */
export function dumpTable(rows: readonly { key: string; value: string }[]): string {
  return render(['key', 'value'], rows.map((r) => [r.key, r.value]));
}
