#!/bin/bash
# Run one of upstream QEMU's qtests against our binary.  qtests try KVM
# first, which hangs on hosts whose /dev/kvm cannot run guests, so /dev/kvm is
# hidden in a private mount namespace and the tests fall back to TCG.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=$TOP/build/qemu-build
ninja -C "$B" "tests/qtest/$1" > /dev/null
export QTEST_QEMU_BINARY=$B/qemu-system-x86_64
export QTEST_QEMU_STORAGE_DAEMON_BINARY=$B/storage-daemon/qemu-storage-daemon
if [ -e /dev/kvm ] && [ "$(id -u)" = 0 ]; then
    exec unshare -m sh -c 'mount --bind /dev/null /dev/kvm && exec "$0" --tap -k' "$B/tests/qtest/$1"
fi
exec "$B/tests/qtest/$1" --tap -k
