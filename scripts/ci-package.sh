#!/usr/bin/env bash
# Packaging and cross-architecture checks, meant for CI after the tests. Runs as root
# (debootstrap and chroot need it) on Debian 12 with, besides what .ci/setup installs:
#   apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-linux-gnueabihf \
#     libc6-dev-armhf-cross qemu-user debootstrap
#   rustup target add aarch64-unknown-linux-gnu armv7-unknown-linux-gnueabihf
#   cargo install --locked cargo-deb@3.8.0
#
#  1. the x86-64 .deb (scripts/build-deb.sh), installed into a clean Debian 12 root made by
#     debootstrap: vitrine runs from it, every file is where Debian puts it, the kiosk user
#     exists, and removing the package keeps the config;
#  2. aarch64 and armv7 builds and .debs, whose recordings of every effect and style under
#     qemu-user must equal the x86-64 ones byte for byte (scripts/cross-record.sh);
#  3. the README gallery script still runs (one effect, one second; the pictures are not
#     compared).
#
# The builds use the `ci` profile (release without LTO): the code is the same, the link is
# minutes shorter on 2 cores. Each step prints how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

profile=ci
version="$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "vitrine"))')"
work="$(mktemp -d /tmp/vitrine-ci.XXXXXX)"
root="$work/debian12"
cleanup() {
  # Never leave a mount behind in the chroot (its /proc), then drop the scratch directory.
  if mountpoint -q "$root/proc" 2>/dev/null; then umount "$root/proc"; fi
  rm -rf "$work"
}
trap cleanup EXIT

step_started=0 step_cpu=0
cpu_seconds() { # CPU time (user + system) of the commands this script ran and waited for
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($16 + $17) / hz }' "/proc/$$/stat"
}
step() { # NAME: ends the previous step's timer, starts this one
  local cpu; cpu=$(cpu_seconds)
  [ "$step_started" -eq 0 ] || echo "-- took $((SECONDS - step_started))s ($((cpu - step_cpu)) CPU seconds)"
  echo "== package: $1"
  step_started=$SECONDS step_cpu=$cpu
}
fail() { echo "ci-package: $*" >&2; exit 1; }

step "x86-64 .deb"
scripts/build-deb.sh --profile "$profile"
deb_amd64="target/debian/vitrine_${version}-1_amd64.deb"
[ -f "$deb_amd64" ] || fail "no $deb_amd64"
x86_vitrine="target/$profile/vitrine"

step "debootstrap a clean Debian 12 (minbase)"
debootstrap --variant=minbase bookworm "$root" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" \
  >"$work/debootstrap.log" 2>&1 || { tail -n 20 "$work/debootstrap.log"; fail "debootstrap failed"; }

step "install the .deb into it and run vitrine"
mount -t proc proc "$root/proc"
cp "$deb_amd64" "$root/tmp/"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
in_root apt-get install -y -q "/tmp/$(basename "$deb_amd64")"
in_root vitrine --version | tee "$work/version"
grep -q "^vitrine $version (commit [0-9a-f]\{12\}; features: " "$work/version" ||
  fail "vitrine --version does not name the version, commit and features"
in_root vitrine record -e defrag --seconds 2 --format text --seed 1 >"$work/defrag.txt"
grep -q "Optimiz\|Analy" "$work/defrag.txt" || { cat "$work/defrag.txt"; fail "no defrag screen from the installed vitrine"; }
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
# Removing the package stops the kiosk (the unit cannot run in a chroot: read the script).
grep -q "deb-systemd-invoke stop.*vitrine.service" "$root/var/lib/dpkg/info/vitrine.prerm" ||
  fail "the package's prerm does not stop vitrine.service on removal"
# The config the operator edited survives `apt remove` (only purge deletes it).
echo "# edited on site" >>"$root/etc/vitrine/kiosk.toml"
in_root apt-get remove -y -q vitrine
[ ! -e "$root/usr/bin/vitrine" ] || fail "apt remove left /usr/bin/vitrine"
grep -q "edited on site" "$root/etc/vitrine/kiosk.toml" || fail "apt remove lost the edited config"
umount "$root/proc"

for target in aarch64-unknown-linux-gnu armv7-unknown-linux-gnueabihf; do
  step "$target build and .deb"
  scripts/build-deb.sh --profile "$profile" --target "$target"
done
for arch in arm64 armhf; do
  deb="target/debian/vitrine_${version}-1_${arch}.deb"
  [ "$(dpkg-deb -f "$deb" Architecture)" = "$arch" ] || fail "$deb is not for $arch"
done

step "recordings on x86-64"
scripts/cross-record.sh "$work/x86_64" "$x86_vitrine" | tee "$work/x86_64.cpu"
for arch in aarch64 armv7; do
  step "recordings on $arch under qemu-user"
  case $arch in
    aarch64) run=(qemu-aarch64 -L /usr/aarch64-linux-gnu target/aarch64-unknown-linux-gnu/$profile/vitrine) ;;
    armv7) run=(qemu-arm -L /usr/arm-linux-gnueabihf target/armv7-unknown-linux-gnueabihf/$profile/vitrine) ;;
  esac
  scripts/cross-record.sh "$work/$arch" "${run[@]}" | tee "$work/$arch.cpu"
  diff -r -q "$work/x86_64" "$work/$arch" ||
    fail "$arch recordings differ from x86-64 (determinism across architectures)"
  cpu() { sed -n 's/.* in \([0-9.]*\) CPU seconds/\1/p' "$1"; }
  echo "$arch under qemu: $(python3 -c "print(f'{$(cpu "$work/$arch.cpu") / $(cpu "$work/x86_64.cpu"):.1f}')")x the x86-64 CPU time per frame; every recording identical"
done

step "the gallery script still runs"
python3 scripts/gallery.py --vitrine "$x86_vitrine" --out "$work/gallery" --effects glitch --seconds 1
step "done"
