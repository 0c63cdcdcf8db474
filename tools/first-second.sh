#!/usr/bin/env bash
# The first second on the release site (issue #12): builds it (`cargo leptos build --release
# --split`: ~9 minutes the first time on two cores, ~3 after a change), then runs the browser test
# end2end/tests/first-second.spec.mjs against the release server on a fresh database. It prints,
# for the public map and /ops, the time from navigation to usable over FIRST_SECOND_LOADS loads
# (10) with an empty cache and with a warm one (median and worst), and what /, /ops and /planner
# download by kind (bytes sent, compressed, and plain). Then the sizes of the wasm files on disk.
#   tools/first-second.sh            # build, then measure
#   NO_BUILD=1 tools/first-second.sh # measure the release build already there
# The release build replaces the debug site in target/site: `make site` puts that back.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH" LEPTOS_OUTPUT_NAME=ioc-map SQLX_OFFLINE=true
if [ -z "${NO_BUILD:-}" ]; then
  cargo leptos build --release --split
fi
# let the server precompress the site before the first timed load (it does so at start)
IOC_SERVER_BIN=target/release/server E2E_PORT="${E2E_PORT:-3211}" \
  npx playwright test --config end2end/playwright.config.mjs first-second
echo
echo "wasm files of the release site (bytes on disk; .br is what a browser that accepts brotli gets):"
for f in target/site/pkg/*.wasm; do
  printf "  %-70s %9s %9s\n" "$(basename "$f")" "$(stat -c %s "$f")" "$(stat -c %s "$f.br" 2>/dev/null || echo -)"
done
