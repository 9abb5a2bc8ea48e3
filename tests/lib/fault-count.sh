#!/bin/bash
# Run inside a guest with KVM (our modules): the page faults KVM takes for
# one L2 workload (a 4096-page hot set rewritten in a loop) with RAMinate
# off, then with the kvm-raminate tracker, then with kvm-dirty-log.  The
# engine scans every 250 ms and never swaps (placement=none), so that the
# faults are the tracker's own.  Prints one line per tracker and
# "faults/epoch: kvm-raminate X kvm-dirty-log Y off Z" last.
# Args: PHYS (a reserved range of 512 MiB, RAMINATE_DEVMEM).
source "$(dirname "$0")/common.sh"

export RAMINATE_DEVMEM=$1
SECONDS_MEASURED=5
kvm_stat() {    # kvm_stat NAME: the statistic, summed over vCPUs
    qmp query-stats '{"target": "vcpu", "providers": [{"provider": "kvm", "names": ["'"$1"'"]}]}' \
        'sum(s["value"] for v in r for s in v["stats"])'
}
epochs() { raminate_field c 'i["epochs"]'; }

SOCK=$WORK/qmp
hybrid_memory "$WORK" 64 448 raminate=off placement=none scan-interval-ms=250
show_on_failure "$WORK/out" "$WORK/log" "$WORK/console"
"$GUEST_RUN" --accel kvm --out "$WORK/out" --console "$WORK/console" --qmp "$SOCK" \
    --timeout "$(budget 300)" -c "hotset $RANDOM 96 4096 64 600" -m 512M \
    "${HYBRID_ARGS[@]}" > "$WORK/log" 2>&1 &
wait_for "$WORK/out" '^HOT' 150 || fail "hotset did not start"
qmp_open "$SOCK"

# One guest, the tracker switched at run time; each measured after a
# second of settling (the first harvest takes what mapping left dirty).
declare -A per_epoch
for mode in off kvm-raminate kvm-dirty-log; do
    if [ $mode != off ]; then
        knob c tracker "\"$mode\""
        knob c raminate true
    fi
    sleep 2
    f0=$(kvm_stat pf_taken) e0=$(epochs) t0=$(date +%s.%N)
    sleep $SECONDS_MEASURED
    f1=$(kvm_stat pf_taken) e1=$(epochs) t1=$(date +%s.%N)
    # With RAMinate off there are no epochs: count 250 ms periods instead.
    n=$((e1 - e0))
    [ $mode = off ] && n=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 4 }')
    [ "$n" -gt 0 ] || fail "$mode: no epoch in $SECONDS_MEASURED s"
    per_epoch[$mode]=$(awk -v f=$((f1 - f0)) -v n="$n" 'BEGIN { printf "%.1f", f / n }')
    note "$mode: $((f1 - f0)) page faults in $n epochs of 250 ms: ${per_epoch[$mode]} per epoch"
done
qmp_quit
wait
echo "faults/epoch: kvm-raminate ${per_epoch[kvm-raminate]} kvm-dirty-log ${per_epoch[kvm-dirty-log]} off ${per_epoch[off]}"
