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
# Logs a failure shows: show_on_failure FILE... registers QEMU's own logs,
# guest consoles and outputs; a test that fails (or stops on an error)
# prints the last lines of each that exists, so a failed or timed-out guest
# run says why.
SHOW_ON_FAILURE=()
show_on_failure() { SHOW_ON_FAILURE+=("$@"); }
cleanup() {
    local rc=$? pids f
    pids=$(jobs -p)
    [ -z "$pids" ] || kill $pids 2>/dev/null || true
    if [ $rc != 0 ]; then
        for f in "${SHOW_ON_FAILURE[@]}"; do
            [ -s "$f" ] || continue
            echo "--- last lines of $f:" >&2
            tail -n 25 "$f" | tr -d '\r' | awk '{ print "    " $0 }' >&2
        done
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "  [$SECONDS s] $*"; }

# Timeouts follow the machine.  Machines of this kind differ 1.5-4x in speed
# from day to day, nested KVM most, so every guest timeout and wait of the
# tests is the time it needs on the reference machine (docs/building.md)
# times RAMINATE_SLOWDOWN, how much longer than there the boot of a test
# guest (a unit of guest work) takes here, never below 1.  tests/run.sh
# measures it once per run under TCG; the nested tests measure it inside
# their TCG guest under KVM (tests/lib/slowdown.sh); a test run on its own
# measures it as it starts.
slowdown_measure() {    # slowdown_measure [tcg|kvm]: print the factor
    local accel=${1:-tcg} ref t0 t1
    case "$accel" in
    tcg) ref=3.5 ;;     # guest-run -c true on the reference machine
    kvm) ref=7.4 ;;     # the same under KVM inside a TCG guest
    esac
    t0=$(date +%s.%N)
    "$GUEST_RUN" --accel "$accel" --timeout 900 -c true > /dev/null 2>&1 ||
        { echo "slowdown: a test guest under $accel did not boot in 900 s" >&2; return 1; }
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" -v r="$ref" 'BEGIN { f = (b - a) / r; printf "%.2f\n", f < 1 ? 1 : f }'
}
# budget SECONDS: SECONDS on the reference machine, here.
budget() { awk -v s="$1" -v f="$RAMINATE_SLOWDOWN" 'BEGIN { printf "%d", s * f + 0.5 }'; }
# A nested test's guest job runs this after load-kvm: the tests it then runs
# under KVM there take their timeouts from an L2 guest's boot.
NESTED_SLOWDOWN="RAMINATE_SLOWDOWN=\$(chroot /host bash $TOP/tests/lib/slowdown.sh kvm) || exit 1
    export RAMINATE_SLOWDOWN
    echo \"  timeouts under KVM in this guest x \$RAMINATE_SLOWDOWN\""

# qmp_open SOCKET: one QMP connection (tests/lib/qmp.py -) for the qmp
# calls that follow, until the next qmp_open.
qmp_open() {
    [ -z "${QMP_CLIENT_PID:-}" ] || kill "$QMP_CLIENT_PID" 2>/dev/null || true
    coproc QMP_CLIENT { exec python3 "$QMP" "$1" -; }
}
# qmp COMMAND [ARGS-JSON [EXPR]]: print the return as JSON, or the value of
# the Python expression EXPR of it (r); a QMP error fails the call.
qmp() {
    local reply
    [ -n "${QMP_CLIENT_PID:-}" ] || { echo "qmp $1: no QMP connection: QEMU has exited" >&2; return 1; }
    printf '%s\t%s\t%s\n' "$1" "${2:-}" "${3:-}" >&"${QMP_CLIENT[1]}"
    IFS= read -r reply <&"${QMP_CLIENT[0]}" ||
        { echo "qmp $1: no answer: QEMU has exited" >&2; return 1; }
    case "$reply" in
    error:*) echo "qmp $1: ${reply#error: }" >&2; return 1 ;;
    esac
    printf '%s\n' "$reply"
}
# qmp_quit: quit QEMU and end the connection (a `wait` that follows waits
# for QEMU only).
qmp_quit() {
    [ -n "${QMP_CLIENT_PID:-}" ] || return 0
    local pid=$QMP_CLIENT_PID
    qmp quit > /dev/null 2>&1 || true
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
# knob OBJECT PROPERTY JSON-VALUE: qom-set on /objects/OBJECT.
knob() { qmp qom-set "{\"path\": \"/objects/$1\", \"property\": \"$2\", \"value\": $3}" > /dev/null; }

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

# wait_for FILE PATTERN SECONDS: wait until a whole line of FILE (not one
# still being written) matches PATTERN, at most SECONDS on the reference
# machine (budget).
wait_for() {
    local i n text
    n=$(budget "$3")
    for ((i = 0; i < n * 10; i++)); do
        # One read of the file; without the last line if it is unfinished.
        text=$(cat "$1" 2>/dev/null; echo .)
        text=${text%.}
        case "$text" in
        *$'\n') ;;
        *$'\n'*) text=${text%$'\n'*} ;;
        *) text= ;;
        esac
        grep -q "$2" <<< "$text" && return 0
        sleep 0.1
    done
    return 1
}

if [ -z "${RAMINATE_SLOWDOWN:-}" ]; then
    RAMINATE_SLOWDOWN=$(slowdown_measure "${RAMINATE_ACCEL:-tcg}")
    export RAMINATE_SLOWDOWN
fi
