# Front end for people: `make run` and `make test` work on a fresh Debian
# machine (they install what is missing first). The build itself is CMake + Ninja.
BUILD      ?= build
ASAN_BUILD ?= build-asan
CMAKE_FLAGS ?=
JOBS       ?= $(shell nproc)

.PHONY: all deps test-deps build run test test-asan bench clean

all: build

deps:
	@bash scripts/install-deps.sh

# The dashboard test drives the page in headless Chromium.
test-deps:
	@bash scripts/install-deps.sh chromium

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

bench: build
	@bash bench/run-all.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
