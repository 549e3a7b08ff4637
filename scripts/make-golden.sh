#!/usr/bin/env bash
# Regenerates test/golden/ from the real kernel and the real bpftool (npm run golden).
# Golden files come only from these tools; never edit them by hand.
#
# For every objects/X.o:
#   test/golden/X/          ../shared/tools/kernel-oracle objects/X.o test/golden/X test/packets/ipv4-udp.bin
#                           (one loaded instance; programs run in name order, so map dumps show
#                           the effect of all runs), plus btf.raw.json = bpftool -j btf dump file X.o
#   test/golden/X@PKT/      the same with test/packets/PKT.bin, for the objects listed in EXTRA below
#                           (every object the kernel can test-run on a packet)
# load.log is kept only in test/golden/X/ (xz-compressed when over 1 MB: the verifier log of a loop).
# Objects the kernel refuses (legacy_maps, xdp.bpfeb) keep what the oracle wrote before the
# refusal: btf.raw.txt, btf.c.txt, btf.raw.json and load.log.
#
# Usage: scripts/make-golden.sh [--missing] [STEM...]   (default: every objects/*.o)
#   --missing  make only the X@PKT/ directories that do not exist yet, leaving X/ and the
#              others as they are (they may come from another kernel build), and add a
#              line naming them to VERSIONS.txt instead of rewriting it.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
oracle=$repo/../shared/tools/kernel-oracle
export LC_ALL=C   # the oracle runs programs in glob order: make it byte order

[ -x "$oracle" ] || { echo "make-golden: $oracle is missing" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "make-golden: needs root (the kernel oracle loads programs)" >&2; exit 2; }
command -v bpftool >/dev/null || { echo "make-golden: bpftool not found" >&2; exit 2; }

# Extra packets per object (besides ipv4-udp): every object with a program the kernel
# test-runs on a packet gets the four below; the loops get a full-size frame too.
four="ipv4-tcp ipv6-udp short truncated-ipv4"
declare -A EXTRA=(
  [xdp]=$four [socket]=$four [tc]=$four [subprogs]=$four [globals]=$four [maps]=$four
  [two_in_one]=$four [loop]=$four
  [fnv]="$four ipv4-udp-1500"
  [alu]="$four ipv4-udp-1500"
)

missing_only=0
if [ "${1:-}" = --missing ]; then missing_only=1; shift; fi
if [ $# -gt 0 ]; then stems=("$@"); else
  stems=(); for o in objects/*.o; do stems+=("$(basename "$o" .o)"); done
fi

mkdir -p test/golden
one() { # one STEM DIR PACKET
  rm -rf "$2"
  "$oracle" "objects/$1.o" "$2" "test/packets/$3.bin" > /dev/null 2>&1
  case $? in
    0) ;;
    1) echo "make-golden: the kernel refused objects/$1.o (kept btf dumps and load.log in $2)" ;;
    *) echo "make-golden: kernel-oracle failed on objects/$1.o" >&2; exit 1 ;;
  esac
  bpftool -j btf dump file "objects/$1.o" > "$2/btf.raw.json" 2>&1
  # The verifier log of the looping objects runs to megabytes: keep it xz-compressed.
  if [ "$(stat -c %s "$2/load.log")" -gt 1000000 ]; then xz -9 -f "$2/load.log"; fi
}

made=()
for stem in "${stems[@]}"; do
  [ -f "objects/$stem.o" ] || { echo "make-golden: objects/$stem.o not found" >&2; exit 1; }
  [ $missing_only = 1 ] || one "$stem" "test/golden/$stem" ipv4-udp
  for pkt in ${EXTRA[$stem]:-}; do
    dir=test/golden/$stem@$pkt
    [ $missing_only = 1 ] && [ -d "$dir" ] && continue
    one "$stem" "$dir" "$pkt"
    rm -f "$dir"/load.log*   # the same load as test/golden/$stem
    made+=("$stem@$pkt")
  done
  echo "make-golden: $stem"
done

if [ $missing_only = 1 ]; then
  [ ${#made[@]} = 0 ] || echo "later, with --missing, on kernel $(uname -r) $(uname -m), $(bpftool version | head -1): ${made[*]}" >> test/golden/VERSIONS.txt
else
  {
    echo "kernel $(uname -r) $(uname -m)"
    bpftool version | head -2
    clang --version | head -1
  } > test/golden/VERSIONS.txt
fi
