#!/bin/sh
# The test guest kit: a Debian 6.12 kernel (generic flavour: it has 9p) and an
# initramfs of busybox-static, the 9p modules and our static guest programs
# (tests/guest/*.c).  Output: build/guest/vmlinuz and build/guest/initrd.img.
# Run guests with scripts/guest-run.
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
G=$TOP/build/guest
CACHE=${RAMINATE_CACHE:-$HOME/.cache/raminate}
DL=$CACHE/downloads
# 9p to share the host's root, overlay to make its /tmp writable; fw_cfg to receive the job; KVM (AMD: TCG's
# -cpu max emulates SVM with nested paging) to run guests of our own; nvdimm and
# dax for device-dax; vfio for passthrough behind an emulated IOMMU.
MODULES="fs/netfs/netfs net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p
         fs/overlayfs/overlay drivers/firmware/qemu_fw_cfg
         virt/lib/irqbypass arch/x86/kvm/kvm drivers/crypto/ccp/ccp
         arch/x86/kvm/kvm-amd drivers/block/virtio_blk
         drivers/nvdimm/libnvdimm drivers/nvdimm/nd_btt drivers/nvdimm/nd_pmem
         drivers/nvdimm/nd_e820 drivers/dax/device_dax drivers/dax/dax_pmem
         drivers/vfio/vfio drivers/vfio/vfio_iommu_type1
         drivers/vfio/pci/vfio-pci-core drivers/vfio/pci/vfio-pci"

die() { echo "guest-kit: error: $*" >&2; exit 1; }

pkg=$(sh "$TOP/scripts/apt-private.sh" depends linux-image-amd64 | grep '^linux-image-' | head -n1)
[ -n "$pkg" ] || die "no linux-image-amd64 in Debian trixie"
release=${pkg#linux-image-}
mkdir -p "$G" "$DL"
if ! ls "$DL/${pkg}"_*.deb >/dev/null 2>&1; then
    echo "guest-kit: downloading $pkg"
    sh "$TOP/scripts/apt-private.sh" download "$DL" "$pkg"
fi
deb=$(ls "$DL/${pkg}"_*.deb | tail -n1)

# Guest programs: static, so they run in the initramfs without a libc.
mkdir -p "$G/bin"
for c in "$TOP"/tests/guest/*.c; do
    [ -e "$c" ] || continue
    exe=$G/bin/$(basename "$c" .c)
    if [ ! -x "$exe" ] || [ "$c" -nt "$exe" ] ||
       [ "$TOP/tests/lib/frame-tag.h" -nt "$exe" ] ||
       [ "$TOP/tests/guest/common.h" -nt "$exe" ] ||
       [ "$TOP/tools/plugins/raminate-writes.h" -nt "$exe" ]; then
        gcc -O2 -Wall -Werror -static -I"$TOP/tools/plugins" -o "$exe" "$c" -lm
    fi
done

stamp="$deb $(cat "$TOP/tests/guest/init" "$TOP/tests/guest/load-kvm" "$0" | sha256sum | cut -c1-16)"
newer=$(find "$G/bin" -newer "$G/initrd.img" 2>/dev/null | head -n1)
if [ "$(cat "$G/.stamp" 2>/dev/null)" = "$stamp" ] && [ -z "$newer" ] &&
   [ -f "$G/initrd.img" ]; then
    exit 0
fi

echo "guest-kit: initramfs for $release"
rm -rf "$G/kernel" "$G/root"
mkdir -p "$G/kernel"
dpkg-deb -x "$deb" "$G/kernel"
cp "$G/kernel/boot/vmlinuz-$release" "$G/vmlinuz"

R=$G/root
mkdir -p "$R/bin" "$R/lib/modules" "$R/proc" "$R/sys" "$R/dev" "$R/host" "$R/share" "$R/tmp"
cp /bin/busybox "$R/bin/busybox"
for applet in $("$R/bin/busybox" --list); do
    [ -e "$R/bin/$applet" ] || ln -s busybox "$R/bin/$applet"
done
for m in $MODULES; do
    xz -dc "$G/kernel/usr/lib/modules/$release/kernel/$m.ko.xz" > \
        "$R/lib/modules/$(basename "$m").ko"
done
cp "$G"/bin/* "$R/bin/" 2>/dev/null || true
cp "$TOP/tests/guest/init" "$R/init"
cp "$TOP/tests/guest/load-kvm" "$R/bin/load-kvm"
chmod +x "$R/init" "$R/bin/load-kvm"
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1) > "$G/initrd.img"
rm -rf "$G/kernel" "$R"
echo "$stamp" > "$G/.stamp"
