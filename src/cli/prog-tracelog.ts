import type { Words } from './common.js';
import { jsonWriter, type CliContext } from './context.js';

/**
 * prog tracelog: the bpf_trace_printk records of runs not read yet, as trace_pipe gives
 * them (read once: they are gone afterwards). bpftool waits for more; the store holds
 * all there will be, so this ends. With -j, an array of the lines as strings.
 */
export function progTracelog(ctx: CliContext, words: Words): void {
  words.end();
  // Records come as trace_pipe prints them, newlines included.
  const text = ctx.store.takeTrace().join('');
  if (!ctx.json) {
    ctx.out(text);
    return;
  }
  // bpftool reads the pipe a line at a time (getline) and writes each as a string.
  const w = jsonWriter(ctx).startArray();
  for (const line of text.split(/(?<=\n)/)) if (line) w.string(line);
  ctx.out(w.endArray().finish());
}
