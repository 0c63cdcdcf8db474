# ioc-map: the two commands a newcomer needs are `make run` and `make test`.
# Each installs or starts whatever is missing (Rust wasm target, cargo-leptos, wasm-bindgen CLI,
# PostgreSQL + PostGIS, Chromium, GDAL, npm packages), then does its job. Nothing is downloaded from
# outside the package registries (crates.io, npm, Debian).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CARGO_LEPTOS_VERSION := 0.3.10
# cargo-leptos must find a wasm-bindgen CLI of exactly the version in Cargo.lock, or it downloads one.
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock)

# Compile-time setting read by Leptos; the same value for every cargo command avoids rebuilds.
export LEPTOS_OUTPUT_NAME := ioc-map
# sqlx checks queries against the committed .sqlx/ data, not a database (see .cargo/config.toml).
export SQLX_OFFLINE := true
export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ioc_map
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)

# gdal-bin reads the Shapefiles and GeoPackages admins import (issue #13)
APT_RUN_PACKAGES := postgresql postgresql-contrib ffmpeg fonts-dejavu-core gdal-bin
# proj-bin's cs2cs gives the reference coordinates the import tests check against
APT_TEST_PACKAGES := chromium proj-bin nats-server haproxy python3-venv python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base \
	gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-rtsp iproute2 util-linux

.PHONY: help run run-release test deps-run deps-test apt-run apt-test rust-tools npm-deps postgres nats site api-check e2e lint unit

help:
	@echo "make run   - install what is missing, start PostgreSQL, build and serve http://127.0.0.1:3000"
	@echo "make test  - install what is missing, then fmt, clippy, unit + integration tests, browser tests"
	@echo "make run-release - make run with the release build (small wasm, optimised server)"

run: deps-run
	@echo "Sign in at http://127.0.0.1:3000/signin as operator / operator-demo-2026 or planner / planner-demo-2026."
	@echo "The admin password is IOC_ADMIN_PASSWORD, or (first start only) the generated one the server logs."
	@echo "Camera simulator (camsim) on rtsp://127.0.0.1:8554/cam-NNNN, control on http://127.0.0.1:8555."
	cargo build -p camsim
	target/debug/camsim & camsim=$$!; trap 'kill $$camsim 2>/dev/null' EXIT; \
	  IOC_DEMO_USERS=1 cargo leptos serve --split

# The same with the release site: the optimised server and a size-optimised wasm (wasm-opt), as a
# deployment serves it; the first build takes ~15 minutes on two cores (issue #12).
run-release: deps-run
	cargo build -p camsim
	target/debug/camsim & camsim=$$!; trap 'kill $$camsim 2>/dev/null' EXIT; \
	  IOC_DEMO_USERS=1 cargo leptos serve --release --split

test: deps-test
	cargo fmt --all -- --check
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory site
	$(MAKE) --no-print-directory api-check
	$(MAKE) --no-print-directory e2e

# Import cycles between the top-level modules of the server or the app fail the build (see
# docs/design/architecture.md); then clippy on every crate.
lint:
	python3 tools/import-cycles.py --self-test
	python3 tools/import-cycles.py server/src app/src
	cargo clippy -p server -p app -p camsim -p loadgen --all-targets -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

# Unit tests and integration tests against a fresh PostGIS database (created by the tests).
unit:
	cargo test -p app -p server -p camsim -p loadgen

site:
	cargo leptos build --split

# The running API against its own OpenAPI document (/api/openapi.json), once per role (anonymous,
# operator, planner, admin), with schemathesis from PyPI in a venv under target/: no 5xx, every answer
# as documented, and each role reaches a 2xx on every operation it may use (tools/api-check.py).
SCHEMATHESIS_VERSION := 4.32.5
SCHEMATHESIS := target/schemathesis-venv/bin/schemathesis
api-check: $(SCHEMATHESIS)
	cargo build -p server --bin server
	python3 tools/api-check.py --venv target/schemathesis-venv

