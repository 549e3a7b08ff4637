/**
 * bpftool reads its options with glibc's getopt_long, which takes a word starting with
 * `-` anywhere on the command line as options (`map show -j` is JSON; `value -1` is
 * the unknown option `-1`, not a byte) until a `--`. This finds the first word that
 * getopt would refuse and the name bpftool's error gives it: `argv[optind - 1]`, which
 * for an unknown letter inside a cluster (`-0x1`) is the word before it in getopt's
 * permuted argv. Options that take an argument, and whether JSON was asked for before
 * the refusal (which decides how the error prints), follow the table given.
 */
export interface OptionTable {
  /** Short option letters, each with whether it takes an argument. */
  short: ReadonlyMap<string, boolean>;
  long: ReadonlyMap<string, boolean>;
  /** Options that turn on JSON output, by letter or long name. */
  json: ReadonlySet<string>;
  pretty: ReadonlySet<string>;
}

export interface Refusal {
  /** The word bpftool names in "unrecognized option '...'". */
  name: string;
  json: boolean;
  pretty: boolean;
}

export function findUnknownOption(program: string, words: readonly string[], table: OptionTable): Refusal | undefined {
  // Index 0 is the program, as in C's argv.
  const argv = [program, ...words];
  let optind = 1;
  let first = 1;
  let last = 1;
  let json = false;
  let pretty = false;
  const seen = (name: string) => {
    json ||= table.json.has(name) || table.pretty.has(name);
    pretty ||= table.pretty.has(name);
  };
  const isOption = (w: string | undefined) => w !== undefined && w.length > 1 && w.startsWith('-');
  // glibc's exchange(): the options scanned since the last block of non-options move before it.
  const exchange = () => {
    argv.splice(first, optind - first, ...argv.slice(last, optind), ...argv.slice(first, last));
    first += optind - last;
    last = optind;
  };
  for (;;) {
    if (first !== last && last !== optind) exchange();
    else if (last !== optind) first = optind;
    while (optind < argv.length && !isOption(argv[optind])) optind++;
    last = optind;
    if (optind >= argv.length || argv[optind] === '--') return undefined;
    const word = argv[optind]!;
    if (word.startsWith('--')) {
      const name = word.slice(2).split('=')[0]!;
      optind++;
      const takesArg = table.long.get(name);
      if (takesArg === undefined) return { name: word, json, pretty };
      seen(name);
      if (takesArg && !word.includes('=')) optind++;
      continue;
    }
    for (let at = 1; at < word.length; at++) {
      const letter = word[at]!;
      const rest = word.length - at - 1;
      if (rest === 0) optind++;
      const takesArg = table.short.get(letter);
      if (takesArg === undefined) return { name: argv[optind - 1]!, json, pretty };
      seen(letter);
      if (takesArg) {
        // The argument is the rest of the cluster, or else the next word: past either.
        optind++;
        break;
      }
    }
  }
}
