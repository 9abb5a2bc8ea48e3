#!/bin/sh
# A private apt configuration under the raminate cache: Debian trixie (QEMU
# 10.0.x, Linux 6.12.y) and bookworm-backports (meson), binaries and sources,
# without touching the system's apt sources.  The archive URI is taken from the
# system's own configuration.
#
#   apt-private.sh update                 refresh the lists (at most once a day)
#   apt-private.sh version PKG            candidate version of a binary package
#   apt-private.sh srcversion SRC         newest version of a source package
#   apt-private.sh depends PKG            the packages PKG depends on
#   apt-private.sh download DIR PKG=VER.. fetch .deb files into DIR (cached)
#   apt-private.sh source DIR SRC=VER     fetch a source package into DIR
set -eu

CACHE=${RAMINATE_CACHE:-$HOME/.cache/raminate}
D=$CACHE/apt
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

archive_uri() {
    uri=""
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        # The first stanza that is not the security archive.
        uri=$(awk '/^URIs:/ { print $2 }' "$f" | grep -v security | head -n1)
        [ -n "$uri" ] && break
    done
    if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
        uri=$(awk '$1 == "deb" && $0 !~ /security/ {
                     for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; exit } }' \
              /etc/apt/sources.list)
    fi
    if [ -z "$uri" ]; then
        echo "apt-private: no Debian archive URI found in /etc/apt/sources.list{,.d}" >&2
        exit 1
    fi
    echo "$uri"
}

O="-o Dir::Etc::SourceList=$D/sources.list -o Dir::Etc::SourceParts=/dev/null
   -o Dir::State::Lists=$D/lists -o Dir::Cache=$D/cache
   -o Dir::State::status=/dev/null -o APT::Sandbox::User=root"

do_update() {
    mkdir -p "$D/lists/partial" "$D/cache/archives/partial"
    uri=$(archive_uri)
    cat > "$D/sources.list.new" <<EOS
deb     [signed-by=$KEYRING] $uri trixie main
deb-src [signed-by=$KEYRING] $uri trixie main
deb     [signed-by=$KEYRING] $uri bookworm-backports main
EOS
    # Refresh when the configuration changed or the lists are a day old.
    if cmp -s "$D/sources.list.new" "$D/sources.list" 2>/dev/null &&
       [ -n "$(find "$D/lists" -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null)" ]; then
        rm -f "$D/sources.list.new"
        return 0
    fi
    mv "$D/sources.list.new" "$D/sources.list"
    # shellcheck disable=SC2086
    apt-get $O -qq update
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
update)
    do_update ;;
version)
    do_update
    # shellcheck disable=SC2086
    apt-cache $O policy "$1" | awk '/Candidate:/ { print $2 }' ;;
srcversion)
    do_update
    # shellcheck disable=SC2086
    apt-cache $O showsrc "$1" | awk '/^Version:/ { print $2 }' | sort -V | tail -n1 ;;
depends)
    do_update
    # shellcheck disable=SC2086
    apt-cache $O depends "$1" | awk '/Depends:/ { print $2 }' ;;
download)
    do_update
    dir=$1; shift
    mkdir -p "$dir"
    # shellcheck disable=SC2086
    (cd "$dir" && apt-get $O -qq download "$@") ;;
source)
    do_update
    dir=$1; shift
    mkdir -p "$dir"
    # shellcheck disable=SC2086
    (cd "$dir" && apt-get $O -qq source --download-only "$@") ;;
*)
    echo "usage: $0 update|version PKG|srcversion SRC|depends PKG|download DIR PKG..|source DIR SRC" >&2
    exit 2 ;;
esac
