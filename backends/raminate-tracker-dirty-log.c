/*
 * raminate: the trackers that read QEMU's dirty memory log
 *
 * Both read it through their own client, DIRTY_MEMORY_RAMINATE, so that
 * they never disturb migration: TCG fills the log from its not-dirty write
 * path ("tcg"); with stock KVM, QEMU pulls KVM's dirty page log into it
 * ("kvm-dirty-log": a write-protection fault on the first write to each
 * page per epoch).  They differ only in the accelerator they need.
 *
 * Moving a page writes the log too, for migration only (raminate_mark_moved).
 *
 * Copyright (c) 2026 raminate developers
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "exec/ram_addr.h"
#include "system/kvm.h"
#include "system/tcg.h"
#include "raminate.h"

void raminate_mark_moved(MemoryRegion *mr, uint32_t page)
{
    /*
     * Only the migration client: ours would count the move as a guest
     * write, and TCG's code client must not be set without invalidating
     * the page's translations.
     */
    cpu_physical_memory_set_dirty_range(memory_region_get_ram_addr(mr) +
                                        (ram_addr_t)page * RAMINATE_PAGE_SIZE,
                                        RAMINATE_PAGE_SIZE,
                                        1 << DIRTY_MEMORY_MIGRATION);
}

/* Containers tracked: the log runs while there is one. */
static unsigned tracking_users;

static bool dirty_log_start(MemoryRegion *mr, Error **errp)
{
    if (tracking_users == 0 &&
        !memory_global_dirty_log_start(GLOBAL_DIRTY_RAMINATE, errp)) {
        return false;
    }
    tracking_users++;
    return true;
}

static void dirty_log_stop(void)
{
    assert(tracking_users > 0);
    if (--tracking_users == 0) {
        memory_global_dirty_log_stop(GLOBAL_DIRTY_RAMINATE);
    }
}

static void dirty_log_collect(MemoryRegion *mr, GArray *pages)
{
    uint64_t size = memory_region_size(mr);
    ram_addr_t base = memory_region_get_ram_addr(mr);
    g_autofree DirtyBitmapSnapshot *snap = NULL;
    const uint64_t word = BITS_PER_LONG * TARGET_PAGE_SIZE;

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

static bool tcg_probe(Error **errp)
{
    if (!tcg_enabled()) {
        error_setg(errp, "raminate: tracker=tcg needs -accel tcg");
        error_append_hint(errp, "With KVM use tracker=kvm-dirty-log or "
                          "tracker=auto.\n");
        return false;
    }
    return true;
}

static bool kvm_dirty_log_probe(Error **errp)
{
    if (!kvm_enabled()) {
        error_setg(errp, "raminate: tracker=kvm-dirty-log needs -accel kvm");
        error_append_hint(errp, "With TCG use tracker=tcg or "
                          "tracker=auto.\n");
        return false;
    }
    return true;
}

const RaminateTrackerOps raminate_tracker_tcg = {
    .kind = RAMINATE_TRACKER_TCG,
    .probe = tcg_probe,
    .start = dirty_log_start,
    .stop = dirty_log_stop,
    .collect = dirty_log_collect,
};

const RaminateTrackerOps raminate_tracker_kvm_dirty_log = {
    .kind = RAMINATE_TRACKER_KVM_DIRTY_LOG,
    .probe = kvm_dirty_log_probe,
    .start = dirty_log_start,
    .stop = dirty_log_stop,
    .collect = dirty_log_collect,
};
