#!/usr/bin/env bash
# `vitrine serve --broadcast` under load: 1, 10, 100 and 1,000 viewers of one show at 100x30,
# 256 colours, each a light russh client (examples/serve_viewers.rs) counting frames; the server
# process's CPU and memory come from /proc. Figures go in BENCHMARKS.md.
#
#     scripts/bench-serve.sh [SECONDS] [VIEWER COUNTS...]
#
# The viewers ask for ciphers in OpenSSH's order, so they get what an OpenSSH user would (with
# --open on a CPU with AES instructions: AES-GCM). To measure ChaCha20-Poly1305:
# BENCH_SHOW="--ciphers chacha20-poly1305@openssh.com". BENCH_CIPHER=LIST changes what the
# viewers ask for. Needs about 2,100 file descriptors for 1,000
# viewers (the script raises its soft limit).
#
# BENCH_SERVER=PATH measures another server binary (say, main's) with the same client, for a
# before/after comparison in one run.
#
# On a machine busy with other work (other people's builds), the server and the client spend
# most of their time waiting for a core, which is not what is being measured: as root,
# `BENCH_NICE=-10 setsid scripts/bench-serve.sh ...` runs them in a session of their own whose
# scheduling group gets nice -10 (Linux autogroups), so they get the cores they ask for. CPU
# time used is measured either way.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
counts=("${@:-1 10 100 1000}")
# The show: the default playlist unless BENCH_SHOW says otherwise (e.g. "--effect water"); any
# other server flags go there too.
show=${BENCH_SHOW:-}
server_bin=${BENCH_SERVER:-./target/release/vitrine}
cargo build --release --quiet --bin vitrine --example serve_viewers
if [ -n "${BENCH_NICE:-}" ]; then
  echo "$BENCH_NICE" > "/proc/$$/autogroup" || echo "note: cannot set the autogroup's nice" >&2
fi
dir=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$dir"' EXIT
ulimit -n 8192 2>/dev/null || true
for n in ${counts[@]}; do
  "$server_bin" serve --open --listen 127.0.0.1:0 --host-key "$dir/host_key" \
    --max-sessions 1024 --max-startups 1000 --max-startups-per-address 1000 --rate-limit 0 \
    --seed 1 --log-level info $show 2>"$dir/log" &
  server=$!
  port=""
  for _ in $(seq 100); do
    port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\);.*/\1/p' "$dir/log")
    [ -n "$port" ] && break
    sleep 0.1
  done
  if [ -z "$port" ]; then echo "the server did not start:" >&2; cat "$dir/log" >&2; exit 1; fi
  uptime
  ./target/release/examples/serve_viewers "$port" "$n" "$seconds" 100x30 "$server"
  kill "$server"; wait "$server" 2>/dev/null || true
done
