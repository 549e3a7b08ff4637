import { PersistentStore } from '../store/index.js';
import { BpfscopeError } from '../errors.js';
import type { CommandTable } from './command-table.js';
import type { Words } from './common.js';
import { jsonWriter, type CliContext } from './context.js';
import { fail } from './report.js';
import { STORE_USAGE } from './usage.js';

function persistent(ctx: CliContext): PersistentStore {
  if (!(ctx.store instanceof PersistentStore)) fail(ctx, 'store commands work on the state directory, not on objects given with --object');
  return ctx.store;
}

/** store check: opens every object and map the state names; the first problem, or what it holds. */
function storeCheck(ctx: CliContext, words: Words): void {
  words.end();
  const store = persistent(ctx);
  let counts: { programs: number; maps: number; pins: number };
  try {
    counts = store.check();
  } catch (e) {
    if (e instanceof BpfscopeError) fail(ctx, e.message);
    throw e;
  }
  if (ctx.json) {
    const w = jsonWriter(ctx).startObject().stringField('state', store.paths.dir);
    w.numberField('programs', counts.programs).numberField('maps', counts.maps).numberField('pins', counts.pins);
    ctx.out(w.endObject().finish());
  } else {
    ctx.out(`${store.paths.dir}: ok: ${counts.programs} programs, ${counts.maps} maps, ${counts.pins} pins\n`);
  }
}

/** store reset: everything unloaded, pins gone, ids from 1 again. */
function storeReset(ctx: CliContext, words: Words): void {
  words.end();
  persistent(ctx).reset();
  if (ctx.json) ctx.out(jsonWriter(ctx).null().finish());
}

export const storeCommands: CommandTable = {
  usage: STORE_USAGE,
  commands: [
    { name: 'check', run: storeCheck },
    { name: 'reset', run: storeReset },
  ],
};
