#!/bin/sh
# Build build/qemu-system-x86_64: the pinned upstream QEMU 10.0.x with the
# raminate patch series (qemu/patches) and our sources (backends/).
#
# Upstream source comes from Debian's `qemu` source package through a private
# apt configuration, or from an upstream release tarball named by
# QEMU_TARBALL=... (checked against the sha256 in qemu/PIN).
#
# Downloads and ccache live in $RAMINATE_CACHE (default ~/.cache/raminate), so a
# fresh checkout rebuilds from a warm cache in seconds.
#
# scripts/check-qemu-series.sh builds the tree at each patch of the series:
# QEMU_PATCHES_UPTO=K applies only the first K patches, in QEMU_BUILD_DIR.
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${QEMU_BUILD_DIR:-$TOP/build}
UPTO=${QEMU_PATCHES_UPTO:-$(ls "$TOP"/qemu/patches/*.patch | wc -l)}
CACHE=${RAMINATE_CACHE:-$HOME/.cache/raminate}
DL=$CACHE/downloads
SRC=$B/qemu-src
# QEMU_SANITIZE=1: the same tree with ASan and UBSan, beside the plain one.
if [ -n "${QEMU_SANITIZE:-}" ]; then
    SUFFIX=-asan SANITIZE="--enable-asan --enable-ubsan"
else
    SUFFIX="" SANITIZE=""
fi
OBJ=$B/qemu-build$SUFFIX
VENV=$TOP/build/venv
. "$TOP/qemu/PIN"

START=$(date +%s)
log() { echo "build-qemu: $*"; }
die() { echo "build-qemu: error: $*" >&2; exit 1; }

mkdir -p "$B" "$DL"

# --- 1. Pick the upstream source -------------------------------------------
if [ -n "${QEMU_TARBALL:-}" ]; then
    [ -f "$QEMU_TARBALL" ] || die "QEMU_TARBALL=$QEMU_TARBALL: no such file"
    [ -n "$QEMU_TARBALL_SHA256" ] ||
        die "qemu/PIN has no QEMU_TARBALL_SHA256; set it to the release's checksum"
    sum=$(sha256sum "$QEMU_TARBALL" | cut -d' ' -f1)
    [ "$sum" = "$QEMU_TARBALL_SHA256" ] ||
        die "QEMU_TARBALL=$QEMU_TARBALL has sha256 $sum, qemu/PIN pins $QEMU_TARBALL_SHA256 ($QEMU_TARBALL_NAME)"
    origin="tarball $sum"
    debver=$(sh "$TOP/scripts/apt-private.sh" version qemu-system-data)
else
    debver=$(sh "$TOP/scripts/apt-private.sh" srcversion qemu)
    [ -n "$debver" ] || die "no qemu source package in Debian $QEMU_DEBIAN_SUITE"
    upver=${debver#*:}; upver=${upver%%+*}; upver=${upver%%-*}
    case "$upver" in
    "$QEMU_SERIES".*) ;;
    *) die "Debian $QEMU_DEBIAN_SUITE has qemu $upver, raminate pins $QEMU_SERIES.x (qemu/PIN)" ;;
    esac
    origin="debian $debver"
fi

# --- 2. Download what is missing --------------------------------------------
noepoch=${debver#*:}
if [ -z "${QEMU_TARBALL:-}" ] && ! ls "$DL"/qemu_"${noepoch%-*}".orig.tar.* >/dev/null 2>&1; then
    log "downloading Debian qemu source $debver"
    sh "$TOP/scripts/apt-private.sh" source "$DL" "qemu=$debver"
fi
if ! ls "$DL"/qemu-system-data_*"${noepoch}"_all.deb >/dev/null 2>&1; then
    sh "$TOP/scripts/apt-private.sh" download "$DL" "qemu-system-data=$debver"
fi
mesonver=$(sh "$TOP/scripts/apt-private.sh" version meson)
if ! ls "$DL"/meson_"$mesonver"_all.deb >/dev/null 2>&1; then
    sh "$TOP/scripts/apt-private.sh" download "$DL" "meson=$mesonver"
fi

# --- 3. Unpack and patch when the source or the series changed --------------
# The patches applied, one path a line.
patches() { ls "$TOP"/qemu/patches/*.patch | head -n "$UPTO"; }
stamp="$origin $(patches | while IFS= read -r p; do cat "$p"; done | sha256sum | cut -c1-16)"
if [ "$(cat "$SRC/.raminate-stamp" 2>/dev/null)" != "$stamp" ]; then
    log "unpacking $origin"
    rm -rf "$SRC" "$SRC.tmp"
    mkdir -p "$SRC.tmp"
    if [ -n "${QEMU_TARBALL:-}" ]; then
        tar -C "$SRC.tmp" --no-same-owner --strip-components=1 -xf "$QEMU_TARBALL"
    else
        tar -C "$SRC.tmp" --no-same-owner --strip-components=1 \
            -xf "$(ls "$DL"/qemu_"${noepoch%-*}".orig.tar.*)"
        # The +ds tarball lacks the bundled Python wheels and firmware blobs;
        # Debian's own packaging patches make the build cope with that.
        mkdir -p "$SRC.tmp/.debian"
        tar -C "$SRC.tmp/.debian" --no-same-owner -xf "$DL/qemu_${noepoch}.debian.tar.xz"
        for p in disable-pycotap.patch skip-unpack-edk2-blobs.patch; do
            patch -s -d "$SRC.tmp" -p1 < "$SRC.tmp/.debian/debian/patches/$p" ||
                die "Debian's $p no longer applies to qemu $debver"
        done
        rm -rf "$SRC.tmp/.debian"
    fi
    patches | while IFS= read -r p; do
        patch -s -d "$SRC.tmp" -p1 --no-backup-if-mismatch < "$p" ||
            die "our patch $(basename "$p") does not apply to $origin; rebase qemu/patches"
    done
    echo "$stamp" > "$SRC.tmp/.raminate-stamp"
    mv "$SRC.tmp" "$SRC"
    rm -rf "$B/qemu-build" "$B/qemu-build-asan"
fi

# Our own sources: linked, so that editing backends/ rebuilds in seconds.
for f in "$TOP"/backends/*.[ch]; do
    [ -e "$f" ] && ln -sf "$f" "$SRC/backends/$(basename "$f")"
done

# --- 4. A Python venv with a meson new enough for QEMU 10 -------------------
if [ ! -x "$VENV/bin/python3" ] || [ "$(cat "$VENV/.meson" 2>/dev/null)" != "$mesonver" ]; then
    log "python venv with meson $mesonver"
    rm -rf "$VENV"
    /usr/bin/python3 -m venv --without-pip "$VENV"
    rm -rf "$B/meson-deb"
    dpkg-deb -x "$DL/meson_${mesonver}_all.deb" "$B/meson-deb"
    site=$("$VENV/bin/python3" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    cp -r "$B"/meson-deb/usr/lib/python3/dist-packages/mesonbuild \
          "$B"/meson-deb/usr/lib/python3/dist-packages/meson-*-info "$site/"
    rm -rf "$B/meson-deb"
    echo "$mesonver" > "$VENV/.meson"
fi

# --- 5. Configure and build -------------------------------------------------
export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}
export CCACHE_BASEDIR=$B CCACHE_NOHASHDIR=1
cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"
if [ ! -f "$OBJ/build.ninja" ]; then
    log "configuring"
    mkdir -p "$OBJ"
    (cd "$OBJ" && "$SRC/configure" --python="$VENV/bin/python3" --cc="$cc" \
        --target-list=x86_64-softmmu --without-default-features \
        --enable-kvm --enable-tcg --enable-plugins --enable-attr --enable-virtfs \
        --disable-docs --disable-werror --disable-install-blobs $SANITIZE) \
        > "$B/configure$SUFFIX.log" 2>&1 ||
        { tail -n 30 "$B/configure$SUFFIX.log"; die "configure failed, see build/configure$SUFFIX.log"; }
fi
log "building qemu-system-x86_64$SUFFIX"
if ! ninja -C "$OBJ" ${NINJA_FLAGS:-} qemu-system-x86_64 > "$B/ninja$SUFFIX.log" 2>&1; then
    grep -v '^\[' "$B/ninja$SUFFIX.log" | tail -n 40
    die "the build failed (build/ninja$SUFFIX.log)"
fi
# Our own sources must build without warnings (QEMU's configure has
# --disable-werror for upstream code we do not control).
if grep -A3 -E "backends/(hostmem-container|hostmem-devmem|raminate-[a-z-]*)\.c:[0-9]+:[0-9]+: warning" "$B/ninja$SUFFIX.log"; then
    touch "$TOP"/backends/*.c
    die "warnings in our sources (above)"
fi

# --- 6. Firmware from Debian, where a plain run finds it --------------------
FW=$OBJ/qemu-bundle/usr/local/share/qemu
if [ ! -e "$FW/bios-256k.bin" ]; then
    mkdir -p "$FW" "$B/qemu-data"
    dpkg-deb -x "$(ls "$DL"/qemu-system-data_*"${noepoch}"_all.deb)" "$B/qemu-data"
    for f in "$B"/qemu-data/usr/share/qemu/*.bin /usr/share/seabios/*.bin \
             /usr/lib/ipxe/qemu/*.rom; do
        [ -e "$f" ] && ln -sf "$f" "$FW/$(basename "$f")"
    done
fi
ln -sf "qemu-build$SUFFIX/qemu-system-x86_64" "$B/qemu-system-x86_64$SUFFIX"
log "ready: build/qemu-system-x86_64$SUFFIX ($origin) in $(( $(date +%s) - START )) s"
