#!/bin/bash
# Run inside the test guest (as root, the host's root at /, a real /dev/mem
# with CONFIG_STRICT_DEVMEM): a container whose DRAM child maps a physical
# range of /dev/mem that the guest kernel reserved at boot (memmap=).
# Without running a guest CPU, QEMU's view is compared with /dev/mem both
# ways: a blob QEMU loads into guest RAM appears in /dev/mem, and random
# bytes written to /dev/mem appear in QEMU's pmemsave.  A /dev/mem range of
# System RAM is refused, and so is one range in two containers.
# Args: PHYS SIZE_MB.
source "$(dirname "$0")/common.sh"

PHYS=$1 MB=$2
M=$((1 << 20))
grep -i "^ *$(printf '%x' "$PHYS")-.* : Reserved" /proc/iomem > /dev/null ||
    fail "the range at $PHYS is not reserved in /proc/iomem"

refuse "overlaps host System RAM" \
    timeout "$(budget 20)" "$QEMU" -accel tcg -nodefaults -display none -S -m 64M \
    -object memory-backend-container,id=c,size=64M \
    -object memory-backend-devmem,id=d,size=64M,phy-offset=0x1000000,parent=c \
    -numa node,memdev=c

# The same physical range in two containers, by two names of /dev/mem.
mknod "$WORK/mem" c 1 1
refuse "is mapped by 'd' of container 'c' already" \
    timeout "$(budget 20)" "$QEMU" -accel tcg -nodefaults -display none -S -m 32M \
    -object memory-backend-container,id=c,size=16M \
    -object memory-backend-devmem,id=d,size=16M,phy-offset=$PHYS,parent=c \
    -object memory-backend-container,id=c2,size=16M \
    -object memory-backend-devmem,id=d2,size=16M,phy-offset=$((PHYS + 8 * M)),parent=c2,path="$WORK/mem" \
    -numa node,memdev=c -numa node,memdev=c2

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
# A disk hot-plugged with host direct I/O is refused as one at start is;
# the same disk without it attaches.
sparse_file "$WORK/disk.img" $M
for direct in true false; do
    "$QMP" "$SOCK" blockdev-add "{\"driver\": \"file\", \"node-name\": \"direct-$direct\",
        \"filename\": \"$WORK/disk.img\", \"cache\": {\"direct\": $direct}}" > /dev/null
done
refuse "/dev/mem memory cannot take host direct I/O, and drive 'direct-true' has cache.direct=on" \
    "$QMP" "$SOCK" device_add '{"driver": "virtio-blk-pci", "drive": "direct-true", "id": "hot"}'
"$QMP" "$SOCK" device_add '{"driver": "virtio-blk-pci", "drive": "direct-false", "id": "hot"}' \
    > /dev/null || fail "a hot-plugged disk without direct I/O did not attach"
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
    # Its disk.  Host direct I/O pins the pages it reads into, which
    # /dev/mem memory cannot be: through FUSE direct I/O every request into
    # it failed and the guest saw I/O errors.  cache=none is refused;
    # buffered I/O (cache=writeback) into /dev/mem pages works.
    "$TOP/build/guest/bin/diskcheck" make-image "$WORK/disk.img" 1 4096 256
    refuse "/dev/mem memory cannot take host direct I/O, and drive 'disk' has cache.direct=on" \
        timeout "$(budget 20)" "$QEMU" -accel tcg -nodefaults -display none -S -m 64M \
        -object memory-backend-container,id=c,size=64M \
        -object memory-backend-devmem,id=d,size=64M,phy-offset=$PHYS,parent=c \
        -numa node,memdev=c -device virtio-blk-pci,drive=disk \
        -drive file="$WORK/disk.img",if=none,id=disk,format=raw,cache=none
    "$GUEST_RUN" --accel kvm --out "$WORK/l2out" --console "$WORK/l2console" --qmp "$WORK/l2qmp" \
        --timeout "$(budget 300)" -c "
        echo 0 > /proc/sys/vm/compact_unevictable_allowed
        insmod /lib/modules/virtio_blk.ko
        diskcheck run 1 /dev/vda 4096 256 128 4 32768 1000 3 > /tmp/dc &
        dc=\$!
        while ! grep -q DISKCHECK /tmp/dc; do sleep 1; done
        cat /tmp/dc; kill \$dc; wait \$dc
        pagetag $NONCE 96 wait" -cpu host,kvm=off -m 256M \
        -drive file="$WORK/disk.img",if=none,id=disk,format=raw,cache=writeback \
        -device virtio-blk-pci,drive=disk \
        -object memory-backend-container,id=c,size=256M,raminate=off \
        -object memory-backend-devmem,id=dram0,size=${MB}M,phy-offset=$PHYS,offset=0,parent=c \
        -object memory-backend-devmem,id=mram0,size=$((256 - MB))M,offset=${MB}M,parent=c,path="$WORK/nvm.img" \
        -numa node,memdev=c > "$WORK/l2log" 2>&1 &
    l2=$!
    wait_for "$WORK/l2out" '^TAGGED' 250 || fail "the KVM guest did not tag its memory"
    line=$(grep '^DISKCHECK' "$WORK/l2out" | tr -d '\r')
    note "disk I/O into /dev/mem memory (cache=writeback): $line"
    [[ "$line" == *" ioerrors=0 bad_reads=0 bad_pages=0 bad_blocks=0" ]] ||
        fail "disk I/O into /dev/mem memory failed: $line"
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
    wait "$l2" || true
fi
