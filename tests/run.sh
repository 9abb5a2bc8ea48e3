#!/bin/bash
# Run raminate's tests: tests/*.test (our own) and the upstream QEMU qtests
# that concern memory backends.  Prints one line per test and a summary line
# "N passed, N failed"; exits non-zero when any test failed.
#
#   tests/run.sh [NAME...]      run only the named tests (e.g. paper-cmdline)
#   tests/run.sh --burn N [NAME...]
#                               the same beside N busy loops: a machine
#                               about (N + 1) / 2 times slower on these 2
#                               cores, to prove the timeouts' margins
#
# Timeouts follow the machine: RAMINATE_SLOWDOWN (tests/lib/common.sh) is
# measured once here, or taken from the environment.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
LOG=$TOP/build/test-logs
mkdir -p "$LOG"
if [ "${1:-}" = --burn ]; then
    [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "tests/run.sh: --burn N: give the number of busy loops"; exit 2; }
    for ((i = 0; i < $2; i++)); do
        bash -c 'while :; do :; done' &
    done
    trap 'kill $(jobs -p)' EXIT
    echo "$2 busy loops beside the tests"
    shift 2
fi
if [ -z "${RAMINATE_SLOWDOWN:-}" ]; then
    t0=$(date +%s)
    RAMINATE_SLOWDOWN=$(bash "$TOP/tests/lib/slowdown.sh" tcg) || {
        echo "the test guest does not boot: see 'scripts/guest-run -c true'"; exit 1; }
    export RAMINATE_SLOWDOWN
    echo "timeouts x $RAMINATE_SLOWDOWN (a test guest booted in $(( $(date +%s) - t0 )) s)"
fi
passed=0 failed=0 skipped=0 failures=""

# A hung test ends: no test takes 40 minutes on the reference machine.
LIMIT=$(awk -v f="$RAMINATE_SLOWDOWN" 'BEGIN { printf "%d", 2400 * f }')

run() {
    local name=$1 start rc
    shift
    start=$(date +%s)
    timeout -k 30 "$LIMIT" "$@" > "$LOG/$name.log" 2>&1
    rc=$?
    local took=$(( $(date +%s) - start ))
    [ $rc = 124 ] && echo "tests/run.sh: $name timed out after $LIMIT s" >> "$LOG/$name.log"
    if [ $rc = 0 ]; then
        passed=$((passed + 1)); echo "ok   $name (${took}s)"
        sed -n 's/^  \(.*\)/       \1/p' "$LOG/$name.log" | tail -n 3
    elif [ $rc = 77 ]; then
        skipped=$((skipped + 1)); echo "skip $name: $(tail -n1 "$LOG/$name.log")"
    else
        failed=$((failed + 1)); failures="$failures $name"
        echo "FAIL $name (${took}s, exit $rc)"
        # What failed first: the logs the test shows after it can be long.
        grep -a 'FAIL: ' "$LOG/$name.log" | head -n 5 | sed 's/^ */       /'
        echo "       last lines of build/test-logs/$name.log:"
        tail -n 20 "$LOG/$name.log" | sed 's/^/       /'
    fi
}

want() { [ ${#SELECTED[@]} -eq 0 ] || [[ " ${SELECTED[*]} " == *" $1 "* ]]; }
SELECTED=("$@")

for t in "$TOP"/tests/*.test; do
    name=$(basename "$t" .test)
    want "$name" || continue
    run "$name" bash "$t"
done
for q in qom-test numa-test device-introspect-test; do
    want "$q" || continue
    run "$q" bash "$TOP/tests/lib/qtest.sh" "$q"
done

echo
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
