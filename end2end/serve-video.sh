#!/usr/bin/env bash
# The video browser tests' servers, inside the test's network namespace (end2end/netns.sh): camsim
# (live ffmpeg encoding) and the built server on a fresh database, its cameras pointed at camsim.
set -euo pipefail
port="${E2E_PORT:-3211}"
db="ioc_map_e2e_video"
socket="/var/run/postgresql"
psql -q -h "$socket" -U postgres -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
target/debug/camsim --listen 127.0.0.1:8556 --control 127.0.0.1:8557 &
camsim=$!
trap 'kill $camsim 2>/dev/null || true' EXIT TERM INT
export DATABASE_URL="postgres://postgres@localhost/$db?host=$socket"
export LISTEN_ADDR="127.0.0.1:$port"
export LEPTOS_SITE_ROOT="target/site"
export IOC_CAMERA_RTSP_BASE="rtsp://127.0.0.1:8556"
export IOC_CAMERA_PROBE_SECS=0
export IOC_SIMULATE_VEHICLES=0
export IOC_FILES="target/e2e-video-files"
export IOC_DEMO_USERS=1
export IOC_ADMIN_PASSWORD="admin-e2e-password"
target/debug/server &
server=$!
trap 'kill $server $camsim 2>/dev/null || true' EXIT TERM INT
wait $server
