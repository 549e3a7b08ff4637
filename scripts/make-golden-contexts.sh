#!/usr/bin/env bash
# Builds test/vm/context/src/*.c (the context-rewrite probes) and records what the real
# kernel makes of them: ../shared/tools/kernel-oracle OBJ test/golden/contexts/STEM.
# Golden files come only from the oracle; never edit them by hand. Needs root and bpftool.
#
# Usage: sudo bash scripts/make-golden-contexts.sh [--build-only]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
oracle=$repo/../shared/tools/kernel-oracle
export LC_ALL=C

command -v clang >/dev/null || { echo "make-golden-contexts: clang not found" >&2; exit 2; }
arch_inc=/usr/include/$(uname -m)-linux-gnu
for src in test/vm/context/src/*.c; do
  # The same pinned flags as scripts/build-objects.sh, so the bytes do not depend on the checkout's place.
  clang -target bpf -O2 -g -mcpu=v3 -I"$arch_inc" -fdebug-prefix-map="$repo"=. -ffile-prefix-map="$repo"=. \
    -fno-ident -Wall -c "$src" -o "${src%.c}.o"
done
[ "${1:-}" = --build-only ] && exit 0

[ -x "$oracle" ] || { echo "make-golden-contexts: $oracle is missing" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "make-golden-contexts: needs root (the kernel oracle loads programs)" >&2; exit 2; }
mkdir -p test/golden/contexts
for obj in test/vm/context/src/*.o; do
  stem=$(basename "$obj" .o)
  rm -rf "test/golden/contexts/$stem"
  "$oracle" "$obj" "test/golden/contexts/$stem" test/packets/ipv4-udp.bin
  rm -f "test/golden/contexts/$stem/load.log"
done
