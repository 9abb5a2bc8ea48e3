# Shared helpers for raminate's tests (bash).  Source it from a test.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# RAMINATE_QEMU: another build to test (tests/sanitizers.test).
QEMU=${RAMINATE_QEMU:-$TOP/build/qemu-system-x86_64}
GUEST_RUN=$TOP/scripts/guest-run
QMP=$TOP/scripts/lib/qmp.py

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
# at_exit COMMAND: run COMMAND (a shell line) when the test ends, once its
# background jobs are stopped and before the scratch directory goes.
AT_EXIT=()
at_exit() { AT_EXIT+=("$1"); }
cleanup() {
    local rc=$? pids f
    pids=$(jobs -p)
    [ -z "$pids" ] || kill $pids 2>/dev/null || true
    for f in "${AT_EXIT[@]}"; do
        eval "$f" || true
    done
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

# A guest job's first line when the VM is to be migrated or snapshotted:
# QEMU refuses both while a 9p export is mounted (guest-run's host root).
UNMOUNT_HOST="umount /host/tmp /host/dev/shm /host/dev /host/proc /host"

# qmp_open SOCKET: one QMP connection (scripts/lib/qmp.py -) for the qmp
# calls that follow, until the next qmp_open.
qmp_open() {
    [ -z "${QMP_CLIENT_PID:-}" ] || kill "$QMP_CLIENT_PID" 2>/dev/null || true
    coproc QMP_CLIENT { exec python3 "$QMP" "$1" -; }
}
# qmp COMMAND [ARGS-JSON [EXPR]]: print the return as JSON, or the value of
# the Python expression EXPR of it (r); a QMP error fails the call.  Not in
# a pipeline or a ( ) subshell, where bash closes the connection's file
# descriptors: $(qmp ...) and <(qmp ...) are fine.
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
# raminate_field ID EXPR: print the Python expression EXPR of i, the
# query-raminate entry of container ID, e.g. 'i["swaps"]'.
raminate_field() { qmp query-raminate '' "(lambda i: $2)({x['id']: x for x in r}['$1'])"; }
# wait_raminate ID EXPR SECONDS: wait until the Python expression EXPR of
# container ID's query-raminate entry i is true, at most SECONDS on the
# reference machine (budget); false if it never was.
wait_raminate() {
    local i n
    n=$(($(budget "$3") * 2))
    for ((i = 0; i < n; i++)); do
        [ "$(raminate_field "$1" "bool($2)")" = True ] && return 0
        sleep 0.5
    done
    return 1
}
# hmp COMMAND-LINE: print a human monitor command's output, line by line
# (the qmp answer is one line: its line ends travel as record separators).
hmp() {
    local out
    out=$(qmp human-monitor-command "{\"command-line\": \"$1\"}" 'r.replace(chr(10), chr(30))')
    tr '\036' '\n' <<< "$out"
}

# refuse [-s STATUS] EXPECTED COMMAND [ARG...]: COMMAND (a program, or a
# function such as qmp or knob) must fail, with an exit status from 1 to
# 123 (not a timeout, a kill or a crash) or exactly STATUS, and say
# EXPECTED on its standard output or error; notes the last line that says
# it (argparse's usage lines come before its error).  REFUSED counts the
# refusals.
REFUSED=0
refuse() {
    local status="" expect rc=0 ok
    if [ "$1" = -s ]; then status=$2; shift 2; fi
    expect=$1
    shift
    "$@" > "$WORK/refused" 2>&1 || rc=$?
    if [ -n "$status" ]; then ok=$((rc == status)); else ok=$((rc > 0 && rc < 124)); fi
    [ $ok = 1 ] ||
        fail "not refused (exit $rc, wanted ${status:-1 to 123}): $*: $(cat "$WORK/refused")"
    grep -qF -- "$expect" "$WORK/refused" ||
        fail "refused without saying '$expect': $*: $(cat "$WORK/refused")"
    REFUSED=$((REFUSED + 1))
    note "refused: $(grep -F -- "$expect" "$WORK/refused" | tail -n1 | cut -c1-150)"
}

# host_prog NAME [--lib]: build tests/host/NAME.c into build/tests/NAME (with
# --lib a shared library, build/tests/NAME.so, for LD_PRELOAD), print its path.
host_prog() {
    local src=$TOP/tests/host/$1.c exe=$TOP/build/tests/$1 flags=()
    [ "${2:-}" = --lib ] && exe+=.so flags=(-shared -fPIC)
    mkdir -p "$TOP/build/tests"
    if [ ! -x "$exe" ] || [ "$src" -nt "$exe" ] ||
       [ "$TOP/tests/lib/frame-tag.h" -nt "$exe" ]; then
        gcc -O2 -Wall -Werror "${flags[@]}" -o "$exe" "$src"
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

# hybrid_memory DIR DRAM_MB NVM_MB [KNOB=VALUE...]: set HYBRID_ARGS, QEMU's
# arguments for hybrid RAM: a container c of DRAM_MB + NVM_MB MiB with the
# knobs given, its DRAM child d (offset 0) and NVM child n, and the NUMA
# node that uses it (-m is the caller's); and DRAM_IMG/DRAM_AT and
# NVM_IMG/NVM_AT, where the children's bytes can be read.  They are sparse
# files in DIR; with RAMINATE_DEVMEM=PHYS (a range the kernel reserved,
# e.g. with memmap=), /dev/mem from PHYS on: DRAM, then NVM.
hybrid_memory() {
    local dir=$1 dram=$2 nvm=$3 dram_src nvm_src knobs=""
    shift 3
    [ $# = 0 ] || knobs=$(IFS=,; echo ",$*")
    if [ -n "${RAMINATE_DEVMEM:-}" ]; then
        DRAM_IMG=/dev/mem DRAM_AT=$((RAMINATE_DEVMEM))
        NVM_IMG=/dev/mem NVM_AT=$((RAMINATE_DEVMEM + (dram << 20)))
        dram_src="phy-offset=$DRAM_AT" nvm_src="phy-offset=$NVM_AT"
    else
        sparse_file "$dir/dram.img" $((dram << 20))
        sparse_file "$dir/nvm.img" $((nvm << 20))
        DRAM_IMG=$dir/dram.img DRAM_AT=0 NVM_IMG=$dir/nvm.img NVM_AT=0
        dram_src="path=$DRAM_IMG" nvm_src="path=$NVM_IMG"
    fi
    HYBRID_ARGS=(
        -object "memory-backend-container,id=c,size=$((dram + nvm))M$knobs"
        -object "memory-backend-devmem,id=d,size=${dram}M,parent=c,$dram_src"
        -object "memory-backend-devmem,id=n,size=${nvm}M,offset=${dram}M,parent=c,$nvm_src"
        -numa node,memdev=c)
}

# check_placement NONCE PAGES MEM_MB DRAM_MB WHAT [--dump FILE:GPA...]: the
# PAGES pages the guest tagged with NONCE are in the storage container c's
# placement names, read from the host's backing of the two children of
# hybrid_memory (a DRAM_MB child, then the rest of MEM_MB), and each dump of
# guest memory equals that backing; else fail saying WHAT is wrong.  Leaves
# the placement in $WORK/placement.
check_placement() {
    local m=$((1 << 20))
    qmp raminate-save-placement "{\"id\": \"c\", \"filename\": \"$WORK/placement\"}" > /dev/null
    "$(host_prog layout-check)" --nonce "$1" --expect "$2" \
        --map "0:$(($3 * m)):0" --placement "$WORK/placement" \
        --child "$DRAM_IMG:$DRAM_AT:0:$(($4 * m))" \
        --child "$NVM_IMG:$NVM_AT:$(($4 * m)):$((($3 - $4) * m))" "${@:6}" > "$WORK/check" ||
        { cat "$WORK/check"; fail "$5"; }
    sed 's/^/  /' "$WORK/check"
}

# wait_for FILE PATTERN SECONDS [PID [COUNT]]: wait until a whole line of
# FILE (not one still being written) matches PATTERN (COUNT lines: 1), at
# most SECONDS on the reference machine (budget), and no longer than process
# PID (the guest; "" for none) lives.
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
        [ "$(grep -c "$2" <<< "$text")" -ge "${5:-1}" ] && return 0
        [ -z "${4:-}" ] || kill -0 "$4" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

if [ -z "${RAMINATE_SLOWDOWN:-}" ]; then
    RAMINATE_SLOWDOWN=$(slowdown_measure "${RAMINATE_ACCEL:-tcg}")
    export RAMINATE_SLOWDOWN
fi
# A guest job's first line when it runs host programs under TCG there: the
# TCG guest runs on this machine's CPUs, so its work takes this machine's
# factor (measuring inside it would boot a TCG guest in a TCG guest, ~130 s).
GUEST_SLOWDOWN="export RAMINATE_SLOWDOWN=$RAMINATE_SLOWDOWN"
