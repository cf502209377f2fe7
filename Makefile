# Gantry — two commands on a fresh Debian 12 machine: `make run` and `make test`.
# Both depend on `make setup`, which is idempotent: it installs only missing Debian packages
# and (re)builds the release binaries.

SWIFT ?= swift
DATA_DIR ?= ./.gantry
HTTP_HOST ?= 127.0.0.1
HTTP_PORT ?= 8080

# Debian packages Gantry needs: the C libraries it links (libgit2, SQLite, libcurl), git for
# the tests and benchmarks, python3 for the benchmark's reference server.
APT_PACKAGES := libgit2-dev libsqlite3-dev libcurl4-openssl-dev pkg-config git ca-certificates python3 busybox-static runc

.PHONY: setup packages build run test bench clean

setup: packages build

packages:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "==> installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "==> Debian packages present"; fi
	@command -v $(SWIFT) >/dev/null || { echo "swift not found: install the Swift 6 toolchain (swift.org) and put it on PATH" >&2; exit 1; }

build:
	$(SWIFT) build -c release
	@echo "==> binaries in .build/release/: gantryd gantry"

run: setup
	.build/release/gantryd --data-dir $(DATA_DIR) --http-host $(HTTP_HOST) --http-port $(HTTP_PORT)

test: setup
	$(SWIFT) test

bench: setup
	bench/run

clean:
	rm -rf .build
