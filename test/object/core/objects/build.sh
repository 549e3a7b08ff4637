#!/usr/bin/env bash
# Rebuilds the CO-RE sample objects here from their C (clang 15 or later for
# TYPE_MATCHES and 64-bit enums: clang-19 where it is installed, else clang).
# kernel.o is no program: its .BTF is the target BTF the others are relocated against.
set -euo pipefail
cd "$(dirname "$0")"
cc=clang
command -v clang-19 >/dev/null && cc=clang-19
for src in *.c; do
  "$cc" -O2 -g -target bpf -mcpu=v3 -I"/usr/include/$(uname -m)-linux-gnu" \
    -fdebug-prefix-map="$PWD"=. -fno-ident -Wall -c "$src" -o "${src%.c}.o"
done
