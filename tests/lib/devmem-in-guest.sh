#!/bin/bash
# Run inside the test guest (as root, the host's root at /, a real /dev/mem
# with CONFIG_STRICT_DEVMEM): a container whose DRAM child maps a physical
# range of /dev/mem that the guest kernel reserved at boot (memmap=).
# Without running a guest CPU, QEMU's view is compared with /dev/mem both
# ways: a blob QEMU loads into guest RAM appears in /dev/mem, and random
# bytes written to /dev/mem appear in QEMU's pmemsave.  A /dev/mem range of
# System RAM is refused.  Args: PHYS SIZE_MB.
source "$(dirname "$0")/common.sh"

PHYS=$1 MB=$2
M=$((1 << 20))
grep -i "^ *$(printf '%x' "$PHYS")-.* : Reserved" /proc/iomem > /dev/null ||
    fail "the range at $PHYS is not reserved in /proc/iomem"

rc=0
timeout "$(budget 20)" "$QEMU" -accel tcg -nodefaults -display none -S -m 64M \
    -object memory-backend-container,id=c,size=64M \
    -object memory-backend-devmem,id=d,size=64M,phy-offset=0x1000000,parent=c \
    -numa node,memdev=c > "$WORK/err" 2>&1 || rc=$?
[ $rc != 0 ] && [ $rc -lt 124 ] && grep -q "overlaps host System RAM" "$WORK/err" ||
    fail "System RAM through /dev/mem not refused: $(cat "$WORK/err")"
note "refused: $(head -n1 "$WORK/err" | cut -c1-120)"

sparse_file "$WORK/nvm.img" $((256 * M - MB * M))
dd if=/dev/urandom of="$WORK/blob" bs=1M count=1 status=none
dd if=/dev/urandom of=/dev/mem bs=1M seek=$((PHYS / M)) count="$MB" status=none ||
    fail "cannot write the reserved range through /dev/mem"
SOCK=$WORK/qmp
"$QEMU" -accel tcg -nodefaults -display none -S -m 256M \
    -object memory-backend-container,id=c,size=256M,raminate=off \
    -object memory-backend-devmem,id=dram0,size=${MB}M,phy-offset=$PHYS,offset=0,parent=c \
    -object memory-backend-devmem,id=mram0,size=$((256 - MB))M,offset=${MB}M,parent=c,path="$WORK/nvm.img" \
    -numa node,memdev=c -device loader,file="$WORK/blob",addr=0x2000000,force-raw=on \
    -qmp "unix:$SOCK,server=on,wait=off" > "$WORK/log" 2>&1 &
"$QMP" "$SOCK" wait
"$QMP" "$SOCK" pmemsave "{\"val\": 0, \"size\": $((MB * M)), \"filename\": \"$WORK/dump\"}" > /dev/null
"$QMP" "$SOCK" quit > /dev/null || true
wait
dd if=/dev/mem of="$WORK/devmem" bs=1M skip=$((PHYS / M)) count="$MB" status=none
cmp <(dd if="$WORK/devmem" bs=1M skip=32 count=1 status=none) "$WORK/blob" ||
    fail "the blob QEMU loaded at guest 0x2000000 is not at $PHYS + 0x2000000 in /dev/mem"
# Guest-physical [640K, 1M) is the VGA window and the BIOS's ROM, not RAM.
cmp -n $((0xa0000)) "$WORK/dump" "$WORK/devmem" &&
    cmp -i $((0x100000)) "$WORK/dump" "$WORK/devmem" ||
    fail "QEMU's view of guest memory differs from /dev/mem"
note "QEMU's loads reach /dev/mem and its pmemsave of ${MB} MiB equals /dev/mem at $PHYS"

# And a guest running on it, under KVM: it tags its memory, and every page
# is found in /dev/mem or the NVM file where the layout says.  kvm=off: with
# KVM's paravirtual clock, this KVM (6.12) oopses in kvm_setup_guest_pvclock
# on guest memory outside the host kernel's direct map, as a memmap= range is.
if [ -c /dev/kvm ]; then
    NONCE=$RANDOM$RANDOM
    show_on_failure "$WORK/l2out" "$WORK/l2log" "$WORK/l2console"
    "$GUEST_RUN" --accel kvm --out "$WORK/l2out" --console "$WORK/l2console" --qmp "$WORK/l2qmp" \
        --timeout "$(budget 300)" -c "
        echo 0 > /proc/sys/vm/compact_unevictable_allowed
        pagetag $NONCE 96 wait" -cpu host,kvm=off -m 256M \
        -object memory-backend-container,id=c,size=256M,raminate=off \
        -object memory-backend-devmem,id=dram0,size=${MB}M,phy-offset=$PHYS,offset=0,parent=c \
        -object memory-backend-devmem,id=mram0,size=$((256 - MB))M,offset=${MB}M,parent=c,path="$WORK/nvm.img" \
        -numa node,memdev=c > "$WORK/l2log" 2>&1 &
    wait_for "$WORK/l2out" '^TAGGED' 250 || fail "the KVM guest did not tag its memory"
    read -r _ pages _ _ _ < <(grep '^TAGGED' "$WORK/l2out" | tr -d '\r')
    qmp_open "$WORK/l2qmp"
    qmp stop > /dev/null
    "$(host_prog layout-check)" --nonce "$NONCE" --expect "$pages" \
        --map "0:$((256 * M)):0" \
        --child "/dev/mem:$PHYS:0:$((MB * M))" \
        --child "$WORK/nvm.img:0:$((MB * M)):$((256 * M - MB * M))" > "$WORK/check" ||
        { cat "$WORK/check"; fail "the KVM guest's memory is not where the layout says"; }
    sed 's/^/  /' "$WORK/check"
    qmp_quit
    wait
fi
