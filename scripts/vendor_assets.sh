#!/usr/bin/env bash
# Install front-end assets from the npm registry and copy what the pages use into static/vendor/.
# Nothing is ever loaded from a CDN: customers run on intranets.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules/@tabler/core ] || [ package.json -nt node_modules/.package-lock.json ]; then
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
fi
dest=static/vendor
rm -rf "$dest.tmp" && mkdir -p "$dest.tmp/tabler/css" "$dest.tmp/tabler/js" "$dest.tmp/htmx" "$dest.tmp/echarts"
cp node_modules/@tabler/core/dist/css/tabler.min.css node_modules/@tabler/core/dist/css/tabler.min.css.map "$dest.tmp/tabler/css/"
cp node_modules/@tabler/core/dist/js/tabler.min.js node_modules/@tabler/core/dist/js/tabler.min.js.map "$dest.tmp/tabler/js/"
cp node_modules/htmx.org/dist/htmx.min.js "$dest.tmp/htmx/"
cp node_modules/echarts/dist/echarts.min.js "$dest.tmp/echarts/"
rm -rf "$dest" && mv "$dest.tmp" "$dest"
echo "front-end assets installed into $dest"
