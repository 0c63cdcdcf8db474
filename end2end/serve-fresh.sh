#!/usr/bin/env bash
# Starts the built server on a fresh database (dropped and recreated each run) for the browser tests.
set -euo pipefail
port="${E2E_PORT:-3210}"
db="ioc_map_e2e"
psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
export LISTEN_ADDR="127.0.0.1:$port"
export LEPTOS_SITE_ROOT="target/site"
# saved exports go to a directory of their own under target/
export IOC_FILES="target/e2e-files"
# the demo accounts (operator / planner) and a known admin password for the tests
# no camera simulator here: probing 1,132 unreachable cameras would only add noise
export IOC_CAMERA_PROBE_SECS=0
export IOC_DEMO_USERS=1
export IOC_ADMIN_PASSWORD="admin-e2e-password"
# tools/first-second.sh serves the release build the same way (IOC_SERVER_BIN=target/release/server)
exec "${IOC_SERVER_BIN:-target/debug/server}"
