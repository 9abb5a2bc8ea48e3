#!/bin/bash
# make bench-swap: guest-visible pause per swap batch for 1, 100, 1000 and
# 10000 swaps, against the RAMinate paper's Table 1, with the cost broken
# down (vCPU stop/resume, data copies, remaps).  A guest program keeps a
# window of N pages write-hot and moves it every swap interval, so that
# each batch swaps N pages.  Writes docs/bench-swap.md (or $BENCH_OUT) and,
# with $BENCH_CSV set, the table as CSV there (scripts/table1-pause).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
QMP=$TOP/tests/lib/qmp.py
OUT=${BENCH_OUT:-$TOP/docs/bench-swap.md}
SIZES=${BENCH_SIZES:-1 100 1000 10000}
W=$(mktemp -d /dev/shm/raminate-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; [ -n "${BENCH_KEEP:-}" ] || rm -rf "$W"' EXIT
M=$((1 << 20))

declare -A paper=([1]="28.3 (0 swaps)" [100]=27.9 [1000]=29.8 [10000]=44.3)
rows=() growth=()
[ -z "${BENCH_CSV:-}" ] || echo "swaps_per_batch,batches,mean_ms,min_ms,max_ms,stop_ms,copy_ms,remap_ms,remap_per_swap_us,paper_ms" > "$BENCH_CSV"
for n in $SIZES; do
    echo "bench-swap: batches of $n swaps..." >&2
    d=$W/$n; mkdir -p "$d"
    truncate -s $((128 * M)) "$d/dram.img"; truncate -s $((896 * M)) "$d/nvm.img"
    "$TOP/scripts/guest-run" --out "$d/out" --qmp "$d/qmp" --timeout 300 -c "
        echo 0 > /proc/sys/vm/compact_unevictable_allowed
        memcheck 1 512 $n 2000 24" -m 1G \
        -object memory-backend-container,id=c,size=1G,scan-interval-ms=250,swap-interval-ms=2000,max-swaps=$n,lifetime-ms=500 \
        -object memory-backend-devmem,id=d,size=128M,parent=c,path="$d/dram.img" \
        -object memory-backend-devmem,id=n,size=896M,offset=128M,parent=c,path="$d/nvm.img" \
        -numa node,memdev=c -trace raminate_swap_batch -D "$d/trace" > /dev/null 2>&1 &
    for _ in $(seq 600); do grep -q '^MEMCHECK' "$d/out" 2>/dev/null && break; sleep 0.5; done
    "$QMP" "$d/qmp" quit > /dev/null 2>&1 || true
    wait || true
    # Full batches only: done == n.
    row=$(sed -n 's/.*raminate_swap_batch c done=\([0-9]*\) failed=[0-9]* pause=\([0-9]*\)ns stop=\([0-9]*\)ns copy=\([0-9]*\)ns remap=\([0-9]*\)ns mappings=\([0-9]*\).*/\1 \2 \3 \4 \5 \6/p' "$d/trace" |
        awk -v n="$n" '$1 == n { c++; p += $2; s += $3; cp += $4; r += $5; if (!min || $2 < min) min = $2; if ($2 > max) max = $2 }
            END { if (c) printf "%d %.2f %.2f %.2f %.2f %.2f %.2f %.2f", c, p/c/1e6, min/1e6, max/1e6, s/c/1e6, cp/c/1e6, r/c/1e6, r/c/n/1e3 }')
    [ -n "$row" ] || { echo "bench-swap: no full batch of $n swaps" >&2; continue; }
    read -r c mean min max stop copy remap per <<< "$row"
    rows+=("| $n | $c | **$mean** | $min | $max | $stop | $copy | $remap | $per | ${paper[$n]} |")
    [ -z "${BENCH_CSV:-}" ] ||
        echo "$n,$c,$mean,$min,$max,$stop,$copy,$remap,$per,${paper[$n]%% *}" >> "$BENCH_CSV"
    if [ "$n" = 1000 ]; then
        growth+=($(sed -n 's/.*done=\([0-9]*\) .*remap=\([0-9]*\)ns mappings=\([0-9]*\).*/\1 \2 \3/p' "$d/trace" |
            awk '$1 >= 100 { printf "%d:%.2f ", $3, $2 / $1 / 1e3 }'))
    fi
done

{
    echo "# Swap batch pause (make bench-swap)"
    echo
    echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"
    echo "QEMU TCG guest of 1 GiB (128 MiB DRAM + 896 MiB NVM, files on tmpfs), userspace swapper."
    echo "Command: \`make bench-swap\` (scripts/bench-swap.sh).  Times in ms; the pause is what the"
    echo "guest sees: from pausing the vCPUs to resuming them.  stop = pause minus the swap loop"
    echo "(vCPU stop and resume); copy = the three 4 KiB copies per swap that exchange the two"
    echo "storages' bytes; remap = the two mmap(MAP_FIXED) per swap."
    echo
    echo "| swaps per batch | batches | mean pause | min | max | stop/resume | copy | remap | remap per swap (us) | paper Table 1 |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    printf '%s\n' "${rows[@]}"
    echo
    echo "Remap cost per swap against the mappings the process already had (batches of up to"
    echo "1000, those of at least 100 swaps):"
    echo
    echo "| mappings | remap per swap (us) |"
    echo "| --- | --- |"
    for g in "${growth[@]}"; do echo "| ${g%%:*} | ${g#*:} |"; done
} > "$OUT"
cat "$OUT"
