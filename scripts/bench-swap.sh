#!/bin/bash
# make bench-swap: guest-visible pause per swap batch for 1, 100, 1000 and
# 10000 swaps, against the RAMinate paper's Table 1, with the cost broken
# down (vCPU stop/resume, data copies, remaps).  A guest program keeps a
# window of N pages write-hot and moves it every swap interval, so that
# each batch swaps N pages.  Writes docs/bench-swap.md (or $BENCH_OUT) and,
# with $BENCH_CSV set, the table as CSV there (scripts/table1-pause).
# BENCH_IO="off on" measures each size twice, alternating, the second time
# with disk I/O in flight: eight guest threads keep O_DIRECT requests going
# to a virtio-blk disk the host serves slowly (build/raminate-slowfs, 20 ms
# per request), which every batch waits for (drain) before it pauses.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
QMP=$TOP/scripts/lib/qmp.py
OUT=${BENCH_OUT:-$TOP/docs/bench-swap.md}
SIZES=${BENCH_SIZES:-1 100 1000 10000}
IO_MODES=${BENCH_IO:-off}
W=$(mktemp -d /dev/shm/raminate-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; [ -n "${BENCH_KEEP:-}" ] || rm -rf "$W"' EXIT
M=$((1 << 20))

declare -A paper=([1]="28.3 (0 swaps)" [100]=27.9 [1000]=29.8 [10000]=44.3)
rows=() growth=()
[ -z "${BENCH_CSV:-}" ] || echo "swaps_per_batch,io,batches,mean_ms,min_ms,max_ms,stop_ms,copy_ms,remap_ms,remap_per_swap_us,drain_ms,paper_ms" > "$BENCH_CSV"
for n in $SIZES; do
for io in $IO_MODES; do
    echo "bench-swap: batches of $n swaps, disk I/O $io..." >&2
    d=$W/$n-$io; mkdir -p "$d"
    truncate -s $((128 * M)) "$d/dram.img"; truncate -s $((896 * M)) "$d/nvm.img"
    disk=() job=""
    if [ "$io" = on ]; then
        mkdir "$d/mnt"
        "$TOP/build/guest/bin/diskcheck" make-image "$d/disk.img" 1 16384 1024
        "$TOP/build/raminate-slowfs" --read-delay-ms 20 --write-delay-ms 20 "$d/disk.img" "$d/mnt" &
        for _ in $(seq 100); do [ -e "$d/mnt/disk.img" ] && break; sleep 0.1; done
        disk=(-drive "file=$d/mnt/disk.img,if=none,id=disk,format=raw,cache=none,aio=threads"
              -device virtio-blk-pci,drive=disk)
        job="insmod /lib/modules/virtio_blk.ko
            diskcheck run 1 /dev/vda 16384 1024 64 8 256 1000 30 &"
    fi
    "$TOP/scripts/guest-run" --out "$d/out" --qmp "$d/qmp" --timeout 300 -c "
        echo 0 > /proc/sys/vm/compact_unevictable_allowed
        $job
        memcheck 1 512 $n 2000 24" -m 1G "${disk[@]}" \
        -object memory-backend-container,id=c,size=1G,scan-interval-ms=250,swap-interval-ms=2000,max-swaps=$n,lifetime-ms=500 \
        -object memory-backend-devmem,id=d,size=128M,parent=c,path="$d/dram.img" \
        -object memory-backend-devmem,id=n,size=896M,offset=128M,parent=c,path="$d/nvm.img" \
        -numa node,memdev=c -trace raminate_swap_batch -D "$d/trace" > /dev/null 2>&1 &
    for _ in $(seq 600); do grep -q '^MEMCHECK' "$d/out" 2>/dev/null && break; sleep 0.5; done
    "$QMP" "$d/qmp" quit > /dev/null 2>&1 || true
    wait "$!" 2>/dev/null || true
    [ "$io" = off ] || { fusermount3 -uz "$d/mnt"; wait || true; }
    # Full batches only: done == n.
    row=$(sed -n 's/.*raminate_swap_batch c done=\([0-9]*\) failed=[0-9]* dma=[0-9]* drain=\([0-9]*\)ns pause=\([0-9]*\)ns stop=\([0-9]*\)ns copy=\([0-9]*\)ns remap=\([0-9]*\)ns mappings=\([0-9]*\).*/\1 \3 \4 \5 \6 \7 \2/p' "$d/trace" |
        awk -v n="$n" '$1 == n { c++; p += $2; s += $3; cp += $4; r += $5; dr += $7; if (!min || $2 < min) min = $2; if ($2 > max) max = $2 }
            END { if (c) printf "%d %.2f %.2f %.2f %.2f %.2f %.2f %.2f %.2f", c, p/c/1e6, min/1e6, max/1e6, s/c/1e6, cp/c/1e6, r/c/1e6, r/c/n/1e3, dr/c/1e6 }')
    [ -n "$row" ] || { echo "bench-swap: no full batch of $n swaps" >&2; continue; }
    read -r c mean min max stop copy remap per drain <<< "$row"
    rows+=("| $n | $io | $c | **$mean** | $min | $max | $stop | $copy | $remap | $per | $drain | ${paper[$n]} |")
    [ -z "${BENCH_CSV:-}" ] ||
        echo "$n,$io,$c,$mean,$min,$max,$stop,$copy,$remap,$per,$drain,${paper[$n]%% *}" >> "$BENCH_CSV"
    if [ "$n" = 1000 ] && [ "$io" = off ]; then
        growth+=($(sed -n 's/.*done=\([0-9]*\) .*remap=\([0-9]*\)ns mappings=\([0-9]*\).*/\1 \2 \3/p' "$d/trace" |
            awk '$1 >= 100 { printf "%d:%.2f ", $3, $2 / $1 / 1e3 }'))
    fi
done
done

{
    echo "# Swap batch pause (make bench-swap)"
    echo
    echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"
    echo "QEMU TCG guest of 1 GiB (128 MiB DRAM + 896 MiB NVM, files on tmpfs), userspace swapper."
    echo "Command: \`make bench-swap\` (scripts/bench-swap.sh).  Times in ms; the pause is what the"
    echo "guest sees: from pausing the vCPUs to resuming them.  stop = pause minus the swap loop"
    echo "(vCPU stop and resume); copy = the three 4 KiB copies per swap that exchange the two"
    echo "storages' bytes; remap = the two mmap(MAP_FIXED) per swap.  drain = the wait for disk"
    echo "requests in flight before the pause (the guest's disk I/O stalls, its vCPUs run)."
    echo
    echo "| swaps per batch | disk I/O | batches | mean pause | min | max | stop/resume | copy | remap | remap per swap (us) | drain | paper Table 1 |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
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
