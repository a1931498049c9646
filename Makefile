# plugin-sandbox: the README's two commands are `make run` and `make test`.
# Every target installs the Debian packages it needs (idempotent, quiet when present).

SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD_TYPE ?= RelWithDebInfo
CMAKE_GEN := -G Ninja
# ccache keyed on paths relative to the checkout: a fresh clone (CI) or a worktree reuses objects.
CCACHE := -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

DEB_PACKAGES := cmake ninja-build g++ pkg-config libcpprest-dev libyaml-cpp-dev nlohmann-json3-dev \
  libvalijson-dev libssl-dev openssl libboost-dev libboost-system-dev libgtest-dev libgmock-dev \
  libseccomp-dev prometheus-cpp-dev libcli11-dev libbenchmark-dev python3 bubblewrap curl util-linux \
  podman runc debootstrap ccache libsodium-dev
FUZZ_PACKAGES := clang libclang-rt-14-dev
# clang's -Wthread-safety checks the GUARDED_BY/REQUIRES annotations (core/annotated_mutex.h).
THREAD_SAFETY_PACKAGES := clang
# The test node (tests/cluster/node.sh): CRI runtime, OCI runtime, CNI plugins, kube-proxy's and the
# NetworkPolicy agent's netfilter tools, and the forwarder into the node's network namespace.
NODE_PACKAGES := containerd runc containernetworking-plugins iptables nftables conntrack ipset socat
# The cgroup v2 guest of tests/hosts (qemu, Debian's kernel, virtme-ng's initramfs needs busybox).
HOSTS_PACKAGES := qemu-system-x86 linux-image-amd64 busybox-static python3-venv
# The container tests' Docker half starts a daemon of its own (tests/container/docker_daemon.cc).
# Installed by `make test` only; a failed install does not stop `make test`: the Docker tests then
# fail saying docker.io is missing. (On a systemd host the package also enables the host's daemon.)
DOCKER_PACKAGES := docker.io
# `make cluster-up` brings the node up too (NODE=0: the control plane only).
NODE ?= 1

.PHONY: all deps build build-asan test unit-test thread-safety hosts-tools hosts-test run bench chaos fuzz fuzz-campaign sandbox-image images demo-cluster cluster-tools cluster-up cluster-down cluster-import-images format clean

all: build

# Installs only what is missing; `apt-get update` runs at most once per call, and only when needed.
define apt_ensure
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

deps:
	$(call apt_ensure,$(DEB_PACKAGES))

build/build.ninja: | deps
	cmake -S . -B build $(CMAKE_GEN) $(CCACHE) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null

build: deps build/build.ninja
	cmake --build build -j $(JOBS)

# Unit tests under AddressSanitizer and UBSan, in their own tree.
build/asan/build.ninja: | deps
	cmake -S . -B build/asan $(CMAKE_GEN) $(CCACHE) -DCMAKE_BUILD_TYPE=Debug -DPS_SANITIZE=ON -DPS_UNIT_ONLY=ON >/dev/null

build-asan: deps build/asan/build.ninja
	cmake --build build/asan -j $(JOBS)

unit-test: build-asan
	cd build/asan && ctest --output-on-failure -j $(JOBS)

# clang -Wthread-safety -Werror=thread-safety over the sources that use the annotated mutex, after
# proving it rejects an unguarded write (tests/thread_safety/check.sh).
thread-safety: deps
	$(call apt_ensure,$(THREAD_SAFETY_PACKAGES))
	JOBS=$(JOBS) tests/thread_safety/check.sh

test: thread-safety build build-asan cluster-tools images hosts-tools
	-$(call apt_ensure,$(DOCKER_PACKAGES))
	cd build/asan && ctest --output-on-failure -j $(JOBS)
	cd build && ctest --output-on-failure

# qemu, a Debian kernel and virtme-ng (PyPI, in a venv cached under ~/.cache/plugin-sandbox).
hosts-tools: deps
	$(call apt_ensure,$(HOSTS_PACKAGES))
	@. tests/hosts/guest_tools.sh && guest_install_venv

# The sandbox and hostile tests in a cgroup v2 guest (part of `make test`); FULL=1: the whole suite.
hosts-test: build hosts-tools
	@tests/hosts/guest_suite.sh build

run: build
	@tests/run-demo.sh

# The distribution plots (build/bench/*.png) are drawn with matplotlib.
BENCH_PACKAGES := python3-matplotlib

bench: build
	$(call apt_ensure,$(BENCH_PACKAGES))
	@tests/bench/run.sh

# Faults under ~300 PluginRuns in flight, a fault x invariant table; exit 1 when an invariant fails
# (tests/chaos/chaos.sh; SHORT=1 for the 40-run version `make test` runs as ctest chaos_short).
chaos: deps build/build.ninja cluster-tools
	cmake --build build -j $(JOBS) --target chaos_run plugin-controller
	@tests/chaos/chaos.sh build

# The image the Pods and `pluginctl run --sandbox container` use, built with no registry.
sandbox-image: build
	@sandbox-image/build.sh build

# Both images, with no registry, and their archives build/images/{controller,sandbox}.tar
# (docker-archive: kind load image-archive, ctr images import, docker load, minikube image load).
# Needs only the two binaries they hold.
images: deps build/build.ninja
	cmake --build build -j $(JOBS) --target plugin-controller plugin-launcher
	@deploy/images/make-images.sh build

# The README's quickstart on the project's own node: load the archives, helm install, run the
# example PluginRun, kubectl wait, print its result.
demo-cluster: images cluster-tools
	@deploy/example/demo-cluster.sh

fuzz: deps
	$(call apt_ensure,$(FUZZ_PACKAGES))
	cmake -S . -B build/fuzz $(CMAKE_GEN) $(CCACHE) -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DPS_FUZZ=ON -DPS_UNIT_ONLY=ON -DBUILD_TESTING=OFF >/dev/null
	cmake --build build/fuzz -j $(JOBS) --target fuzz_targets
	@tests/fuzz/run.sh build/fuzz

# The long campaign (tests/fuzz/README.md): FUZZ_RUNS executions per target, one at a time, nice 19.
FUZZ_RUNS ?= 1000000
fuzz-campaign: fuzz
	@tests/fuzz/campaign.sh build/fuzz $(FUZZ_RUNS)

# Builds (once, cached outside the repo, keyed by version) the real control plane and node the
# integration tests use.
cluster-tools: deps
	$(call apt_ensure,$(NODE_PACKAGES))
	@tests/cluster/cluster.sh build

cluster-up: cluster-tools
	@NODE=$(NODE) tests/cluster/cluster.sh up

cluster-down:
	@tests/cluster/cluster.sh down

# build/images/*.tar (or ARCHIVES="a.tar b.tar") into the running node.
cluster-import-images:
	@tests/cluster/cluster.sh import-images $(ARCHIVES)

format:
	find controller tests -name '*.cc' -o -name '*.h' | xargs -r clang-format -i

clean:
	rm -rf build
