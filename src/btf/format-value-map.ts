import { BtfError } from '../errors.js';
import { JsonWriter } from '../text/index.js';
import type { Btf } from './btf.js';
import { writeBtfValue } from './format-value.js';

/**
 * Whole `bpftool map dump` outputs from plain data: a map's shape and its entries in,
 * text out, byte for byte as bpftool 7.1 prints them. Which entries there are (and in
 * what order: bpftool follows the kernel's get_next_key) is the caller's business;
 * entries whose lookup fails are left out, as bpftool leaves out a prog array's or
 * map-in-map's empty slots (and does not count them).
 *
 * Plain mode (`bpftool map dump`) has two layouts:
 * - a map with BTF (bpftool: `btf_id` set) prints a JSON-like array through a pretty
 *   writer, one `{ "key": ..., "value": ... }` per entry, the key left out when the map
 *   has no key type (global data maps), `"values": [{ "cpu": N, "value": ... }]` for
 *   per-CPU maps, and no element count: `[]` when empty;
 * - a map without BTF prints hex lines (`key: 00 00 00 00  value: 01 ...`, wrapped as
 *   below) and `Found N element(s)`.
 * `-j` prints `key`/`value` as arrays of `"0x01"` strings (per-CPU: `values` with one
 * array per CPU) plus, when the map has a value type, a `formatted` object laid out as
 * in plain mode but with JSON numbers (see format-value.ts).
 */

/** The map facts bpftool's dump looks at (`bpf_map_info`). */
export interface MapDumpSpec {
  keySize: number;
  valueSize: number;
  /**
   * Whether bpftool treats the type as per-CPU: in 7.1 percpu_hash, percpu_array,
   * lru_percpu_hash and percpu_cgroup_storage (not per-CPU maps of other kinds).
   */
  perCpu: boolean;
  /** The BTF the map was created with; absent for a map without BTF (no `btf_id`). */
  btf?: Btf;
  /** 0: no key type (the key is not printed in the BTF layouts). */
  btfKeyTypeId: number;
  /**
   * 0: no value type. A map with BTF but no value type would print its entries as hex
   * lines inside the `[` `]` of the BTF layout, as bpftool's code goes; libbpf never
   * makes one (the kernel refuses a key type without a value type, and libbpf retries
   * without BTF; it drops BTF from prog arrays and map-in-maps itself).
   */
  btfValueTypeId: number;
}

export interface MapDumpEntry {
  /** At least keySize bytes (only the first keySize are printed). */
  key: Uint8Array;
  /**
   * At least valueSize bytes; for a per-CPU map one such value per possible CPU, CPU 0
   * first.
   */
  value: Uint8Array | readonly Uint8Array[];
}

/** `bpftool map dump` of one map, plain. */
export function dumpMapPlain(spec: MapDumpSpec, entries: readonly MapDumpEntry[]): string {
  if (!spec.btf) {
    let out = '';
    for (const e of entries) out += formatEntryHex(spec, e);
    return out + foundElements(entries.length);
  }
  if (spec.btfValueTypeId === 0) {
    // bpftool's writer has opened its array; the entries bypass it.
    let out = '[';
    for (const e of entries) out += formatEntryHex(spec, e);
    return out + ']\n';
  }
  const w = new JsonWriter(true);
  writeMapElementsBtf(w, spec, entries);
  return w.finish();
}

/** `bpftool -j map dump` (`pretty`: `-p`) of one map. */
export function dumpMapJson(spec: MapDumpSpec, entries: readonly MapDumpEntry[], pretty: boolean): string {
  const w = new JsonWriter(pretty);
  writeMapElementsJson(w, spec, entries);
  return w.finish();
}

/** bpftool's closing line of a plain dump without BTF. */
export function foundElements(n: number): string {
  return `Found ${n} element${n === 1 ? '' : 's'}\n`;
}

/**
 * The elements array of a plain dump of a map with BTF and a value type, into a
 * pretty writer (for a dump of several maps, the caller writes bpftool's header
 * object around it). Stops formatting an entry where bpftool's dumper gives up.
 */
export function writeMapElementsBtf(w: JsonWriter, spec: MapDumpSpec, entries: readonly MapDumpEntry[]): void {
  const btf = requireBtf(spec);
  w.startArray();
  for (const e of entries) writeFormatted(w, btf, spec, e, 'plain');
  w.endArray();
}

/** The elements array of `-j map dump` into a writer (several maps: inside the caller's header object). */
export function writeMapElementsJson(w: JsonWriter, spec: MapDumpSpec, entries: readonly MapDumpEntry[]): void {
  w.startArray();
  for (const e of entries) writeMapEntryJson(w, spec, e);
  w.endArray();
}

