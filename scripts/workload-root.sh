#!/bin/sh
# The workload root: the Debian packages the measurement workloads need,
# unpacked (not installed: no daemon starts on the host, nothing changes in
# its package database) into build/workload-root, plus the source tree the
# compile workload builds.  A guest lays it over the host's root (overlayfs)
# and runs the workloads there: see scripts/raminate-run.
#
# Only what the host lacks is unpacked, in the host's Debian release, so the
# unpacked programs use the host's own libraries.  The .deb files and the
# source are cached in ~/.cache/raminate/downloads.
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
ROOT=$TOP/build/workload-root
CACHE=${RAMINATE_CACHE:-$HOME/.cache/raminate}
DL=$CACHE/downloads/workloads
# The key-value store and its load generator, the web server and its client,
# the graph library; xz, bzip2 and gcc come with make deps.
PKGS="redis-server redis-tools lighttpd siege python3-igraph"
# The compile workload: Lua 5.4, a real C source tree that builds without
# a configure step (Debian trixie's source package).
COMPILE_SRC=lua5.4

die() { echo "workload-root: error: $*" >&2; exit 1; }

want="$PKGS $COMPILE_SRC $(cat "$0" | sha256sum | cut -c1-16)"
if [ "$(cat "$ROOT/.stamp" 2>/dev/null)" = "$want" ]; then
    exit 0
fi

mkdir -p "$DL"
# What the host lacks of the packages and their dependencies, with versions.
# shellcheck disable=SC2086
missing=$(apt-get install -s --no-install-recommends $PKGS 2>&1) ||
    die "apt cannot resolve $PKGS (run 'sudo apt-get update'): $missing"
missing=$(echo "$missing" | awk '/^Inst/ { print $2 "=" substr($3, 2) }')
for pv in $missing; do
    p=${pv%%=*} v=${pv#*=}
    ls "$DL/${p}_"*"${v#*:}"_*.deb > /dev/null 2>&1 && continue
    echo "workload-root: downloading $pv"
    (cd "$DL" && apt-get -qq -o APT::Sandbox::User=root download "$pv") || die "cannot download $pv (stale package lists? run 'sudo apt-get update')"
done

srcver=$(sh "$TOP/scripts/apt-private.sh" srcversion "$COMPILE_SRC")
[ -n "$srcver" ] || die "no source package $COMPILE_SRC in Debian trixie"
orig=$DL/${COMPILE_SRC}_${srcver%-*}.orig.tar.gz
if [ ! -f "$orig" ]; then
    echo "workload-root: downloading the $COMPILE_SRC $srcver source"
    sh "$TOP/scripts/apt-private.sh" source "$DL" "$COMPILE_SRC=$srcver"
fi
[ -f "$orig" ] || die "the $COMPILE_SRC source has no $orig"

rm -rf "$ROOT"
mkdir -p "$ROOT/usr/src/compile"
for pv in $missing; do
    p=${pv%%=*} v=${pv#*=}
    dpkg-deb -x "$(ls "$DL/${p}_"*"${v#*:}"_*.deb | head -n1)" "$ROOT"
done
# A directory in the root hides the host's entry of that name in the
# guest's overlay: on a merged-/usr host, /lib must stay the host's symlink.
for d in bin sbin lib lib32 lib64 libx32; do
    if [ -L "/$d" ] && [ -d "$ROOT/$d" ] && [ ! -L "$ROOT/$d" ]; then
        mkdir -p "$ROOT/usr/$d"
        cp -a "$ROOT/$d/." "$ROOT/usr/$d/"
        rm -rf "${ROOT:?}/$d"
    fi
done
tar -xzf "$orig" -C "$ROOT/usr/src/compile" --strip-components=1
echo "$want" > "$ROOT/.stamp"
echo "workload-root: $ROOT ($(echo $missing | wc -w) packages, $COMPILE_SRC $srcver)"
