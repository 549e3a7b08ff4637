#!/usr/bin/env bash
# Remakes the golden files of test/btf/format-value*.test.ts with the real bpftool
# (through ../shared/tools/kernel-oracle). Needs root, bpftool, clang and libbpf-dev.
# Usage, from anywhere: sudo bash test/btf/golden-values/make.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$repo"
here=test/btf/golden-values
oracle=../shared/tools/kernel-oracle
tmp=$(mktemp -d); pin=/sys/fs/bpf/bpfscope-golden-values-$$
trap 'rm -rf "$tmp" "$pin" "$pin-maps"' EXIT

# values.o: the same flags as scripts/build-objects.sh, so the bytes do not depend on the checkout's path.
clang -target bpf -O2 -g -mcpu=v3 -I"/usr/include/$(uname -m)-linux-gnu" \
  -fdebug-prefix-map="$repo"=. -ffile-prefix-map="$repo"=. -fno-ident -Wall \
  -c "$here/values.c" -o "$here/values.o"

# Keep only the map dumps (hidden files too: maps named .rodata.str1.1 and the like).
dumps() { # dumps ORACLE_OUT DEST
  rm -rf "$2"; mkdir -p "$2"
  find "$1" -maxdepth 1 -name '*.dump.txt' -exec cp {} "$2"/ \;
  find "$1" -maxdepth 1 -name '*.dump.json' -exec cp {} "$2"/ \;
}

# No packet: no program runs, so the maps hold what loading gave them.
for obj in fnv globals hello maps raw_tp socket tracepoint xdp; do
  "$oracle" "objects/$obj.o" "$tmp/$obj" >/dev/null
  dumps "$tmp/$obj" "$here/$obj"
done
"$oracle" "$here/values.o" "$tmp/values" >/dev/null
dumps "$tmp/values" "$here/values"
# One run on a packet: xdp_values fills the hash and per-CPU maps.
"$oracle" "$here/values.o" "$tmp/values-pkt" test/packets/ipv4-udp.bin >/dev/null
dumps "$tmp/values-pkt" "$here/values@ipv4-udp"

# -p (the oracle writes only plain and -j): load without running, dump some maps pretty.
rm -rf "$here/values-pretty"; mkdir -p "$here/values-pretty"
bpftool prog loadall "$here/values.o" "$pin" pinmaps "$pin-maps" >/dev/null 2>&1
for m in values_data values_bss _data_floats pc_grid a_str _rodata_cst16 h_bits; do
  bpftool -p map dump pinned "$pin-maps/$m" > "$here/values-pretty/$m.dump.json"
done
# Hand-made BTF (kinds clang 14 never emits) in maps made directly through bpf().
BPFSCOPE_MAKE_GOLDEN=1 npx vitest run test/btf/format-value-handmade.test.ts >/dev/null
echo "golden-values: made $(find "$here" -name '*.dump.*' | wc -l) dump files"
