# Gantry — two commands on a fresh Debian 12 machine: `make run` and `make test`.
# Both depend on `make setup`, which is idempotent: it installs only missing Debian packages,
# builds the stack once (.stack/) and brings the release binaries up to date.

SWIFT ?= swift
DATA_DIR ?= ./.gantry
HTTP_HOST ?= 127.0.0.1
HTTP_PORT ?= 8080
SSH_PORT ?= 2222

# Debian packages Gantry needs: the C libraries it links (libgit2, SQLite, libcurl, zlib), git for
# the tests and benchmarks, python3 for the benchmarks' helpers, debootstrap for the stack
# (stack/build), runc to run build, test and app containers, containernetworking-plugins (the CNI
# bridge, host-local, firewall and loopback plugins), iptables and iproute2 to give each container
# a network namespace of its own, busybox-static for the runtime's
# tests, skopeo and umoci to check the OCI images Gantry writes, openssh-client (ssh, ssh-keygen)
# for the SSH push tests and bench/doors, tmux to drive `gantry history` in a real terminal in
# the end-to-end tests.
APT_PACKAGES := libgit2-dev libsqlite3-dev libcurl4-openssl-dev zlib1g-dev pkg-config git ca-certificates curl python3 busybox-static runc containernetworking-plugins iptables iproute2 debootstrap skopeo umoci openssh-client tmux dumb-init
# The Swarm runtime's engine and registry (issue 18): Debian's dockerd 20.10 and registry 2.8 (skopeo is above).
APT_PACKAGES += docker.io docker-registry

.PHONY: setup packages test-packages k8s-venv bench-packages stack build run test bench bench-doors fuzz clean

# The stack (debootstrap: mostly downloads and disk) and the release build (CPU) at once: on a
# fresh 2-core machine the stack's minutes then hide inside the build's.
setup: packages
	@$(MAKE) --no-print-directory -j2 stack build

# Only what is missing is installed (apt-get update first); nothing when all are present.
install_missing = missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "==> installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "==> Debian packages present"; fi

# What only `make test` needs: pebble (and pebble-challtestsrv), the ACME test CA that
# GantryACMETests and the end-to-end ACME tests run against; python3-venv for k8s-venv; apache2-utils' htpasswd for the registry's basic auth in tests.
TEST_PACKAGES := pebble python3-venv apache2-utils

# What only `make bench` needs: wrk and nginx, the load generator and the peer of bench/router
# and bench/tls; openssl makes bench/tls's certificate and checks session resumption.
BENCH_PACKAGES := wrk nginx-light openssl

packages:
	@$(call install_missing,$(APT_PACKAGES))
	@command -v $(SWIFT) >/dev/null || { echo "swift not found: install the Swift 6 toolchain (swift.org) and put it on PATH" >&2; exit 1; }

# The stack every build and app runs on: a debootstrapped Debian bookworm in .stack/ (rootfs/,
# layer.tar, stack.json). Idempotent: "stack up to date" in milliseconds once built.
stack:
	@SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO stack/build

build:
	$(SWIFT) build -c release
	@echo "==> binaries in .build/release/: gantryd gantry"

run: setup
	.build/release/gantryd --data-dir $(DATA_DIR) --http-host $(HTTP_HOST) --http-port $(HTTP_PORT) --ssh-port $(SSH_PORT)

# Three passes on 2 cores, so that no timing-sensitive unit test (the router's, the health
# checker's, receive-pack's keepalives) shares the machine with what loads it: the unit tests,
# then the end-to-end tests (each drives its own gantryd, git and runc containers), then — one
# at a time — the suites that load the machine on purpose: thousands of idle connections, a
# minute of build output, 100,000 hard links, packs that would inflate to gigabytes, a 100 MB
# command section, 50 MB bodies each way through the router (StreamingTests measures this
# process's resident memory, which only means something with no other test running), a hostile app's
# fork bomb and packet capture, a hundred deploys counting the host's network namespaces and rules,
# a data directory on a loop-mounted ext4 filled to the last block (its stack copy is 700 MB),
# 20,000 fuzzed inputs through each of 15 parsers (some 30 s).
LOAD_TESTS := BoundsTests|HostilePushTests|HostileWebhookTests|StreamingTests|HostilePackTests|HostileLayerTests|EndlessOutputTests|HostileAppTests|NetworkLeakTests|DiskFullTests|FuzzFastPathTests

# The Docker Engine client against a real single-node Swarm: scripts/docker-engine starts Debian's
# dockerd under .build/engine (data root, exec root, socket), runs the suite with DOCKER_HOST set,
# then stops it and restores the host (iptables, ip_forward, /etc/docker/key.json, /run/docker,
# docker0, docker_gwbridge) even when a test fails; where no dockerd can start, the suite says why it skips.
# SwarmDeployTests: gantryd --runtime swarm end to end (with Debian's docker-registry); then
# PlainEngineTests on an engine started outside any Swarm (SWARM=no).
ENGINE_TESTS := GantrySwarmTests|SwarmDeployTests

