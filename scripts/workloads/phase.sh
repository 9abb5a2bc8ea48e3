#!/bin/sh
# phase (synthetic): a 32 MiB write-hot window in 256 MiB jumps to a new
# random place every 10 s, for 40 s x RAMINATE_SCALE
# (tests/guest/wpattern.c).
s=$(awk -v s="${RAMINATE_SCALE:-1}" 'BEGIN { print int(40 * s + 0.5) }')
exec wpattern phase 256 32 10 "$s"
