#!/bin/sh
# hotset (synthetic): 4096 pages (16 MiB) chosen in NVM, out of a quarter of
# the guest's RAM, rewritten for 30 s x RAMINATE_SCALE (tests/guest/hotset.c).
# The hot set fits the 20 MiB cache model: measure it with raminate-run
# --llc 0.
s=$(awk -v s="${RAMINATE_SCALE:-1}" 'BEGIN { print int(30 * s + 0.5) }')
exec hotset 1 $((RAMINATE_MEM_MB / 4)) 4096 "$RAMINATE_DRAM_MB" "$s"
