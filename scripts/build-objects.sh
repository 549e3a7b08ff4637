#!/usr/bin/env bash
# Rebuilds objects/*.o from objects/*.c with pinned flags (npm run objects).
# The build runs from the repository root with relative source paths and maps
# the root to "." in debug info, so the bytes do not depend on where the
# checkout lives: rebuilding a clean checkout gives the committed .o files.
# Also builds one big-endian object (xdp.bpfeb.o) from xdp.c.
#
# Usage: scripts/build-objects.sh [--check]
#   --check  build into a temp dir and compare with the committed objects (cmp)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

command -v clang >/dev/null || { echo "build-objects: clang not found (apt-get install clang)" >&2; exit 2; }
[ -f /usr/include/bpf/bpf_helpers.h ] || { echo "build-objects: libbpf headers not found (apt-get install libbpf-dev)" >&2; exit 2; }

arch_inc=/usr/include/$(uname -m)-linux-gnu
flags=(-O2 -g -mcpu=v3 -I"$arch_inc"
       -fdebug-prefix-map="$repo"=. -ffile-prefix-map="$repo"=.
       -fno-ident -Wall)

check=0
[ "${1:-}" = --check ] && check=1
out=objects
if [ $check = 1 ]; then
  out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
fi

build() { # build SRC OUT TARGET
  clang -target "$3" "${flags[@]}" -c "$1" -o "$2"
}

status=0
for src in objects/*.c; do
  stem=$(basename "$src" .c)
  build "$src" "$out/$stem.o" bpf
  [ "$stem" = xdp ] && build "$src" "$out/$stem.bpfeb.o" bpfeb
done
if [ $check = 1 ]; then
  for o in "$out"/*.o; do
    if ! cmp -s "$o" "objects/$(basename "$o")"; then
      echo "build-objects: objects/$(basename "$o") differs from a fresh build" >&2; status=1
    fi
  done
  [ $status = 0 ] && echo "build-objects: all $(ls "$out"/*.o | wc -l) objects are byte-identical to a fresh build"
else
  echo "build-objects: built $(ls objects/*.o | wc -l) objects"
fi
exit $status
