#!/usr/bin/env bash
# What a browser downloads to open the public map, /ops and /planner (issue #12): each file the
# page loads, plain and as sent with brotli and with gzip, and the time to fetch it on loopback.
# Runs against a server already serving (default http://127.0.0.1:3000, as `make run` starts it):
#   tools/page-weight.sh [base URL]
# Site files are compressed once at the server's start (server/src/precompress.rs); until that is
# done (a few seconds after a build) they are compressed per request, and slower.
set -euo pipefail
base="${1:-http://127.0.0.1:3000}"
files=(/ /pkg/ioc-map.js /pkg/ioc-map.wasm /pkg/ioc-map.css /maplibre/maplibre-gl.js /maplibre/maplibre-gl.css)
printf "%-28s %12s %12s %12s %10s\n" "file" "plain B" "brotli B" "gzip B" "br time"
total=(0 0 0)
for f in "${files[@]}"; do
  plain=$(curl -s -o /dev/null -w "%{size_download}" "$base$f")
  read -r br t < <(curl -s -H "Accept-Encoding: br" -o /dev/null -w "%{size_download} %{time_total}\n" "$base$f")
  gz=$(curl -s -H "Accept-Encoding: gzip" -o /dev/null -w "%{size_download}" "$base$f")
  printf "%-28s %12s %12s %12s %9ss\n" "$f" "$plain" "$br" "$gz" "$t"
  total=($((total[0] + plain)) $((total[1] + br)) $((total[2] + gz)))
done
printf "%-28s %12s %12s %12s\n" "the map page, in all" "${total[0]}" "${total[1]}" "${total[2]}"
echo "(/ops and /planner load the same files: one wasm for every page today)"
