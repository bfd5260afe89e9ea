# simul: the two commands of the README, and a few more.
#
#   make demo    build and run the chess exhibition (writes the picture into the build folder)
#   make test    configure, build and run every test (GoogleTest under CTest)
#   make bench   build the benchmarks with optimisation and run them
#   make asan    the tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   make tsan    the tests under ThreadSanitizer
#
# Each target first installs the Debian packages it needs when they are
# missing (as root with apt-get; otherwise it prints the exact command).

BUILD   ?= build/rel
JOBS    ?= 2
GEN     := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
DEBS    := cmake g++ make ninja-build ccache pkg-config libgtest-dev libgmock-dev libbenchmark-dev \
           libcli11-dev nlohmann-json3-dev libxml2-utils libboost-context1.81-dev \
           libboost-stacktrace1.81-dev libdw-dev \
           libc-ares-dev libssl-dev openssl dnsmasq-base unbound python3-dnslib \
           postgresql-15 libpq-dev python3-asyncpg python3-uvloop \
           redis-server libhiredis-dev python3-redis \
           libbson-dev python3-pymongo python3-mockupdb librust-tokio-dev
CMAKE_FLAGS ?=

# ccache: a fresh clone elsewhere (CI) reuses what earlier builds compiled.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true

.PHONY: all deps configure build test demo bench asan tsan clean

all: build

deps:
	@missing=$$(for p in $(DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "simul: installing Debian packages:" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "simul needs these Debian packages; run:"; \
	    echo "  sudo apt-get install -y" $$missing; \
	    exit 1; \
	  fi; \
	fi
	@# Node.js and npm, for the MongoDB-wire-protocol server the mongo tests run against: Debian's
	@# packages, unless the machine already has a node and an npm (whose packages Debian's npm conflicts with).
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "simul: installing Debian packages: nodejs npm"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	  else \
	    echo "simul needs Node.js and npm; run:"; echo "  sudo apt-get install -y nodejs npm"; exit 1; \
	  fi; \
	fi
	@# The MongoDB-wire-protocol server the mongo tests run against (npm; see tests/adapters/mongo_server.sh).
	@if [ -x tests/adapters/setup_congodb.sh ]; then tests/adapters/setup_congodb.sh build/congodb; fi

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) $(GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 120

demo: configure
	@if [ -f apps/chess/CMakeLists.txt ]; then \
	  cmake --build $(BUILD) -j $(JOBS) --target simul-chess && \
	  $(BUILD)/apps/chess/simul-chess --svg $(BUILD)/chess-default.svg && \
	  echo "The schedule's picture: $(BUILD)/chess-default.svg (open it in a browser)"; \
	else \
	  cmake --build $(BUILD) -j $(JOBS) --target hello_two_greeters && $(BUILD)/examples/hello_two_greeters; \
	fi

# g++ -O2 (RelWithDebInfo), as the targets in docs/performance.md are stated.
bench: deps
	cmake -S . -B build/bench $(GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIMUL_BUILD_TESTS=OFF -DSIMUL_BUILD_EXAMPLES=OFF
	cmake --build build/bench -j $(JOBS) --target simul_benchmarks
	bench/run.sh build/bench

asan: deps
	cmake -S . -B build/asan $(GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIMUL_SANITIZE=address,undefined \
	      -DSIMUL_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build build/asan -j $(JOBS)
	cd build/asan && ASAN_OPTIONS=detect_stack_use_after_return=1:detect_leaks=1 \
	  UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS) --timeout 600

tsan: deps
	cmake -S . -B build/tsan $(GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIMUL_SANITIZE=thread \
	      -DSIMUL_BUILD_BENCH=OFF -DSIMUL_BUILD_EXAMPLES=OFF $(CMAKE_FLAGS)
	cmake --build build/tsan -j $(JOBS)
	cd build/tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -j $(JOBS) --timeout 600

clean:
	rm -rf build
