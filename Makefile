# Front end for people: `make run` and `make test` work on a fresh Debian
# machine (they install what is missing first). The build itself is CMake + Ninja.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
PACKAGE_BUILD ?= build-package
FUZZ_SECONDS ?= 600
SOAK_MINUTES ?= 30
SOAK_JOBS  ?= 1000
CMAKE_FLAGS ?=
JOBS       ?= $(shell nproc)

.PHONY: all deps test-deps build run test test-asan bench fuzz soak package package-test clean

all: build

deps:
	@bash scripts/install-deps.sh

# Tools some tests drive (README, "For the tests only"): headless Chromium,
# promtool, node and npm (kept when the machine has them: Debian's npm pulls hundreds of packages), python3's jsonschema,
# ip and nft (the cluster partition test's network namespaces).
test-deps:
	@bash scripts/install-deps.sh chromium prometheus python3-jsonschema python3-yaml iproute2 nftables \
	  $$(command -v npm >/dev/null || echo nodejs npm)

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# The demo fleet on real ffmpeg, in the foreground; Ctrl-C stops it cleanly.
run: build
	@bash examples/run-demo.sh $(BUILD)/app/ffleet

test: build test-deps
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The same tests under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps test-deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFFLEET_SANITIZE=ON -DFFLEET_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

# The Debian package: $(PACKAGE_BUILD)/ffleet_<version>_<arch>.deb (installs
# under /usr and /etc). A build dir of its own: the prefix /usr is configured
# there, and neither tests nor benchmarks are built, so $(BUILD) stays as it was.
# CCACHE_NOHASHDIR: ccache may reuse what $(BUILD) compiled although the
# build dir differs (it only changes the debug info, which the package strips).
package: deps
	cmake -S . -B $(PACKAGE_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
	  -DFFLEET_TESTS=OFF -DFFLEET_BENCH=OFF $(CMAKE_FLAGS)
	CCACHE_NOHASHDIR=1 cmake --build $(PACKAGE_BUILD) -j $(JOBS) --target package

# Builds the package, installs it with dpkg (root), checks PATH, man page,
# unit (systemd-analyze verify, security), completions. CI runs it.
package-test: deps
	@bash scripts/install-deps.sh zsh dpkg-dev man-db
	@bash scripts/package-test.sh $(PACKAGE_BUILD)

bench: build
	@bash bench/run-all.sh $(BUILD)

# The libFuzzer harnesses of tests/fuzz (clang, ASan + UBSan), each for
# FUZZ_SECONDS, one after the other; `make fuzz FUZZ_SECONDS=3600` for long runs.
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
	  -DFFLEET_FUZZ=ON -DFFLEET_TESTS=OFF -DFFLEET_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers
	bash tests/fuzz/run-fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# The chaos soak: SOAK_JOBS misbehaving children for SOAK_MINUTES, with ctl
# commands and reloads; fails on a lost exit, a zombie, a duplicate, a
# surviving child or fd/RSS growth (tests/soak/soak.py).
soak: build
	python3 tests/soak/soak.py --ffleet $(BUILD)/app/ffleet --helper $(BUILD)/tests/helper_chaos \
	  --jobs $(SOAK_JOBS) --minutes $(SOAK_MINUTES)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(PACKAGE_BUILD)
