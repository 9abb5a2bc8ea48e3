# raminate: hybrid DRAM/NVM memory for QEMU/KVM guests.
#
#   make          build build/qemu-system-x86_64 and the test guest kit
#   make demo     boot a hybrid-memory VM (the RAMinate paper's command line)
#   make check    run every test
#   make deps     install the Debian packages the build needs (idempotent)
#   make bench    benchmarks (now: bench-swap, the pause per swap batch)
#
# Downloads and ccache are kept in $(RAMINATE_CACHE).

RAMINATE_CACHE ?= $(HOME)/.cache/raminate
export RAMINATE_CACHE

.PHONY: all deps qemu guest-kit demo check bench bench-swap clean distclean

all: qemu guest-kit

deps:
	@sh scripts/deps.sh

qemu: deps
	@sh scripts/build-qemu.sh

guest-kit: deps
	@sh scripts/guest-kit.sh

demo: all
	@bash scripts/demo.sh

check: all
	@bash tests/run.sh

bench: bench-swap

bench-swap: all
	@bash scripts/bench-swap.sh

clean:
	rm -rf build/qemu-build build/guest

distbench: bench-swap

bench-swap: all
	@bash scripts/bench-swap.sh

clean:
	rm -rf build
