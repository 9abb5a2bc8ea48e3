#!/bin/bash
# Run inside the test guest (as root, the host's root at /, the guest's
# /sys at /sys): a device-dax region made with Debian's ndctl from the
# legacy pmem device of a memmap=SIZE!START reservation, as the DRAM child
# of a container.  Aligned to 2 MiB (ndctl's default for devdax), each of
# its mappings is a 2 MiB page, which the remap swapper cannot move 4 KiB
# at a time: RAMinate refuses it at start, naming the align and the fix.
# Aligned to 4 KiB it is taken, and QEMU's loads reach the device.
# Args: none (the region is namespace0.0).
source "$(dirname "$0")/common.sh"

M=$((1 << 20))
# devdax_align ALIGN: namespace0.0 (the legacy pmem) as /dev/dax0.0.
devdax_align() {
    ndctl create-namespace --force --reconfig=namespace0.0 --mode=devdax \
        --align="$1" > "$WORK/ndctl" 2>&1 || { cat "$WORK/ndctl"; fail "ndctl --align=$1 failed"; }
    [ -c /dev/dax0.0 ] || fail "no /dev/dax0.0 after ndctl --align=$1"
    [ "$(cat /sys/bus/dax/devices/dax0.0/align)" = "$(($2))" ] ||
        fail "dax0.0 has align $(cat /sys/bus/dax/devices/dax0.0/align), not $1"
}
sparse_file "$WORK/nvm.img" $((224 * M))
# container ARGS...: QEMU with a container of the dax region's first 32 MiB
# (DRAM) and a file (NVM), RAMinate on; ARGS are QEMU's further arguments.
container() {
    timeout "$(budget 30)" "$QEMU" -accel tcg -nodefaults -display none -S -m 256M \
        -object memory-backend-container,id=c,size=256M \
        -object memory-backend-devmem,id=d,size=32M,parent=c,path=/dev/dax0.0 \
        -object memory-backend-devmem,id=n,size=224M,offset=32M,parent=c,path="$WORK/nvm.img" \
        -numa node,memdev=c "$@"
}

devdax_align 2M 0x200000
refuse "a device-dax source maps pages of 0x200000 bytes (its align)" container
grep -q -- "--align=4K" "$WORK/refused" || fail "the refusal does not say how to fix it"

devdax_align 4K 0x1000
dd if=/dev/urandom of="$WORK/blob" bs=1M count=1 status=none
SOCK=$WORK/qmp
container -device loader,file="$WORK/blob",addr=0x100000,force-raw=on \
    -qmp "unix:$SOCK,server=on,wait=off" > "$WORK/log" 2>&1 &
qemu=$!
show_on_failure "$WORK/log"
"$QMP" "$SOCK" wait
qmp_open "$SOCK"
in_force=$(raminate_field c '"%s %s" % (i["enabled"], i["swapper"])')
qmp pmemsave "{\"val\": $M, \"size\": $M, \"filename\": \"$WORK/dump\"}" > /dev/null
qmp_quit
wait "$qemu" || true
[ "$in_force" = "True remap" ] || fail "RAMinate on a 4 KiB device-dax: enabled, swapper: $in_force"
cmp "$WORK/dump" "$WORK/blob" || fail "QEMU's view of guest memory on device-dax is not what it loaded"
# The device's own bytes (device-dax is read through mmap only).
python3 -c '
import mmap, os, sys
fd = os.open("/dev/dax0.0", os.O_RDWR)
sys.stdout.buffer.write(mmap.mmap(fd, 2 << 20)[1 << 20:])' > "$WORK/device" ||
    fail "cannot map /dev/dax0.0"
cmp "$WORK/device" "$WORK/blob" || fail "what QEMU loaded at guest 1 MiB is not on the device at 1 MiB"
note "device-dax: align 2M refused at start, align 4K taken (RAMinate on, swapper remap)"
