#!/bin/bash
# make demo: boot a hybrid-memory VM with the RAMinate paper's command line,
# on two sparse files standing in for a DRAM and an NVM physical range, and
# show the layout and what the guest sees.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
QMP=$TOP/scripts/lib/qmp.py
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
    echo "guest: a 16 MiB write-hot set (4096 pages) in NVM, rewritten every 20 ms"
    echo 0 > /proc/sys/vm/compact_unevictable_allowed
    hotset 1 1024 4096 1024 75' "${args[@]}" > /dev/null 2>&1 &

"$QMP" "$D/qmp" wait
# get OBJECT PROPERTY: qom-get on /objects/OBJECT, without a string's quotes.
get() { "$QMP" "$D/qmp" qom-get "{\"path\": \"/objects/$1\", \"property\": \"$2\"}" | tr -d '"'; }
echo "== The container and its children (qom-get):"
for id in dram0 mram0; do
    printf '  %-6s tier=%-4s  container [0x%09x, 0x%09x)  <- %s + 0x%x\n' "$id" "$(get $id tier)" \
        "$(get $id offset)" $(( $(get $id offset) + $(get $id size) )) \
        "$(basename "$(get $id path)")" "$(get $id phy-offset)"
done
echo "== Guest-physical layout (info mtree):"
"$QMP" "$D/qmp" hmp "info mtree" | grep -E "alias ram-(below|above)-4g" | sed 's/^ */  /' | sort -u
echo
for _ in $(seq 600); do grep -q '^HOT' "$D/out" && break; sleep 0.1; done
grep -v '^HOT' "$D/out" | tr -d '\r'
echo
echo "== RAMinate at work (query-raminate each second; the container's defaults:" \
    "scan every $(get dmcon0 scan-interval-ms) ms, swap every $(get dmcon0 swap-interval-ms) ms," \
    "placement $(get dmcon0 placement)):"
printf '  %4s %6s %16s %10s %8s %12s %12s\n' time epochs "written/epoch" "in DRAM" swaps "hot in NVM" "last pause"
for t in $(seq 1 30); do
    sleep 1
    # The guest's program ends after a minute: so does the table.
    info=$("$QMP" "$D/qmp" query-raminate 2> /dev/null) || break
    python3 -c "
import json, sys
i = json.loads(sys.argv[1])[0]
d = i['dirty-pages']
print('  %3ds %6d %16d %9.1f%% %8d %12d %9.1f ms' % ($t, i['epochs'], d,
      100.0 * i['dirty-dram-pages'] / d if d else 0, i['swaps'],
      i['hot-nvm-pages'], i['pause-ns']['last'] / 1e6))" "$info"
done
echo
"$QMP" "$D/qmp" hmp "info raminate" 2> /dev/null | sed 's/^/  /' || true
"$QMP" "$D/qmp" quit > /dev/null 2>&1 || true
wait || true
echo
echo "The guest's write-hot pages started in NVM (mram0); RAMinate found them and"
echo "swapped them into DRAM (dram0): the share of writes landing in DRAM climbs."
