#!/usr/bin/env bash
# kernel-reference.sh PARTLOAD OBJ OUTDIR: what the real kernel and bpftool say of every
# program of OBJ that the kernel loads. partload (../shared/corpus/lib/partload.c) loads
# the programs one at a time where a whole-object load fails, as tools with
# alternatives do; each loaded program is then shown and dumped by the real bpftool:
#   OUTDIR/partload.txt        partload's report (skipped programs, "loaded N of M")
#   OUTDIR/<prog>.show.json    bpftool -j prog show pinned
#   OUTDIR/<prog>.xlated.txt   bpftool prog dump xlated pinned
#   OUTDIR/maps.json           bpftool -j map show, for each map the programs use
# Pins live under a directory of this run only and are removed on any exit, with the
# maps libbpf pinned by name for the object.
set -u
partload=${1:?usage: kernel-reference.sh PARTLOAD OBJ OUTDIR}
obj=${2:?}
out=${3:?}
mkdir -p "$out"
pins=/sys/fs/bpf/bpfscope-ref-$$
autopins=()
cleanup() {
  rm -rf "$pins"
  for p in "${autopins[@]}"; do rm -f "$p"; done
}
trap cleanup EXIT
mkdir -p "$pins/progs" "$pins/maps"
timeout 300 "$partload" "$obj" "$pins/progs" "$pins/maps" > "$out/partload.txt" 2>&1
while read -r word _ path; do
  [ "$word" = autopinned ] && autopins+=("$path")
done < "$out/partload.txt"
map_ids=""
for p in "$pins/progs"/*; do
  [ -e "$p" ] || continue
  name=$(basename "$p")
  bpftool -j prog show pinned "$p" > "$out/$name.show.json" 2>&1
  bpftool prog dump xlated pinned "$p" > "$out/$name.xlated.txt" 2>&1
  map_ids="$map_ids $(python3 -c 'import json,sys; print(" ".join(str(i) for i in json.load(open(sys.argv[1])).get("map_ids", [])))' "$out/$name.show.json")"
done
{
  echo "["; first=1
  for id in $(echo $map_ids | tr ' ' '\n' | sort -un); do
    [ $first = 1 ] || echo ","; first=0
    bpftool -j map show id "$id"
  done
  echo "]"
} > "$out/maps.json"
