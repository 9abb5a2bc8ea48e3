#!/bin/bash
# Run inside the test guest (as root, host root at /, /dev/mem real): a
# container whose DRAM child maps a physical range of /dev/mem that the
# guest kernel reserved at boot (memmap=), run by our QEMU under KVM.  The
# L2 guest tags its memory; we find each page in /dev/mem or the NVM file.
# Also: a /dev/mem range of System RAM is refused.  Args: PHYS SIZE_MB.
source "$(dirname "$0")/common.sh"

PHYS=$1 MB=$2
M=$((1 << 20))
grep -i "$(printf '%x' "$PHYS")-.* : Reserved" /proc/iomem ||
    fail "the range at $PHYS is not reserved in /proc/iomem"
sparse_file "$WORK/nvm.img" $((256 * M - MB * M))

rc=0
timeout 20 "$QEMU" -accel kvm -nodefaults -display none -S -m 64M \
    -object memory-backend-container,id=c,size=64M \
    -object memory-backend-devmem,id=d,size=64M,phy-offset=0x1000000,parent=c \
    -numa node,memdev=c > "$WORK/err" 2>&1 || rc=$?
[ $rc != 0 ] && [ $rc -lt 124 ] && grep -q "overlaps host System RAM" "$WORK/err" ||
    fail "System RAM through /dev/mem not refused: $(cat "$WORK/err")"
note "refused: $(head -n1 "$WORK/err" | cut -c1-120)"

NONCE=$RANDOM$RANDOM
"$GUEST_RUN" --accel kvm --out "$WORK/out" --qmp "$WORK/qmp" --timeout 300 -c "
    echo 0 > /proc/sys/vm/compact_unevictable_allowed
    pagetag $NONCE 160 wait" -m 256M \
    -object memory-backend-container,id=c,size=256M,raminate=off \
    -object memory-backend-devmem,id=dram0,size=${MB}M,phy-offset=$PHYS,offset=0,parent=c \
    -object memory-backend-devmem,id=mram0,size=$((256 - MB))M,offset=${MB}M,parent=c,path="$WORK/nvm.img" \
    -numa node,memdev=c > "$WORK/log" 2>&1 &
wait_for "$WORK/out" '^TAGGED' 250 || { cat "$WORK/out" "$WORK/log"; fail "the L2 guest did not tag its memory"; }
read -r _ pages _ _ moved < <(grep '^TAGGED' "$WORK/out" | tr -d '\r')
"$QMP" "$WORK/qmp" stop > /dev/null
"$QMP" "$WORK/qmp" pmemsave "{\"val\": $((MB * M - 2 * M)), \"size\": $((4 * M)), \"filename\": \"$WORK/dump\"}" > /dev/null
"$(host_prog layout-check)" --nonce "$NONCE" --expect "$pages" \
    --map "0:$((256 * M)):0" \
    --child "/dev/mem:$PHYS:0:$((MB * M))" \
    --child "$WORK/nvm.img:0:$((MB * M)):$((256 * M - MB * M))" \
    --dump "$WORK/dump:$((MB * M - 2 * M))" > "$WORK/check" ||
    { cat "$WORK/check"; fail "L2 memory is not where the layout says"; }
sed 's/^/  /' "$WORK/check"
"$QMP" "$WORK/qmp" quit > /dev/null || true
wait
