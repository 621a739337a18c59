#!/usr/bin/env bash
# Builds the Debian package of vitrine: target/debian/vitrine_<version>-1_<arch>.deb
#
#   scripts/build-deb.sh                                        # this machine's architecture
#   scripts/build-deb.sh --target aarch64-unknown-linux-gnu     # Raspberry Pi 4/5 (arm64)
#   scripts/build-deb.sh --target armv7-unknown-linux-gnueabihf # older Pi OS (armhf)
#   scripts/build-deb.sh --profile ci                           # quicker build, for CI's checks
#
# --no-build packages the binary already built for that profile and target; --host-vitrine PATH
# names the vitrine (for this machine) that writes the man pages and completions, by default
# this machine's build of the same profile.
#
# Needs cargo-deb (`cargo install cargo-deb`); cross targets need `rustup target add TRIPLE`
# and Debian's gcc-aarch64-linux-gnu / gcc-arm-linux-gnueabihf (linkers: .cargo/config.toml).
# The man pages and shell completions are generated from the clap definition by a vitrine
# built for this machine, into target/deb-extra, which Cargo.toml's deb assets point at.
set -euo pipefail
cd "$(dirname "$0")/.."

target="" profile="release" build=yes host_vitrine=""
while [ $# -gt 0 ]; do
  case "$1" in
    --target) target="$2"; shift 2 ;;
    --profile) profile="$2"; shift 2 ;;
    --no-build) build=no; shift ;;
    --host-vitrine) host_vitrine="$2"; shift 2 ;;
    *) echo "usage: $0 [--target TRIPLE] [--profile NAME] [--no-build] [--host-vitrine PATH]" >&2; exit 2 ;;
  esac
done
command -v cargo-deb >/dev/null || { echo "build-deb: cargo-deb is missing: cargo install cargo-deb" >&2; exit 1; }

target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
# Cargo names the dev profile's directory `debug`.
profile_dir="$profile"; [ "$profile" != dev ] || profile_dir=debug
if [ "$build" = yes ]; then
  [ -n "$host_vitrine" ] || cargo build --locked --profile "$profile" --bin vitrine
  [ -z "$target" ] || cargo build --locked --profile "$profile" --bin vitrine --target "$target"
fi
host_vitrine="${host_vitrine:-$target_dir/$profile_dir/vitrine}"
[ -x "$host_vitrine" ] || { echo "build-deb: no $host_vitrine: build it first" >&2; exit 1; }

extra=target/deb-extra
rm -rf "$extra" && mkdir -p "$extra/man"
"$host_vitrine" completions bash > "$extra/vitrine.bash"
"$host_vitrine" completions zsh > "$extra/_vitrine"
"$host_vitrine" completions fish > "$extra/vitrine.fish"
"$host_vitrine" man --dir "$extra/man"
# Debian ships man pages gzipped; -n keeps the archive byte-identical between builds.
gzip -9n "$extra"/man/*.1

# --strip: debug info never goes into the package, whatever the profile keeps.
args=(--locked --profile "$profile" --no-build --strip)
strip_env=()
if [ -n "$target" ]; then
  args+=(--target "$target")
  # cargo-deb strips the binary itself: with the target's binutils, not this machine's.
  case "$target" in
    aarch64-unknown-linux-gnu) cross=aarch64-linux-gnu ;;
    armv7-unknown-linux-gnueabihf) cross=arm-linux-gnueabihf ;;
    *) cross="" ;;
  esac
  [ -z "$cross" ] || strip_env=("STRIP_$cross=$cross-strip" "OBJCOPY_$cross=$cross-objcopy")
fi
env "${strip_env[@]}" cargo deb "${args[@]}"
