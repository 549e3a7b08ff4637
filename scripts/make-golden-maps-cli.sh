#!/usr/bin/env bash
# Golden output of the real bpftool for the map and prog-load command lines in
# test/golden/maps-cli/cases.txt: for case N, N.out (stdout), N.err (stderr), N.rc
# (exit status). Needs root, bpftool and a bpffs at /sys/fs/bpf; the pins it makes are
# removed at the end. Run from the repository: sudo bash scripts/make-golden-maps-cli.sh
#
# With arguments (case numbers or ranges: 157 160-172), every case still runs, since
# each works on what the earlier ones made, but only those cases' files are written;
# the batch files are left as they are and VERSION gets a line naming what those cases
# were made with (another kernel build may size its structures differently).
set -euo pipefail
cd "$(dirname "$0")/.."
out=test/golden/maps-cli
PIN=/sys/fs/bpf/bpfscope-golden
rm -rf "$PIN"
mkdir -p "$PIN"
tmp=$(mktemp -d)
trap 'rm -rf "$PIN" "$tmp"' EXIT
only=()
for a in "$@"; do
  if [[ "$a" =~ ^([0-9]+)-([0-9]+)$ ]]; then only+=($(seq "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"))
  elif [[ "$a" =~ ^[0-9]+$ ]]; then only+=("$a")
  else echo "not a case number or range: $a" >&2; exit 2
  fi
done
wanted() { [ ${#only[@]} = 0 ] || [[ " ${only[*]} " == *" $1 "* ]]; }
[ ${#only[@]} = 0 ] && rm -f "$out"/*.out "$out"/*.err "$out"/*.rc
n=0
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  keep=1
  if [[ "$line" == -\ * ]]; then keep=0; line=${line#- }; fi
  n=$((n + 1))
  # The case's words, with $PIN expanded and nothing else interpreted.
  read -r -a words <<<"${line//\$PIN/$PIN}"
  set +e
  bpftool "${words[@]}" >"$tmp/out" 2>"$tmp/err"
  echo $? >"$tmp/rc"
  set -e
  if [ "$keep" = 1 ] && wanted "$n"; then for f in out err rc; do mv "$tmp/$f" "$out/$n.$f"; done; fi
done <"$out/cases.txt"
if [ ${#only[@]} != 0 ]; then
  echo "cases $*: $(bpftool version | head -1), $(uname -r)" >>"$out/VERSION"
  echo "$n cases run, ${#only[@]} written"
  exit 0
fi
# Batch files, with $PIN written out, in each output mode.
for b in batch batch-error; do
  sed "s|\$PIN|$PIN|g" "$out/$b.txt" >"$tmp/$b.txt"
  for mode in plain j p; do
    opt=(); [ "$mode" = plain ] || opt=("-$mode")
    rm -f "$PIN/bq" "$PIN/be"
    set +e
    bpftool "${opt[@]}" batch file "$tmp/$b.txt" >"$out/$b.$mode.out" 2>"$out/$b.$mode.err"
    echo $? >"$out/$b.$mode.rc"
    set -e
  done
done
bpftool version | head -1 >"$out/VERSION"
uname -r >>"$out/VERSION"
echo "$n cases"