/** One element of `-j map dump`, and what `-j map lookup` prints: hex key and value(s), and `formatted` by BTF. */
export function writeMapEntryJson(w: JsonWriter, spec: MapDumpSpec, e: MapDumpEntry): void {
  const btf = spec.btf && spec.btfValueTypeId !== 0 ? spec.btf : undefined;
  w.startObject();
  w.name('key');
  writeHexData(w, sized(e.key, spec.keySize, 'key'));
  if (spec.perCpu) {
    w.name('values').startArray();
    perCpuValues(spec, e).forEach((v, cpu) => {
      w.startObject().numberField('cpu', cpu).name('value');
      writeHexData(w, v);
      w.endObject();
    });
    w.endArray();
  } else {
    w.name('value');
    writeHexData(w, singleValue(spec, e));
  }
  if (btf) {
    w.name('formatted');
    writeFormatted(w, btf, spec, e, 'json');
  }
  w.endObject();
}

/** bpftool's print_hex_data_json: `["0x00","0x01",...]`. */
export function writeHexData(w: JsonWriter, bytes: Uint8Array): void {
  w.startArray();
  for (const b of bytes) w.raw(`"0x${hex2(b)}"`);
  w.endArray();
}

/**
 * One entry of a plain dump without BTF: `key: .. value: ..` on one line when key and
 * value fit (each at most 16 bytes, together at most 24), else `key:` and `value:` on
 * lines of their own; per-CPU maps print `key:` on its own line and one
 * `value (CPU NN):` per CPU. Hex rows hold 16 bytes, with two spaces after the eighth.
 */
export function formatEntryHex(spec: MapDumpSpec, e: MapDumpEntry): string {
  const key = sized(e.key, spec.keySize, 'key');
  let out = '';
  if (!spec.perCpu) {
    const value = singleValue(spec, e);
    const breakNames = spec.keySize > 16 || spec.valueSize > 16;
    const singleLine = spec.keySize + spec.valueSize <= 24 && !breakNames;
    if (spec.keySize) out += `key:${breakNames ? '\n' : ' '}${hexRows(key)}${singleLine ? '  ' : '\n'}`;
    if (spec.valueSize) out += `value:${breakNames ? '\n' : ' '}${hexRows(value)}`;
    return out + '\n';
  }
  if (spec.keySize) out += `key:\n${hexRows(key)}\n`;
  if (spec.valueSize) {
    perCpuValues(spec, e).forEach((v, cpu) => {
      out += `value (CPU ${String(cpu).padStart(2, '0')}):${spec.valueSize > 16 ? '\n' : ' '}${hexRows(v)}\n`;
    });
  }
  return out;
}

/** bpftool's fprint_hex with a space separator. */
export function hexRows(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i === 0) out += hex2(bytes[i]!);
    else out += (i % 16 === 0 ? '\n' : i % 8 === 0 ? '  ' : ' ') + hex2(bytes[i]!);
  }
  return out;
}

function hex2(b: number): string {
  return b < 16 ? '0' + b.toString(16) : b.toString(16);
}

/** One element as a plain `map dump` or `map lookup` of a map with BTF prints it, into a pretty writer. */
export function writeMapEntryBtf(w: JsonWriter, spec: MapDumpSpec, e: MapDumpEntry): void {
  writeFormatted(w, requireBtf(spec), spec, e, 'plain');
}

/** bpftool's do_dump_btf: one entry's key and value(s) by BTF. */
function writeFormatted(w: JsonWriter, btf: Btf, spec: MapDumpSpec, e: MapDumpEntry, mode: 'plain' | 'json'): void {
  w.startObject();
  let ok = true;
  if (spec.btfKeyTypeId !== 0) {
    w.name('key');
    ok = writeBtfValue(w, btf, spec.btfKeyTypeId, sized(e.key, spec.keySize, 'key'), mode);
  }
  if (ok) {
    if (!spec.perCpu) {
      w.name('value');
      writeBtfValue(w, btf, spec.btfValueTypeId, singleValue(spec, e), mode);
    } else {
      w.name('values').startArray();
      for (const [cpu, v] of perCpuValues(spec, e).entries()) {
        w.startObject().numberField('cpu', cpu).name('value');
        ok = writeBtfValue(w, btf, spec.btfValueTypeId, v, mode);
        w.endObject();
        if (!ok) break;
      }
      w.endArray();
    }
  }
  w.endObject();
}

function requireBtf(spec: MapDumpSpec): Btf {
  if (!spec.btf || spec.btfValueTypeId === 0) throw new BtfError('map dump: a BTF layout needs the map\'s BTF and value type');
  return spec.btf;
}

function sized(bytes: Uint8Array, size: number, what: string): Uint8Array {
  if (bytes.length < size) throw new BtfError(`map dump: ${what} of ${bytes.length} bytes, the map's ${what} size is ${size}`);
  return bytes.length === size ? bytes : bytes.subarray(0, size);
}

function singleValue(spec: MapDumpSpec, e: MapDumpEntry): Uint8Array {
  if (!(e.value instanceof Uint8Array)) throw new BtfError('map dump: per-CPU values given for a map that is not per-CPU');
  return sized(e.value, spec.valueSize, 'value');
}

function perCpuValues(spec: MapDumpSpec, e: MapDumpEntry): Uint8Array[] {
  if (e.value instanceof Uint8Array) throw new BtfError('map dump: a per-CPU map needs one value per CPU');
  return e.value.map((v) => sized(v, spec.valueSize, 'value'));
}
