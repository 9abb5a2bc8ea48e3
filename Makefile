# raminate: hybrid DRAM/NVM memory for QEMU/KVM guests.
#
#   make          build build/qemu-system-x86_64, the test guest kit and
#                 build/raminate-sim (the trace simulator)
#   make demo     boot a hybrid-memory VM (the RAMinate paper's command line)
#   make check    run every test
#   make deps     install the Debian packages the build needs (idempotent)
#   make bench    benchmarks (now: bench-swap, the pause per swap batch)
#
# Downloads and ccache are kept in $(RAMINATE_CACHE).

RAMINATE_CACHE ?= $(HOME)/.cache/raminate
export RAMINATE_CACHE

.PHONY: all deps qemu guest-kit sim plugin demo check bench bench-swap clean distclean

all: qemu guest-kit sim plugin

deps:
	@sh scripts/deps.sh

qemu: deps
	@sh scripts/build-qemu.sh

guest-kit: deps
	@sh scripts/guest-kit.sh

# The trace simulator, built on the engine's own policy library.
sim: build/raminate-sim

build/raminate-sim: tools/raminate-sim.c backends/raminate-policy.c backends/raminate-policy.h
	@mkdir -p build
	gcc -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -Ibackends -o $@ tools/raminate-sim.c backends/raminate-policy.c

# The ground-truth write counter, a TCG plugin (needs the QEMU tree).
plugin: qemu build/raminate-writes.so

build/raminate-writes.so: tools/plugins/raminate-writes.c tools/plugins/llc.c tools/plugins/llc.h
	gcc -O2 -Wall -Werror -shared -fPIC -Ibuild/qemu-src/include/qemu -Itools/plugins \
	    $$(pkg-config --cflags glib-2.0) -o $@ tools/plugins/raminate-writes.c tools/plugins/llc.c

demo: all
	@bash scripts/demo.sh

check: all
	@bash tests/run.sh

bench: bench-swap

bench-swap: all
	@bash scripts/bench-swap.sh

clean:
	rm -rf build/qemu-build build/guest build/raminate-sim build/tests

distclean:
	rm -rf build
