#!/usr/bin/env bash
# ReplayWeb.page (the WACZ viewer prosecutors use) for the replay tests: its published npm tarball,
# unpacked into a cache folder (never committed). Only the package itself is needed: ui.js and sw.js
# are self-contained bundles. Idempotent; the folder can be chosen with FORENSICS_REPLAY_VIEWER.
set -euo pipefail
version="2.5.3"
target="${FORENSICS_REPLAY_VIEWER:-${XDG_CACHE_HOME:-$HOME/.cache}/forensics-toolkit/replaywebpage-$version}"
if [ -f "$target/package/ui.js" ] && [ -f "$target/package/sw.js" ]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    # Debian's nodejs (debian-packages.txt) comes without npm; a Node.js that bundles npm conflicts with
    # Debian's npm package, so it is installed here, only when missing.
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm
    else
        echo "replay viewer: npm is missing (Debian/Ubuntu: sudo apt-get install npm)" >&2
        exit 1
    fi
fi
mkdir -p "$target"
work="$(mktemp -d "$target/.download-XXXXXX")"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "replaywebpage@$version" >/dev/null)   # npm checks the registry's integrity hash
tar -xzf "$work/replaywebpage-$version.tgz" -C "$work"
rm -rf "$target/package"
mv "$work/package" "$target/package"
echo "replay viewer: ReplayWeb.page $version in $target/package"
