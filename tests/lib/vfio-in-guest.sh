#!/bin/bash
# Run inside the test guest (as root, the host's root at /, the guest's
# /sys at /sys), where QEMU's edu PCI device sits behind an emulated Intel
# IOMMU and is bound to vfio-pci.  A vfio device pins every page of guest
# memory for DMA from the moment it attaches, so RAMinate, which moves
# pages, must never run beside one:
#   - RAMinate on at start and the device on the command line: refused,
#     naming the container and the fix;
#   - RAMinate off at start: the device attaches; switching RAMinate on is
#     refused and RAMinate stays off;
#   - RAMinate on: hot-plugging the device is refused (vfio's message), no
#     device appears and RAMinate goes on; once RAMinate is off, the same
#     hot-plug attaches the device.
# Args: none.
source "$(dirname "$0")/common.sh"

bdf=""
for dev in /sys/bus/pci/devices/*; do
    if [ "$(cat "$dev/vendor") $(cat "$dev/device")" = "0x1234 0x11e8" ]; then
        bdf=$(basename "$dev")
    fi
done
[ -n "$bdf" ] || fail "no edu device (1234:11e8) in this guest"
[ "$(basename "$(readlink "/sys/bus/pci/devices/$bdf/driver")")" = vfio-pci ] ||
    fail "the edu device $bdf is not bound to vfio-pci"
hybrid_memory "$WORK" 32 224
SOCK=$WORK/qmp
# vm RAMINATE ARGS...: QEMU with container c (raminate=RAMINATE), stopped
# before the guest runs; ARGS are QEMU's further arguments.
vm() {
    local on=$1
    shift
    HYBRID_ARGS[1]="memory-backend-container,id=c,size=256M,raminate=$on"
    timeout "$(budget 60)" "$QEMU" -accel tcg -nodefaults -display none -S -m 256M \
        "${HYBRID_ARGS[@]}" "$@"
}
# attached: the guest's PCI bus holds the edu device (True or False).
attached() { qmp query-pci '' "any(d['id']['vendor'] == 0x1234 for b in r for d in b['devices'])"; }
DEVICE_ADD="{\"driver\": \"vfio-pci\", \"host\": \"$bdf\", \"id\": \"edu\"}"

refuse "raminate cannot move pages that a device has pinned for DMA" \
    vm on -device "vfio-pci,host=$bdf"
grep -q "set raminate=off on the container" "$WORK/refused" ||
    fail "the refusal does not say how to fix it: $(cat "$WORK/refused")"

vm off -device "vfio-pci,host=$bdf" -qmp "unix:$SOCK,server=on,wait=off" > "$WORK/log" 2>&1 &
show_on_failure "$WORK/log"
"$QMP" "$SOCK" wait
qmp_open "$SOCK"
[ "$(attached)" = True ] || fail "vfio-pci did not attach with RAMinate off"
refuse "raminate cannot move pages that a device has pinned for DMA" knob c raminate true
[ "$(raminate_field c 'i["enabled"]')" = False ] || fail "RAMinate went on beside a vfio device"
qmp_quit
wait

vm on -qmp "unix:$SOCK,server=on,wait=off" > "$WORK/log" 2>&1 &
"$QMP" "$SOCK" wait
qmp_open "$SOCK"
[ "$(raminate_field c 'i["enabled"]')" = True ] || fail "RAMinate is not on"
refuse "Cannot set discarding of RAM broken" qmp device_add "$DEVICE_ADD"
[ "$(attached)" = False ] || fail "a refused vfio-pci hot-plug left the device on the bus"
[ "$(raminate_field c 'i["enabled"]')" = True ] || fail "a refused hot-plug stopped RAMinate"
knob c raminate false
qmp device_add "$DEVICE_ADD" > /dev/null || fail "vfio-pci did not hot-plug once RAMinate was off"
[ "$(attached)" = True ] || fail "the hot-plugged vfio-pci device is not on the bus"
qmp_quit
wait
note "vfio-pci $bdf: refused beside RAMinate at start, at qom-set and at hot-plug; attaches with RAMinate off"
