#!/usr/bin/env bash
# Packaging and cross-architecture checks, run by .ci/run after the tests. Runs as root
# (debootstrap and chroot need it) on Debian 12 with what .ci/setup installs (debootstrap, the
# Raspberry Pi cross toolchains, qemu-user, the rustup ARM targets, cargo-deb).
#
#  1. the x86-64 .deb (scripts/build-deb.sh), installed into a clean Debian 12 root made by
#     debootstrap: vitrine runs from it, every file is where Debian puts it, the kiosk user
#     exists, and removing the package keeps the config;
#  2. aarch64 and armv7 builds and .debs (the same files as the x86-64 one, for the right
#     machine), whose recordings of every effect and style under qemu-user must equal the
#     x86-64 ones byte for byte (scripts/cross-record.sh);
#  3. the README gallery script still runs (`--check`: one effect, one second, and its stills;
#     the pictures are not compared).
#
# Each architecture is compiled once, in one cargo run with the `ci` profile (the dev
# profile's code generation without debug info: the quickest build cargo-deb accepts), and that
# one binary is both packaged and recorded. Releases are built by scripts/build-deb.sh with the
# release profile; what CI checks here is the packaging, and that every architecture draws the
# same frames, which no optimisation level may change.
# Each step prints how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

fail() { echo "ci-package: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "run as root: debootstrap and chroot need it"

targets=(x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu armv7-unknown-linux-gnueabihf)
metadata="$(cargo metadata --format-version 1 --no-deps)"
field() { python3 -c "import json,sys; m = json.load(sys.stdin); print($1)" <<<"$metadata"; }
version="$(field 'next(p["version"] for p in m["packages"] if p["name"] == "vitrine")')"
target_dir="$(field 'm["target_directory"]')"
built() { echo "$target_dir/$1/ci/vitrine"; } # TRIPLE: the binary built for it
x86_vitrine="$(built x86_64-unknown-linux-gnu)"
work="$(mktemp -d /tmp/vitrine-ci.XXXXXX)"
root="$work/debian12"
debootstrap_pid=""
cleanup() {
  [ -z "$debootstrap_pid" ] || kill "$debootstrap_pid" 2>/dev/null || true
  # Never leave a mount behind in the chroot, then drop the scratch directory.
  for mount in "$root/dev/pts" "$root/proc"; do
    if mountpoint -q "$mount" 2>/dev/null; then umount "$mount"; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

step_name="" step_started=0 step_cpu=0
cpu_seconds() { # CPU time (user + system) of the commands this script ran and waited for
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($16 + $17) / hz }' "/proc/$$/stat"
}
step() { # NAME: ends the previous step's timer, starts this one
  local cpu; cpu=$(cpu_seconds)
  [ -z "$step_name" ] ||
    echo "-- $step_name: $((SECONDS - step_started)) s ($((cpu - step_cpu)) CPU s)"
  step_name="$1" step_started=$SECONDS step_cpu=$cpu
  [ "$1" = done ] || echo "== package: $1"
}

# The clean root is mostly download time: it is made while the ARM builds compile.
step "debootstrap a clean Debian 12 (minbase) in the background"
debootstrap --variant=minbase bookworm "$root" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" \
  >"$work/debootstrap.log" 2>&1 &
debootstrap_pid=$!

step "x86-64, aarch64 and armv7 builds (profile ci) and .debs"
cargo build --locked --profile ci --bin vitrine "${targets[@]/#/--target=}"
for target in "${targets[@]}"; do
  scripts/build-deb.sh --profile ci --target "$target" --no-build --host-vitrine "$x86_vitrine"
done
deb_amd64="target/debian/vitrine_${version}-1_amd64.deb"

step "the three .debs hold the same files, each for its machine"
# The ELF header's machine field (e_machine, offset 18) of /usr/bin/vitrine in a package.
elf_machine() {
  dpkg-deb --fsys-tarfile "$1" | tar -xO ./usr/bin/vitrine |
    python3 -c 'import sys; print(int.from_bytes(sys.stdin.buffer.read()[18:20], "little"))'
}
files() { dpkg-deb -c "$1" | awk '{ print $6 }' | sort; }
files "$deb_amd64" >"$work/amd64.files"
for arch_machine in amd64:62 arm64:183 armhf:40; do
  arch="${arch_machine%:*}" machine="${arch_machine#*:}"
  deb="target/debian/vitrine_${version}-1_${arch}.deb"
  [ -f "$deb" ] || fail "no $deb"
  echo "$deb:"
  dpkg-deb -I "$deb" | grep -E '^ (Package|Version|Architecture|Depends|Installed-Size):'
  [ "$(dpkg-deb -f "$deb" Architecture)" = "$arch" ] || fail "$deb is not for $arch"
  [ "$(elf_machine "$deb")" = "$machine" ] || fail "$deb's /usr/bin/vitrine is not an $arch binary"
  diff <(files "$deb") "$work/amd64.files" || fail "$deb holds other files than the amd64 package"
  dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/vitrine/kiosk.toml ||
    fail "$deb does not mark /etc/vitrine/kiosk.toml as a conffile"
done

step "wait for debootstrap"
wait "$debootstrap_pid" || { tail -n 20 "$work/debootstrap.log"; fail "debootstrap failed"; }
debootstrap_pid=""

step "install the x86-64 .deb into the clean root and run vitrine"
mount -t proc proc "$root/proc"
mount -t devpts devpts "$root/dev/pts"
cp "$deb_amd64" "$root/tmp/"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
in_root apt-get install -y -q "/tmp/$(basename "$deb_amd64")"
in_root vitrine --version | tee "$work/version"
grep -q "^vitrine $version (commit [0-9a-f]\{12\})$" "$work/version" &&
  grep -q "^fonts: .*Hangul: 2350 syllables" "$work/version" && grep -q "^serve: SSH" "$work/version" ||
  fail "vitrine --version does not name the version, commit and what is built in"
in_root vitrine record -e defrag --seconds 2 --format text --seed 1 >"$work/defrag.txt"
grep -q "Optimiz\|Analy" "$work/defrag.txt" || { cat "$work/defrag.txt"; fail "no defrag screen from the installed vitrine"; }
head -n 6 "$work/defrag.txt"
for path in \
  /usr/bin/vitrine \
  /usr/lib/systemd/system/vitrine.service \
  /etc/vitrine/kiosk.toml /etc/vitrine/messages.txt \
  /usr/share/man/man1/vitrine.1.gz /usr/share/man/man1/vitrine-record.1.gz \
  /usr/share/bash-completion/completions/vitrine \
  /usr/share/zsh/vendor-completions/_vitrine \
  /usr/share/fish/vendor_completions.d/vitrine.fish \
  /usr/share/doc/vitrine/copyright; do
  [ -s "$root$path" ] || fail "the package did not install $path"
done
in_root dpkg-query -W -f='${Conffiles}\n' vitrine | grep -q "/etc/vitrine/kiosk.toml" ||
  fail "/etc/vitrine/kiosk.toml is not a conffile"
grep -q "^ExecStart=.*vitrine --config /etc/vitrine/kiosk.toml" "$root/usr/lib/systemd/system/vitrine.service" ||
  fail "the unit does not start vitrine with the packaged config"
in_root id kiosk | grep -q "(tty)" || fail "postinst did not create the kiosk user in group tty"
zcat "$root/usr/share/man/man1/vitrine.1.gz" | grep -q '^\.TH vitrine 1' || fail "vitrine.1 is not a man page"
grep -q -- "--effect" "$root/usr/share/bash-completion/completions/vitrine" ||
  fail "the bash completion does not complete --effect"
# Removing the package stops the kiosk (the unit cannot run in a chroot: read the script).
grep -q "deb-systemd-invoke stop.*vitrine.service" "$root/var/lib/dpkg/info/vitrine.prerm" ||
  fail "the package's prerm does not stop vitrine.service on removal"
# The config the operator edited survives `apt remove` (only purge deletes it).
echo "# edited on site" >>"$root/etc/vitrine/kiosk.toml"
in_root apt-get remove -y -q vitrine
[ ! -e "$root/usr/bin/vitrine" ] || fail "apt remove left /usr/bin/vitrine"
grep -q "edited on site" "$root/etc/vitrine/kiosk.toml" || fail "apt remove lost the edited config"
echo "installed, ran, files in place, removed with the edited config kept"

step "recordings on x86-64, then on aarch64 and armv7 under qemu-user (side by side)"
scripts/cross-record.sh "$work/x86_64" "$x86_vitrine" >"$work/x86_64.cpu"
scripts/cross-record.sh "$work/aarch64" \
  qemu-aarch64 -L /usr/aarch64-linux-gnu "$(built aarch64-unknown-linux-gnu)" \
  >"$work/aarch64.cpu" 2>&1 &
aarch64_pid=$!
scripts/cross-record.sh "$work/armv7" \
  qemu-arm -L /usr/arm-linux-gnueabihf "$(built armv7-unknown-linux-gnueabihf)" \
  >"$work/armv7.cpu" 2>&1 &
armv7_pid=$!
wait "$aarch64_pid" || { cat "$work/aarch64.cpu"; fail "recording on aarch64 failed"; }
wait "$armv7_pid" || { cat "$work/armv7.cpu"; fail "recording on armv7 failed"; }
cpu() { sed -n 's/.* in \([0-9.]*\) CPU seconds/\1/p' "$work/$1.cpu"; }
cat "$work/x86_64.cpu"
for arch in aarch64 armv7; do
  diff -r -q "$work/x86_64" "$work/$arch" ||
    fail "$arch recordings differ from x86-64 (determinism across architectures)"
  echo "$arch under qemu-user: $(ls "$work/$arch" | wc -l) recordings identical to x86-64's;" \
    "$(python3 -c "print(f'{$(cpu $arch) / $(cpu x86_64):.1f}')")x its CPU time"
done

step "the gallery script still runs"
python3 scripts/gallery.py --vitrine "$x86_vitrine" --check
step done
