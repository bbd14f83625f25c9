#!/usr/bin/env bash
# Refresh the bundled YASGUI query UI from the npm registry (the UI is served from these files,
# never from a CDN, so /sparql works offline). Usage: scripts/vendor-yasgui.sh [VERSION]
set -euo pipefail
version="${1:-4.2.28}"
target="$(dirname "$0")/../src/kzgraph/web/static/yasgui"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "@triply/yasgui@$version" >/dev/null && tar xzf ./*.tgz)
cp "$work"/package/build/yasgui.min.js "$work"/package/build/yasgui.min.css \
   "$work"/package/build/yasgui.min.js.LICENSE.txt "$target"/
echo "@triply/yasgui $version (MIT licence)" > "$target"/VERSION
