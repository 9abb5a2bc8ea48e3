/*
 * raminate: the write trackers' table
 *
 * Each tracker is a RaminateTrackerOps in its own file; this table lists
 * them in the order tracker=auto tries them: the patched KVM's harvest
 * (no faults), then KVM's dirty log, then TCG's.
 *
 * Copyright (c) 2026 raminate developers
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "raminate.h"

static const RaminateTrackerOps *const trackers[] = {
    &raminate_tracker_kvm_raminate,
    &raminate_tracker_kvm_dirty_log,
    &raminate_tracker_tcg,
};

const RaminateTrackerOps *raminate_tracker_resolve(RaminateTracker want,
                                                   Error **errp)
{
    for (size_t i = 0; i < ARRAY_SIZE(trackers); i++) {
        if (want == RAMINATE_TRACKER_AUTO && trackers[i]->probe(NULL)) {
            return trackers[i];
        }
        if (want == trackers[i]->kind) {
            return trackers[i]->probe(errp) ? trackers[i] : NULL;
        }
    }
    if (want == RAMINATE_TRACKER_AUTO) {
        error_setg(errp, "raminate: no write tracker for this accelerator; "
                   "use -accel tcg or -accel kvm, or set raminate=off");
        return NULL;
    }
    g_assert_not_reached();
}
