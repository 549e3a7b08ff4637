import { damaged } from './errors.js';

/**
 * What `trace.log` holds: trace_printk records not read yet, one a line, each the JSON
 * array `[generation, text]` (a record's text may hold newlines of its own). The
 * generation is that of the state save the record belongs to: a writer writes the log
 * before the state, so records newer than the saved state are from a writer killed in
 * between, whose run never counted, and are left out.
 */
export interface TraceRecord {
  generation: number;
  text: string;
}

/**
 * Parses a trace log; anything else is a StoreError naming it. The log is replaced
 * whole (never appended to), so a last line without its newline is damage too, not a
 * write in progress.
 */
export function parseTrace(file: string, text: string): TraceRecord[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) !== '') throw damaged(file, `line ${lines.length} has no newline at its end`);
  return lines.slice(0, -1).map((line, i) => {
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      record = undefined;
    }
    if (!Array.isArray(record) || record.length !== 2 || !Number.isInteger(record[0]) || (record[0] as number) < 0 || typeof record[1] !== 'string') {
      throw damaged(file, `line ${i + 1} is not a trace record`);
    }
    return { generation: record[0] as number, text: record[1] as string };
  });
}

export function formatTrace(records: readonly TraceRecord[]): string {
  return records.map((r) => `${JSON.stringify([r.generation, r.text])}\n`).join('');
}
