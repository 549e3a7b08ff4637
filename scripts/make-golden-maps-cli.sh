#!/usr/bin/env bash
# Golden output of the real bpftool for the map and prog-load command lines in
# test/golden/maps-cli/cases.txt: for case N, N.out (stdout), N.err (stderr), N.rc
# (exit status). Needs root, bpftool and a bpffs at /sys/fs/bpf; the pins it makes are
# removed at the end. Run from the repository: sudo bash scripts/make-golden-maps-cli.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=test/golden/maps-cli
PIN=/sys/fs/bpf/bpfscope-golden
rm -rf "$PIN"
mkdir -p "$PIN"
tmp=$(mktemp -d)
trap 'rm -rf "$PIN" "$tmp"' EXIT
rm -f "$out"/*.out "$out"/*.err "$out"/*.rc
n=0
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  keep=1
  if [[ "$line" == -\ * ]]; then keep=0; line=${line#- }; fi
  n=$((n + 1))
  # The case's words, with $PIN expanded and nothing else interpreted.
  read -r -a words <<<"${line//\$PIN/$PIN}"
  set +e
  bpftool "${words[@]}" >"$out/$n.out" 2>"$out/$n.err"
  echo $? >"$out/$n.rc"
  set -e
  if [ "$keep" = 0 ]; then rm -f "$out/$n.out" "$out/$n.err" "$out/$n.rc"; fi
done <"$out/cases.txt"
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
