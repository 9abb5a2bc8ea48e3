# Shared helpers for raminate's tests (bash).  Source it from a test.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
QEMU=$TOP/build/qemu-system-x86_64
GUEST_RUN=$TOP/scripts/guest-run
QMP=$TOP/tests/lib/qmp.py

# A scratch directory, in memory where possible: the files standing in for
# physical memory are sparse and only hold what the guest writes.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    WORK=$(mktemp -d /dev/shm/raminate-test.XXXXXX)
else
    WORK=$(mktemp -d /tmp/raminate-test.XXXXXX)
fi
cleanup() {
    local pids
    pids=$(jobs -p)
    [ -z "$pids" ] || kill $pids 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "  [$SECONDS s] $*"; }

# host_prog NAME: build tests/host/NAME.c into build/tests/NAME, print its path.
host_prog() {
    local src=$TOP/tests/host/$1.c exe=$TOP/build/tests/$1
    mkdir -p "$TOP/build/tests"
    if [ ! -x "$exe" ] || [ "$src" -nt "$exe" ] ||
       [ "$TOP/tests/lib/frame-tag.h" -nt "$exe" ]; then
        gcc -O2 -Wall -Werror -o "$exe" "$src"
    fi
    echo "$exe"
}

# sparse_file PATH BYTES: a file standing in for physical memory.
sparse_file() { truncate -s "$2" "$1"; }

# wait_for FILE PATTERN SECONDS: wait until a line of FILE matches PATTERN.
wait_for() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