# End-to-end tests run at most E2E_WIDTH at a time: each starts a gantryd with builds and
# containers, and all 78 at once on two cores kept the load at 40 and the CPU pressure at 90%
# for minutes — pushes outlived git's 120 s, shutdowns their 20 s (measured with PSI). Six at a
# time: load 12, and the pass is faster (105 s against 110–245 s).
E2E_WIDTH ?= 6

# Unit tests run at most UNIT_WIDTH at a time. Unbounded, all ~900 start at once on the two
# threads of Swift's cooperative pool, and a test waits behind hundreds of others after each
# `await`: a CA stub's 1 s timeout came back after 21 s in CI (5.6 s on a quiet machine), so
# every bound a test puts on its own duration was a matter of luck. Eight at a time: 1.0 s, and
# the pass takes as long (49–55 s against 47–60 s).
UNIT_WIDTH ?= 8

# The tests run against the release build `make setup` made: Package.swift compiles Gantry's
# targets for testing (`-enable-testing`), so `--build-tests` adds the test targets and compiles
# nothing twice. (`swift test` alone would pass `-enable-testing` once more and rebuild every
# module.) The end-to-end tests start the `gantryd` beside them: .build/release/gantryd.
# Last, the short variant of bench/crash: gantryd (the release build) killed 5 times while it
# deploys, each restart checked for lost releases, inconsistencies and orphans.
TEST := $(SWIFT) test -c release --skip-build

test: setup test-packages k8s-venv
	$(SWIFT) build -c release --build-tests
	$(TEST) --skip 'EndToEndTests|$(ENGINE_TESTS)|$(LOAD_TESTS)' --experimental-maximum-parallelization-width $(UNIT_WIDTH)
	$(TEST) --filter EndToEndTests --skip '$(LOAD_TESTS)|$(ENGINE_TESTS)' --experimental-maximum-parallelization-width $(E2E_WIDTH)
	scripts/docker-engine run $(CURDIR)/.build/engine -- $(TEST) --filter '$(ENGINE_TESTS)'
	SWARM=no GANTRY_PLAIN_ENGINE=1 scripts/docker-engine run $(CURDIR)/.build/engine -- $(TEST) --filter PlainEngineTests
	$(TEST) --no-parallel --filter '$(LOAD_TESTS)'
	bench/crash --kills 5

test-packages:
	@$(call install_missing,$(TEST_PACKAGES))

# The Python environment of the Kubernetes manifests' validator (Tests/Support/k8s/validate.py,
# run by GantryKubernetesTests): PyPI's `kubernetes` client and PyYAML, installed once.
K8S_VENV := .build/k8s-venv

k8s-venv:
	@if $(K8S_VENV)/bin/python3 -c 'import kubernetes, yaml' 2>/dev/null; then echo "==> $(K8S_VENV) present"; else \
	  echo "==> creating $(K8S_VENV) (kubernetes and pyyaml from PyPI)"; \
	  python3 -m venv $(K8S_VENV) && $(K8S_VENV)/bin/pip install -q kubernetes pyyaml; fi

bench-packages:
	@$(call install_missing,$(BENCH_PACKAGES))

# bench/run runs every script of bench/: build, crash (100 kill -9), density (200 idle apps: what
# they cost Gantry), deploy, doors (SSH vs HTTP push), load (200 requests/s through the router
# while apps change), receive, router…
bench: setup bench-packages
	bench/run

# One benchmark alone: `make bench-doors`.
bench-doors: setup
	bench/doors

# Fuzzing (issue 12): every parser of untrusted bytes (pkt-lines, receive-pack, packs and their
# indexes, Procfile, app.json, release.yml, webhook payloads, the router's heads and bodies,
# config vars) under libFuzzer and AddressSanitizer for FUZZ_RUNS inputs each, then a table of
# runs, execs/s and coverage; a crash fails it and is saved for `gantry-fuzz TARGET FILE`.
# `make test` runs the same targets 20,000 times each without the sanitizer (GantryFuzzTests).
# Its own scratch path, so the normal build is untouched. Linked with lld: gold stops with an
# internal error once libFuzzer's driver is in the link. `FUZZ_TARGETS="pktline http-head"`
# runs some targets only.
FUZZ_RUNS ?= 1000000
FUZZ_TARGETS ?=
FUZZ_BUILD := .build/fuzz

fuzz: packages
	$(SWIFT) build -c release --product gantry-fuzz --scratch-path $(FUZZ_BUILD) \
	  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DGANTRY_FUZZ -Xswiftc -use-ld=lld
	FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_WORK=$(FUZZ_BUILD)/work fuzz/run $(FUZZ_BUILD)/release/gantry-fuzz $(FUZZ_TARGETS)

clean:
	rm -rf .build
