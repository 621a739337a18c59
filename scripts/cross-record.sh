#!/usr/bin/env bash
# Records every effect and style with a fixed seed into OUTDIR (one file per case), then
# prints the CPU seconds the recordings took. Run it with the x86-64 build and with an ARM
# build under qemu-user, then compare the directories: vitrine is deterministic across
# architectures when the files are byte-identical.
#
#   scripts/cross-record.sh OUTDIR target/ci/vitrine
#   scripts/cross-record.sh OUTDIR qemu-aarch64 -L /usr/aarch64-linux-gnu target/aarch64-unknown-linux-gnu/ci/vitrine
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 OUTDIR VITRINE-COMMAND..." >&2; exit 2; }
out="$1"; shift
vitrine=("$@")
mkdir -p "$out"
seconds="${CROSS_RECORD_SECONDS:-5}"
record=(record --seed 7 --size 80x24 --seconds "$seconds")

# Every effect in each of its styles, as `vitrine list` names them:
#   water      the message seen through moving water...
#              styles: turbulence, ripple, sway, focus, caustics (default turbulence)
cases=0
while read -r effect styles; do
  for style in ${styles//,/ }; do
    "${vitrine[@]}" "${record[@]}" -e "$effect" --style "$style" -o "$out/$effect-$style.cast"
    cases=$((cases + 1))
  done
  # Reduced colours run the colour pass (palette matching in OKLab, dithering), and Korean
  # text the wide-glyph paths.
  for depth in 256 16; do
    "${vitrine[@]}" "${record[@]}" -e "$effect" --color "$depth" -m "환영합니다 Welcome" \
      -o "$out/$effect-$depth-colours-korean.cast"
    cases=$((cases + 1))
  done
done < <("${vitrine[@]}" list | awk '/^[a-z]/ { name = $1 } /^ +styles: / { sub(/^ +styles: /, ""); sub(/ \(default.*/, ""); print name, $0 }')
[ "$cases" -gt 0 ] || { echo "cross-record: vitrine list named no styles" >&2; exit 1; }
# A playlist: transitions between effects, the clock and ticker overlays.
"${vitrine[@]}" "${record[@]}" -d 1500ms --transition-time 500ms --ticker -m "Welcome" \
  -o "$out/playlist.cast"
cases=$((cases + 1))

# CPU time of everything this script ran (its children's user + system time).
cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($16 + $17) / hz }' "/proc/$$/stat")
echo "cross-record: $cases recordings of ${seconds}s in $cpu CPU seconds"
