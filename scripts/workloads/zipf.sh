#!/bin/sh
# zipf (synthetic): whole-page writes to 256 MiB, each page drawn from a
# Zipf distribution (alpha 0.99, hot pages scattered), for 30 s x
# RAMINATE_SCALE (tests/guest/wpattern.c).
s=$(awk -v s="${RAMINATE_SCALE:-1}" 'BEGIN { print int(30 * s + 0.5) }')
exec wpattern zipf 256 "$s"
