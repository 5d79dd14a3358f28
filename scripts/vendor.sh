#!/usr/bin/env bash
# Fetch the pinned front-end assets from the npm registry into static/vendor/
# and record their checksums in static/vendor/CHECKSUMS. Run when upgrading.
set -euo pipefail
cd "$(dirname "$0")/.."
HTMX=2.0.11
BOOTSTRAP=5.3.9
ICONS=1.13.2
CHARTJS=4.6.1
out=static/vendor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
( cd "$tmp" && npm pack --silent "htmx.org@$HTMX" "bootstrap@$BOOTSTRAP" "bootstrap-icons@$ICONS" "chart.js@$CHARTJS" >/dev/null )
for t in "$tmp"/*.tgz; do mkdir -p "${t%.tgz}" && tar -xzf "$t" -C "${t%.tgz}"; done
rm -rf "$out" && mkdir -p "$out/bootstrap-icons-$ICONS/fonts"
cp "$tmp/htmx.org-$HTMX/package/dist/htmx.min.js" "$out/htmx-$HTMX.min.js"
cp "$tmp/bootstrap-$BOOTSTRAP/package/dist/css/bootstrap.min.css" "$out/bootstrap-$BOOTSTRAP.min.css"
cp "$tmp/bootstrap-$BOOTSTRAP/package/dist/js/bootstrap.bundle.min.js" "$out/bootstrap-$BOOTSTRAP.bundle.min.js"
cp "$tmp/bootstrap-icons-$ICONS/package/font/bootstrap-icons.min.css" "$out/bootstrap-icons-$ICONS/"
cp "$tmp/bootstrap-icons-$ICONS/package/font/fonts/"bootstrap-icons.woff* "$out/bootstrap-icons-$ICONS/fonts/"
cp "$tmp/chart.js-$CHARTJS/package/dist/chart.umd.min.js" "$out/chart-$CHARTJS.umd.min.js"
( cd "$out" && find . -type f ! -name CHECKSUMS | sort | xargs sha256sum > CHECKSUMS )
echo "vendored htmx $HTMX, bootstrap $BOOTSTRAP, bootstrap-icons $ICONS, chart.js $CHARTJS"
