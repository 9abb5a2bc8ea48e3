# raminate: hybrid DRAM/NVM memory for QEMU/KVM guests.
#
#   make          build build/qemu-system-x86_64, the test guest kit,
#                 build/raminate-sim (the trace simulator),
#                 build/raminate-slowfs (a slow-disk FUSE filesystem for
#                 tests) and the patched KVM modules with their tests
#   make slowfs   build/raminate-slowfs alone
#   make demo     boot a hybrid-memory VM (the RAMinate paper's command line)
#   make check    run every test (also builds qemu-asan)
#   make qemu-asan  build/qemu-system-x86_64-asan: the same QEMU with
#                 AddressSanitizer and UBSan, for tests/sanitizers.test
#   make deps     install the Debian packages the build needs (idempotent)
#   make kvm-modules  build/kvm/{kvm,kvm-amd,kvm-intel}.ko for Debian's
#                 trixie 6.12 kernel with linux-patches/, and their tests
#   make bench    a short subset of the experiments, end to end, into
#                 build/bench-results (the pause per swap batch, also with
#                 disk I/O in flight, written bytes of two workloads, a
#                 timeline, a soak of >= 1,000,000 swaps under disk I/O)
#   make results  every experiment script at full size, into docs/results
#
# Downloads and ccache are kept in $(RAMINATE_CACHE).

RAMINATE_CACHE ?= $(HOME)/.cache/raminate
export RAMINATE_CACHE

.PHONY: all deps qemu qemu-asan guest-kit sim slowfs plugin workloads kvm-modules demo check \
	bench bench-swap results clean distclean

all: qemu guest-kit sim slowfs plugin workloads kvm-modules

deps:
	@sh scripts/deps.sh

qemu: deps
	@sh scripts/build-qemu.sh

qemu-asan: deps
	@QEMU_SANITIZE=1 sh scripts/build-qemu.sh

guest-kit: deps
	@sh scripts/guest-kit.sh

# The measurement workloads' Debian packages, unpacked (not installed).
workloads: deps
	@sh scripts/workload-root.sh

# The patched KVM modules, and the selftest-style programs that exercise
# their ioctls from a TCG guest (against the patched UAPI headers).
KVM_TESTS = build/kvm/tests/harvest_test build/kvm/tests/swap_test

kvm-modules: deps
	@sh scripts/build-kvm.sh
	@$(MAKE) --no-print-directory $(KVM_TESTS)

build/kvm/tests/%: tests/kvm/%.c tests/kvm/l2vm.c tests/kvm/l2vm.h build/kvm/release
	@mkdir -p $(@D)
	gcc -O2 -Wall -Wextra -Werror -static -pthread -Ibuild/kvm/usr/include -o $@ $< tests/kvm/l2vm.c

# The trace simulator, built on the engine's own policy library.
sim: build/raminate-sim

build/raminate-sim: tools/raminate-sim.c $(wildcard backends/raminate-policy*.[ch])
	@mkdir -p build
	gcc -O2 -Wall -Wextra -Wno-unused-parameter -Werror -D_GNU_SOURCE -Ibackends -o $@ tools/raminate-sim.c $(wildcard backends/raminate-policy*.c)

# A FUSE filesystem whose one file, a disk image, answers every read late
# while the kernel holds the reader's pages pinned (tests' slow disk).
slowfs: deps build/raminate-slowfs

build/raminate-slowfs: tools/raminate-slowfs.c
	@mkdir -p build
	gcc -O2 -Wall -Wextra -Werror -o $@ tools/raminate-slowfs.c $$(pkg-config --cflags --libs fuse3)

# The ground-truth write counter, a TCG plugin (needs the QEMU tree).
plugin: qemu build/raminate-writes.so

build/raminate-writes.so: tools/plugins/raminate-writes.c tools/plugins/raminate-writes.h \
			  tools/plugins/llc.c tools/plugins/llc.h
	gcc -O2 -Wall -Werror -shared -fPIC -Ibuild/qemu-src/include/qemu -Itools/plugins \
	    $$(pkg-config --cflags glib-2.0) -o $@ tools/plugins/raminate-writes.c tools/plugins/llc.c

demo: all
	@bash scripts/demo.sh

check: all qemu-asan
	@bash tests/run.sh

BENCH_RESULTS = build/bench-results

bench: all
	scripts/table1-pause --results $(BENCH_RESULTS) --sizes "1 100 1000"
	BENCH_SIZES=1000 BENCH_IO="off on" BENCH_OUT=$(BENCH_RESULTS)/swap-io.md bash scripts/bench-swap.sh
	RAMINATE_DISKIO_RUNS=threads RAMINATE_DISKIO_SECONDS=400 RAMINATE_DISKIO_MIN_SWAPS=1000000 \
	    bash -o pipefail -c 'bash tests/raminate-diskio.test | tee $(BENCH_RESULTS)/soak-io.txt'
	scripts/fig7-8-written-bytes --results $(BENCH_RESULTS) --workloads compress,kv --scale 0.5
	scripts/fig6-timeline --results $(BENCH_RESULTS) --workload compress --scale 0.5
	@echo "bench: results in $(BENCH_RESULTS)/"

bench-swap: all
	@bash scripts/bench-swap.sh

# Every figure and table of the paper we reproduce (an hour or more).
results: all
	scripts/fig7-8-written-bytes
	scripts/fig9-10-swaps
	scripts/fig11-12-performance
	scripts/fig14-16-energy
	scripts/fig6-timeline
	scripts/table1-pause

clean:
	rm -rf build/qemu-build build/qemu-build-asan build/guest build/raminate-sim build/raminate-slowfs \
	       build/tests build/workload-root build/results-runs build/bench-results build/kvm

distclean:
	rm -rf build
