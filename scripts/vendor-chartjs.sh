#!/usr/bin/env bash
# Vendor Chart.js into the web desk's static files (run by a developer, not at install time).
#
# The desk is self-hosted and its users may have no internet, so the charting library is
# served from monitor/web/static/vendor/ and committed. This fetches the pinned version with
# `npm pack` (which checks the registry's integrity hash), copies the minified UMD build and
# the licence unchanged, and checks the file's sha256 against the one recorded in NOTICE.txt.
# To upgrade: change VERSION and SHA256 here and in NOTICE.txt, run, and look at the dashboard.
set -euo pipefail
VERSION=4.6.1
SHA256=87364cc2b2a76a6684929e7d6b80b18a897794db38400caff1fcf1791c6925d2
DEST="$(cd "$(dirname "$0")/.." && pwd)/monitor/web/static/vendor"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "chart.js@$VERSION" >/dev/null && tar xzf "chart.js-$VERSION.tgz")
echo "$SHA256  $work/package/dist/chart.umd.min.js" | sha256sum --check --quiet
mkdir -p "$DEST"
cp "$work/package/dist/chart.umd.min.js" "$DEST/chart.umd.min.js"
cp "$work/package/LICENSE.md" "$DEST/chart.js-LICENSE.txt"
echo "vendored Chart.js $VERSION into $DEST"
