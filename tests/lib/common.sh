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

# check_in_force TRACKER SWAPPER: what query-raminate said is what this
# accelerator should give: TCG's tracker, or with KVM what the caller
# expects of the modules loaded (RAMINATE_WANT_TRACKER/_SWAPPER; stock
# KVM: kvm-dirty-log), and the remap swapper unless told otherwise.
check_in_force() {
    local tracker=tcg swapper=${RAMINATE_WANT_SWAPPER:-remap}
    [ "${RAMINATE_ACCEL:-tcg}" = kvm ] && tracker=${RAMINATE_WANT_TRACKER:-kvm-dirty-log}
    [ "$1" = "$tracker" ] || fail "tracker $1 in force, expected $tracker"
    [ "$2" = "$swapper" ] || fail "swapper $2 in force, expected $swapper"
}

# hybrid_sources DIR DRAM_MB NVM_MB: set DRAM_SRC and NVM_SRC, the backing
# of a container's DRAM and NVM children (memory-backend-devmem options),
# and DRAM_IMG/DRAM_AT and NVM_IMG/NVM_AT, where their bytes can be read.
# Sparse files in DIR; with RAMINATE_DEVMEM=PHYS (a range the kernel
# reserved, e.g. with memmap=), /dev/mem from PHYS on: DRAM, then NVM.
hybrid_sources() {
    local dir=$1 dram=$(($2 << 20)) nvm=$(($3 << 20))
    if [ -n "${RAMINATE_DEVMEM:-}" ]; then
        DRAM_IMG=/dev/mem DRAM_AT=$((RAMINATE_DEVMEM))
        NVM_IMG=/dev/mem NVM_AT=$((RAMINATE_DEVMEM + dram))
        DRAM_SRC="phy-offset=$DRAM_AT" NVM_SRC="phy-offset=$NVM_AT"
    else
        sparse_file "$dir/dram.img" $dram
        sparse_file "$dir/nvm.img" $nvm
        DRAM_IMG=$dir/dram.img DRAM_AT=0 NVM_IMG=$dir/nvm.img NVM_AT=0
        DRAM_SRC="path=$DRAM_IMG" NVM_SRC="path=$NVM_IMG"
    fi
}

# wait_for FILE PATTERN SECONDS: wait until a line of FILE matches PATTERN.
wait_for() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
