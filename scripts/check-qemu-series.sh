#!/bin/sh
# Check that the QEMU tree builds at every patch of qemu/patches, with our
# sources in backends/ linked in as for a normal build (meson.build picks
# them up only from the patch that builds them on):
#
#   scripts/check-qemu-series.sh [FIRST]
#
# builds with the first K patches for K = FIRST (default 1) .. N, in
# build/series/ (kept, so that a rerun is incremental; ccache is shared with
# `make qemu`).  About 3 full builds' time from a cold tree: the patches
# that change QAPI schemas rebuild most of QEMU.  Prints one line per patch.
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
N=$(ls "$TOP"/qemu/patches/*.patch | wc -l)
k=${1:-1}
while [ "$k" -le "$N" ]; do
    p=$(ls "$TOP"/qemu/patches/*.patch | sed -n "${k}p")
    start=$(date +%s)
    if QEMU_BUILD_DIR=$TOP/build/series QEMU_PATCHES_UPTO=$k \
       sh "$TOP/scripts/build-qemu.sh" > "$TOP/build/series.log" 2>&1; then
        echo "check-qemu-series: builds at $(basename "$p") ($(( $(date +%s) - start )) s)"
    else
        tail -n 30 "$TOP/build/series.log"
        echo "check-qemu-series: does not build at $(basename "$p")" >&2
        exit 1
    fi
    k=$((k + 1))
done
