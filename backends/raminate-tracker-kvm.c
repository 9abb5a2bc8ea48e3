/*
 * raminate: the kvm-raminate tracker, on the patched KVM (linux-patches/)
 *
 * KVM_TDP_HARVEST reads and clears the dirty bits of KVM's TDP page tables:
 * the tracker learns which pages the guest wrote without making it fault.
 *
 * Copyright (c) 2026 raminate developers
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "system/kvm.h"
#include "raminate.h"

typedef struct Harvest {
    uint8_t *base;
    GArray *pages;
    uint64_t *bitmap;
    size_t words;
} Harvest;

static int harvest_piece(const KVMSlotPiece *piece, void *opaque)
{
    Harvest *h = opaque;
    uint64_t npages = piece->size / RAMINATE_PAGE_SIZE;
    uint32_t first = ((uint8_t *)piece->host - h->base) / RAMINATE_PAGE_SIZE;
    size_t words = DIV_ROUND_UP(npages, 64);
    struct kvm_tdp_harvest arg = {
        .slot = piece->slot,
        .first_page = piece->offset / RAMINATE_PAGE_SIZE,
        .num_pages = npages,
    };
    int ret;

    if (words > h->words) {
        h->bitmap = g_renew(uint64_t, h->bitmap, words);
        h->words = words;
    }
    arg.dirty_bitmap = (uintptr_t)h->bitmap;
    ret = kvm_vm_ioctl(kvm_state, KVM_TDP_HARVEST, &arg);
    if (ret < 0) {
        return ret;
    }
    for (size_t w = 0; w < words; w++) {
        for (uint64_t bits = h->bitmap[w]; bits; bits &= bits - 1) {
            uint32_t page = first + w * 64 + ctz64(bits);

            g_array_append_val(h->pages, page);
        }
    }
    return 0;
}

static void harvest_collect(MemoryRegion *mr, GArray *pages)
{
    Harvest h = { .base = memory_region_get_ram_ptr(mr), .pages = pages };
    int ret = kvm_foreach_slot_piece(h.base, memory_region_size(mr),
                                     harvest_piece, &h);

    g_free(h.bitmap);
    if (ret < 0) {
        warn_report_once("raminate: KVM_TDP_HARVEST failed: %s",
                         strerror(-ret));
    }
}

static bool harvest_probe(Error **errp)
{
    if (!kvm_enabled() ||
        kvm_vm_check_extension(kvm_state, KVM_CAP_TDP_HARVEST) <= 0) {
        error_setg(errp, "raminate: tracker=kvm-raminate needs -accel kvm "
                   "with raminate's KVM modules (KVM_CAP_TDP_HARVEST)");
        error_append_hint(errp, "Build and load them (make kvm-modules, "
                          "docs/kvm.md), or use tracker=auto.\n");
        return false;
    }
    return true;
}

static bool harvest_start(MemoryRegion *mr, Error **errp)
{
    g_autoptr(GArray) stale = g_array_new(false, false, sizeof(uint32_t));

    /*
     * KVM installs writable mappings with the dirty bit set: the first
     * harvest reports every page mapped so far.  Take it now.
     */
    harvest_collect(mr, stale);
    return true;
}

/* The dirty bits are KVM's own: there is nothing to stop. */
static void harvest_stop(void)
{
}

const RaminateTrackerOps raminate_tracker_kvm_raminate = {
    .kind = RAMINATE_TRACKER_KVM_RAMINATE,
    .probe = harvest_probe,
    .start = harvest_start,
    .stop = harvest_stop,
    .collect = harvest_collect,
};
