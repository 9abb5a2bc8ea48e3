#!/bin/sh
# Build the patched KVM modules (kvm.ko, kvm-amd.ko, kvm-intel.ko) for the
# Debian trixie 6.12 kernel that the test guest kit boots, from Debian's
# linux-source of the same version plus linux-patches/*.patch, with
# Debian's .config and Module.symvers and KERNELRELEASE set so that
# vermagic matches.  Output in build/kvm/: the modules, the patched UAPI
# headers (usr/include), the kernel release (release) and the path of the
# kernel tree (linux-src).
#
# The unpacked, configured tree is kept in the cache
# ($RAMINATE_CACHE/linux/VERSION): a change to the patch series reverts the
# old series and applies the new one, so that kbuild rebuilds only what
# changed (~2 min cold, seconds after an edit).
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${RAMINATE_CACHE:-$HOME/.cache/raminate}
DL=$CACHE/downloads
OUT=$TOP/build/kvm
APT="sh $TOP/scripts/apt-private.sh"
CC=${KVM_CC:-gcc-12}

die() { echo "build-kvm: error: $*" >&2; exit 1; }
start=$(date +%s)

# The kernel the guest kit boots: linux-image-amd64's dependency.
image=$($APT depends linux-image-amd64 | grep '^linux-image-' | head -n1)
[ -n "$image" ] || die "no linux-image-amd64 in Debian trixie"
release=${image#linux-image-}           # 6.12.117+deb13-amd64
abi=${release%-amd64}                   # 6.12.117+deb13
version=$($APT version "$image")        # 6.12.117-1
srcpkg=linux-source-$(echo "$abi" | cut -d. -f1,2)
[ "$($APT version "$srcpkg")" = "$version" ] ||
    die "$srcpkg $($APT version "$srcpkg") does not match $image $version"

mkdir -p "$DL"
for p in "$srcpkg" "linux-headers-$release" "linux-headers-$abi-common" "linux-kbuild-$abi"; do
    ls "$DL/${p}_${version}_"*.deb > /dev/null 2>&1 && continue
    echo "build-kvm: downloading $p $version"
    $APT download "$DL" "$p=$version" || die "cannot download $p=$version"
done

L=$CACHE/linux/$version
S=$L/src
if [ ! -f "$S/.raminate-prepared" ]; then
    echo "build-kvm: unpacking $srcpkg $version (a few minutes)"
    rm -rf "$L"
    mkdir -p "$L/pkg"
    dpkg-deb -x "$DL/${srcpkg}_${version}_all.deb" "$L/pkg"
    dpkg-deb -x "$DL/linux-headers-${release}_${version}_amd64.deb" "$L/pkg"
    tar -C "$L" -xf "$L/pkg/usr/src/$srcpkg.tar.xz"
    mv "$L/$srcpkg" "$S"
    hdr=$L/pkg/usr/src/linux-headers-$release
    cp "$hdr/.config" "$S/.config"
    cp "$hdr/Module.symvers" "$L/Module.symvers"
    rm -rf "$L/pkg"
    (cd "$S" &&
     scripts/config --set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
                    --set-str MODULE_SIG_KEY certs/signing_key.pem &&
     make -s CC="$CC" KERNELRELEASE="$release" olddefconfig &&
     echo "build-kvm: modules_prepare" &&
     make -s -j"$(nproc)" CC="$CC" KERNELRELEASE="$release" modules_prepare) ||
        die "cannot prepare the kernel tree in $S"
    cp "$L/Module.symvers" "$S/Module.symvers"
    mkdir -p "$L/applied"
    touch "$S/.raminate-prepared"
fi

# Bring the tree to this checkout's series: revert what differs, apply ours.
series=$(ls "$TOP"/linux-patches/*.patch 2>/dev/null || true)
if [ "$(cat "$L"/applied/*.patch 2>/dev/null | sha256sum)" != \
     "$(cat $series /dev/null | sha256sum)" ]; then
    for p in $(ls -r "$L"/applied/*.patch 2>/dev/null); do
        patch -d "$S" -p1 -R -s -f < "$p" > /dev/null ||
            { rm -f "$S/.raminate-prepared"; die "cannot revert $(basename "$p"): run again to unpack afresh"; }
        rm "$p"
    done
    for p in $series; do
        echo "build-kvm: applying $(basename "$p")"
        # A dry run first: a patch that does not apply leaves no debris.
        patch -d "$S" -p1 -s -f --dry-run < "$p" > /dev/null ||
            die "$(basename "$p") does not apply to $srcpkg $version"
        patch -d "$S" -p1 -s -f < "$p" > /dev/null
        cp "$p" "$L/applied/"
    done
fi

echo "build-kvm: building arch/x86/kvm for $release"
make -s -C "$S" -j"$(nproc)" CC="$CC" KERNELRELEASE="$release" M=arch/x86/kvm modules ||
    die "the KVM modules do not build"
mkdir -p "$OUT"
for m in kvm kvm-amd kvm-intel; do
    cp "$S/arch/x86/kvm/$m.ko" "$OUT/$m.ko"
done
# The UAPI our tests and tools compile against.
make -s -C "$S" INSTALL_HDR_PATH="$OUT/usr" headers_install > /dev/null ||
    die "headers_install failed"
echo "$release" > "$OUT/release"
echo "$S" > "$OUT/linux-src"           # its scripts/checkpatch.pl checks our series
echo "build-kvm: ready: build/kvm/{kvm,kvm-amd,kvm-intel}.ko for $release in $(( $(date +%s) - start )) s"
