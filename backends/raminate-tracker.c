/*
 * raminate: the write tracker
 *
 * Which guest pages were written in each epoch.  Two trackers read QEMU's
 * dirty memory log through its own client, DIRTY_MEMORY_RAMINATE, so that
 * they never disturb migration: TCG fills the log from its not-dirty write
 * path ("tcg"); with stock KVM, QEMU pulls KVM's dirty page log into it
 * ("kvm-dirty-log": a write-protection fault on the first write to each
 * page per epoch).  With the patched KVM, "kvm-raminate" reads and clears
 * the dirty bits of KVM's TDP page tables instead: no faults at all.
 *
 * Copyright (c) 2026 raminate developers
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "exec/ram_addr.h"
#include "system/kvm.h"
#include "system/tcg.h"
#include "raminate.h"

static unsigned tracking_users;

bool raminate_tracker_resolve(RaminateTracker want, RaminateTracker *got,
                              Error **errp)
{
    switch (want) {
    case RAMINATE_TRACKER_AUTO:
        if (tcg_enabled()) {
            *got = RAMINATE_TRACKER_TCG;
            return true;
        }
        if (kvm_enabled()) {
            *got = raminate_kvm_can_harvest() ? RAMINATE_TRACKER_KVM_RAMINATE
                                              : RAMINATE_TRACKER_KVM_DIRTY_LOG;
            return true;
        }
        error_setg(errp, "raminate: no write tracker for this accelerator; "
                   "use -accel tcg or -accel kvm, or set raminate=off");
        return false;
    case RAMINATE_TRACKER_TCG:
        if (!tcg_enabled()) {
            error_setg(errp, "raminate: tracker=tcg needs -accel tcg");
            error_append_hint(errp, "With KVM use tracker=kvm-dirty-log or "
                              "tracker=auto.\n");
            return false;
        }
        break;
    case RAMINATE_TRACKER_KVM_DIRTY_LOG:
        if (!kvm_enabled()) {
            error_setg(errp, "raminate: tracker=kvm-dirty-log needs "
                       "-accel kvm");
            error_append_hint(errp, "With TCG use tracker=tcg or "
                              "tracker=auto.\n");
            return false;
        }
        break;
    case RAMINATE_TRACKER_KVM_RAMINATE:
        if (!raminate_kvm_can_harvest()) {
            error_setg(errp, "raminate: tracker=kvm-raminate needs -accel kvm "
                       "with raminate's KVM modules (KVM_CAP_TDP_HARVEST)");
            error_append_hint(errp, "Build and load them (make kvm-modules, "
                              "docs/kvm.md), or use tracker=auto.\n");
            return false;
        }
        break;
    default:
        g_assert_not_reached();
    }
    *got = want;
    return true;
}

static bool uses_dirty_log(RaminateTracker t)
{
    return t != RAMINATE_TRACKER_KVM_RAMINATE;
}

bool raminate_tracker_start(RaminateTracker t, MemoryRegion *mr,
                            Error **errp)
{
    g_autoptr(GArray) stale = NULL;

    if (!uses_dirty_log(t)) {
        /*
         * KVM installs writable mappings with the dirty bit set: the first
         * harvest reports every page mapped so far.  Take it now.
         */
        stale = g_array_new(false, false, sizeof(uint32_t));
        raminate_tracker_collect(t, mr, stale);
        return true;
    }
    if (tracking_users == 0 &&
        !memory_global_dirty_log_start(GLOBAL_DIRTY_RAMINATE, errp)) {
        return false;
    }
    tracking_users++;
    return true;
}

void raminate_tracker_stop(RaminateTracker t)
{
    if (!uses_dirty_log(t)) {
        return;
    }
    assert(tracking_users > 0);
    if (--tracking_users == 0) {
        memory_global_dirty_log_stop(GLOBAL_DIRTY_RAMINATE);
    }
}

void raminate_tracker_collect(RaminateTracker t, MemoryRegion *mr,
                              GArray *pages)
{
    uint64_t size = memory_region_size(mr);
    ram_addr_t base = memory_region_get_ram_addr(mr);
    g_autofree DirtyBitmapSnapshot *snap = NULL;
    const uint64_t word = BITS_PER_LONG * TARGET_PAGE_SIZE;

    if (!uses_dirty_log(t)) {
        int ret = raminate_kvm_harvest(memory_region_get_ram_ptr(mr), size,
                                       pages);

        if (ret < 0) {
            warn_report_once("raminate: KVM_TDP_HARVEST failed: %s",
                             strerror(-ret));
        }
        return;
    }

    /* Pull the accelerator's log (KVM) into QEMU's bitmaps. */
    memory_global_dirty_log_sync(false);
    /*
     * Clearing re-arms tracking: TCG's TLB traps the next write again and
     * KVM's manual dirty-log protection write-protects the pages again.
     */
    snap = cpu_physical_memory_snapshot_and_clear_dirty(mr, 0, size,
                                                  DIRTY_MEMORY_RAMINATE);

    /* Skip clean words of the bitmap at once. */
    for (uint64_t off = 0; off < size; off += word) {
        uint64_t len = MIN(word, size - off);

        if (!cpu_physical_memory_snapshot_get_dirty(snap, base + off, len)) {
            continue;
        }
        for (uint64_t p = off; p < off + len; p += TARGET_PAGE_SIZE) {
            if (cpu_physical_memory_snapshot_get_dirty(snap, base + p,
                                                       TARGET_PAGE_SIZE)) {
                uint32_t page = p / TARGET_PAGE_SIZE;

                g_array_append_val(pages, page);
            }
        }
    }
}
