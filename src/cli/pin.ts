import type { CommandTable } from './command-table.js';
import type { Words } from './common.js';
import { jsonNull, type CliContext } from './context.js';
import { fail } from './report.js';
import { UNPIN_USAGE } from './usage.js';
import { ENOENT } from '../errno.js';

/**
 * unpin PATH...: what `rm` (or `rm -r` of a directory) of pinned files does on a real
 * bpffs. Whatever nothing else holds (no other pin, no program using the map, no prog
 * array or map-in-map holding it) is unloaded when the command ends.
 */
function unpin(ctx: CliContext, args: Words): void {
  if (!args.count) fail(ctx, 'unpin needs a PATH');
  ctx.store.transaction(() => {
    while (args.count) {
      const path = args.next();
      if (!ctx.store.unpin(path).length) fail(ctx, `can't unpin (${path}): No such file or directory`, ENOENT);
    }
    jsonNull(ctx);
  });
}

export const unpinCommands: CommandTable = { usage: UNPIN_USAGE, commands: [], direct: unpin };
