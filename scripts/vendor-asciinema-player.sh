#!/usr/bin/env bash
# Vendors asciinema-player's minified bundle, stylesheet and licence into assets/web/, from the
# npm registry (run by hand when upgrading; nothing is downloaded at build or run time).
set -euo pipefail
version="${1:-3.18.0}"
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "asciinema-player@$version" >/dev/null && tar xzf asciinema-player-*.tgz)
install -m 0644 "$work/package/dist/bundle/asciinema-player.min.js" assets/web/
install -m 0644 "$work/package/dist/bundle/asciinema-player.css" assets/web/
install -m 0644 "$work/package/LICENSE" assets/web/asciinema-player.LICENSE
echo "asciinema-player $version vendored into assets/web/"
