#!/bin/sh
# compress: xz (-6, one thread) and bzip2 (-9) compress 4 MiB x
# RAMINATE_SCALE of real files (the host's Python library), then xz
# decompresses and the result is checked.
set -e
size=$(awk -v s="${RAMINATE_SCALE:-1}" 'BEGIN { print int(4 * 1048576 * s) }')
tar -cf - /usr/lib/python3 2> /dev/null | head -c "$size" > /tmp/data
xz -T1 -6 -k /tmp/data
bzip2 -9 -k /tmp/data
xz -dc /tmp/data.xz | cmp - /tmp/data
echo "compress: $(wc -c < /tmp/data) bytes to $(wc -c < /tmp/data.xz) (xz), $(wc -c < /tmp/data.bz2) (bzip2)"
