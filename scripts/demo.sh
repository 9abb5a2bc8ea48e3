#!/bin/bash
# make demo: boot a hybrid-memory VM with the RAMinate paper's command line,
# on two sparse files standing in for a DRAM and an NVM physical range, and
# show the layout and what the guest sees.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
QMP=$TOP/tests/lib/qmp.py
D=$(mktemp -d "${TMPDIR:-/var/tmp}/raminate-demo.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$D"' EXIT
G=$((1 << 30))
truncate -s $((0x1100000000 + G)) "$D/dram.img"
truncate -s $((0x3080000000 + 7 * G)) "$D/mram.img"

args=(-m size=8G
  -object memory-backend-container,id=dmcon0,size=8G
  -object memory-backend-devmem,id=dram0,size=1G,phy-offset=0x1100000000,offset=0,parent=dmcon0,path=$D/dram.img
  -object memory-backend-devmem,id=mram0,size=7G,phy-offset=0x3080000000,offset=0x40000000,parent=dmcon0,path=$D/mram.img
  -numa node,nodeid=0,memdev=dmcon0)

echo "== The paper's command line (TCG, the test kernel, files for /dev/mem):"
echo "qemu-system-x86_64 -accel tcg ${args[*]}" | sed 's/ -/ \\\n    -/g'
echo

"$TOP/scripts/guest-run" --out "$D/out" --qmp "$D/qmp" --timeout 300 -c '
    echo "guest: $(grep MemTotal /proc/meminfo)"
    dmesg | grep -E "BIOS-e820: .*usable" | sed "s/^.*BIOS-e820/guest: BIOS-e820/"
    echo "guest: writing 2 GiB of page tags..."
    echo 0 > /proc/sys/vm/compact_unevictable_allowed
    pagetag 1 2048 wait' "${args[@]}" > /dev/null 2>&1 &

"$QMP" "$D/qmp" wait
echo "== The container and its children (qom-get):"
for id in dram0 mram0; do
    get() { "$QMP" "$D/qmp" qom-get "{\"path\": \"/objects/$id\", \"property\": \"$1\"}" | tr -d '"'; }
    printf '  %-6s tier=%-4s  container [0x%09x, 0x%09x)  <- %s + 0x%x\n' "$id" "$(get tier)" \
        "$(get offset)" $(( $(get offset) + $(get size) )) "$(basename "$(get path)")" "$(get phy-offset)"
done
echo "== Guest-physical layout (info mtree):"
"$QMP" "$D/qmp" hmp "info mtree" | grep -E "alias ram-(below|above)-4g" | sed 's/^ */  /' | sort -u
echo
for _ in $(seq 600); do grep -q '^TAGGED' "$D/out" && break; sleep 0.1; done
grep -v '^TAGGED' "$D/out" | tr -d '\r'
echo "guest: $(grep '^TAGGED' "$D/out" | tr -d '\r' | awk '{ print $2 " pages tagged" }')"
"$QMP" "$D/qmp" quit > /dev/null || true
wait || true
echo
echo "== Where the guest's bytes landed (allocated blocks of each file):"
for f in dram mram; do
    printf '  %s.img: %5d MiB\n' $f $(( $(stat -c '%b * %B' "$D/$f.img") / 1048576 ))
done
echo
echo "Without placement, writes land wherever the guest kernel puts its pages:"
echo "most in NVM (7/8 of RAM).  RAMinate (next milestone) moves write-hot pages to DRAM."
