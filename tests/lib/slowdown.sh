#!/bin/bash
# Print RAMINATE_SLOWDOWN for an accelerator (tcg or kvm), measured now:
# how much longer than on the reference machine a test guest's boot takes
# here (see tests/lib/common.sh).  The nested tests run it inside their TCG
# guest and export the result to the tests they run there.
export RAMINATE_SLOWDOWN=1
source "$(dirname "$0")/common.sh"
slowdown_measure "${1:-tcg}"
