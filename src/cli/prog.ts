import type { CommandTable } from './command-table.js';
import { progCallgraph } from './prog-callgraph.js';
import { progDump } from './prog-dump.js';
import { progLoad, progLoadAll, progPin } from './prog-load.js';
import { progRun } from './prog-run.js';
import { progShow } from './prog-show.js';
import { progTracelog } from './prog-tracelog.js';
import { PROG_USAGE } from './usage.js';

export const progCommands: CommandTable = {
  usage: PROG_USAGE,
  commands: [
    { name: 'show', run: progShow },
    { name: 'list', run: progShow },
    { name: 'dump', run: progDump },
    { name: 'callgraph', run: progCallgraph },
    { name: 'run', run: progRun },
    { name: 'pin', run: progPin },
    { name: 'load', run: progLoad },
    { name: 'loadall', run: progLoadAll },
    { name: 'tracelog', run: progTracelog },
  ],
};