$(SCHEMATHESIS):
	python3 -m venv target/schemathesis-venv
	target/schemathesis-venv/bin/pip install -q --disable-pip-version-check schemathesis==$(SCHEMATHESIS_VERSION)

# An S3-compatible server (moto's, from PyPI, in a venv under target/) for the cluster suite's file
# store: the two nodes behind HAProxy save and read files through it, as a cluster on several
# machines does through S3 or MinIO. The suite starts and stops it on a port of its own.
MOTO_VERSION := 5.2.5
MOTO_SERVER := target/moto-venv/bin/moto_server
$(MOTO_SERVER):
	python3 -m venv target/moto-venv
	target/moto-venv/bin/pip install -q --disable-pip-version-check moto[s3]==$(MOTO_VERSION) flask==3.1.3 flask-cors==6.0.5

# Browser tests: Debian Chromium driven by Playwright against the built site and a fresh database.
e2e:
	npx playwright test --config end2end/playwright.config.mjs
	cargo build -p camsim
	unshare -n bash end2end/netns.sh npx playwright test --config end2end/video.config.mjs

deps-run: apt-run rust-tools npm-deps postgres
deps-test: apt-run apt-test rust-tools npm-deps postgres nats $(MOTO_SERVER)

# PostgreSQL from Debian and the PostGIS package matching the server's major version.
apt-run:
	@missing=""; \
	for p in $(APT_RUN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing$$missing"; apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi; \
	pgver=$$(ls /usr/lib/postgresql | sort -n | tail -1); \
	if ! dpkg -s postgresql-$$pgver-postgis-3 >/dev/null 2>&1; then \
	  echo "installing postgresql-$$pgver-postgis-3"; apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-$$pgver-postgis-3; fi

apt-test:
	@missing=""; \
	for p in $(APT_TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing$$missing"; apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

rust-tools:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@if [ "$$(cargo leptos --version 2>/dev/null | awk '{print $$2}')" != "$(CARGO_LEPTOS_VERSION)" ]; then \
	  echo "installing cargo-leptos $(CARGO_LEPTOS_VERSION) (debug build: a build tool, ~7 min instead of ~24)"; \
	  cargo install cargo-leptos --version $(CARGO_LEPTOS_VERSION) --locked --debug; fi
	@if [ "$$(wasm-bindgen --version 2>/dev/null | awk '{print $$2}')" != "$(WASM_BINDGEN_VERSION)" ]; then \
	  echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION)"; \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION); fi

# npm packages from the lock file; MapLibre GL JS is copied into the site's assets (never a CDN).
npm-deps:
	@if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund; fi
	@mkdir -p public/maplibre
	@cp -u node_modules/maplibre-gl/dist/maplibre-gl.js node_modules/maplibre-gl/dist/maplibre-gl.css \
	  node_modules/maplibre-gl/LICENSE.txt public/maplibre/

# Starts the local PostgreSQL cluster if it is stopped and waits until it accepts connections.
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
	  ver=$$(ls /etc/postgresql | sort -n | tail -1); \
	  pg_ctlcluster --skip-systemctl-redirect $$ver main start; }
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; \
	  echo "PostgreSQL did not start on 127.0.0.1:5432"; exit 1

# NATS with JetStream on 127.0.0.1:4222, for the tests of the event bus between nodes (the server
# itself needs it only when IOC_NATS_URL is set). Started in the background if nothing listens there.
nats:
	@if ! (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; then \
	  echo "starting nats-server with JetStream on 127.0.0.1:4222"; mkdir -p target/nats; \
	  setsid nohup nats-server -js -a 127.0.0.1 -p 4222 -sd target/nats >target/nats/server.log 2>&1 & \
	  for i in $$(seq 1 30); do (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null && exit 0; sleep 0.2; done; \
	  echo "nats-server did not start on 127.0.0.1:4222 (see target/nats/server.log)"; exit 1; fi
