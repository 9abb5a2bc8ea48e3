#!/bin/sh
# Install the Debian packages raminate needs to build and test.
# Idempotent: does nothing when every package is already installed.
set -eu

PKGS="build-essential ninja-build pkg-config python3-venv bzip2 xz-utils
      libglib2.0-dev zlib1g-dev libfdt-dev libcap-ng-dev libattr1-dev
      ccache flex bison seabios ipxe-qemu busybox-static cpio
      python3-matplotlib fuse3 libfuse3-dev ndctl
      libelf-dev libssl-dev dwarves bc kmod rsync python3-ply
      debian-archive-keyring ca-certificates"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing"
if [ "$(id -u)" -ne 0 ]; then
    echo "deps: need root to install packages; run 'sudo make deps'" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
