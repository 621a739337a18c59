#!/usr/bin/env bash
# End-to-end cost in a pseudo-terminal, side by side with cmatrix: CPU seconds, bytes written per
# second and peak memory for every effect at 80x24 and 200x60 at the default fps.
#
#   scripts/bench-pty.sh [SECONDS]        (default 20)
#
# Then: water at 200x60 under --max-rate 20 (KB/s), the bytes a paused screen writes, and water's
# bytes per changed cell against the shortest encoding (scripts/frame-stats.py, needs pyte).
#
# Needs python3 and ../shared/ptybench.py (or PTYBENCH=path); cmatrix is measured when installed
# (Debian: apt-get install cmatrix). Builds vitrine in release first.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
bench=${PTYBENCH:-../shared/ptybench.py}
cargo build --release --quiet
bin=target/release/vitrine
printf '%-22s %-8s %10s %8s %8s %9s\n' program size "bytes/s" "cpu_s" "cpu_%" "rss_kb"
run() {
  local label=$1 size=$2; shift 2
  python3 "$bench" --size "$size" --seconds "$seconds" -- "$@" | python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
label, size, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
cpu = 100 * r["cpu_s"] / secs
note = "" if r["restored"] else "  NOT RESTORED"
print("%-22s %-8s %10d %8.2f %7.2f%% %9d%s" % (label, size, r["bytes_per_s"], r["cpu_s"], cpu, r["maxrss_kb"], note))
' "$label" "$size" "$seconds"
}
for size in 80x24 200x60; do
  if command -v cmatrix >/dev/null; then run cmatrix "$size" cmatrix; fi
  for effect in glitch confetti water defrag; do
    run "vitrine $effect" "$size" "$bin" --effect "$effect" --seed 1
  done
done
run "vitrine water max-rate 20" 200x60 "$bin" --effect water --seed 1 --max-rate 20
echo
echo "paused (200x60, water, $seconds s after pressing space):"
python3 scripts/paused-bytes.py --size 200x60 --seconds "$seconds" -- "$bin" --effect water --seed 1
if python3 -c "import pyte" 2>/dev/null; then
  capture=$(mktemp)
  for size in 80x24 200x60; do
    python3 "$bench" --size "$size" --seconds 5 --save "$capture" -- "$bin" --effect water --seed 1 >/dev/null
    echo "water $size, 5 s: $(python3 scripts/frame-stats.py --size "$size" "$capture")"
  done
  rm -f "$capture"
fi
