/*
 * raminate: what the patched KVM offers (linux-patches/)
 *
 * KVM_TDP_HARVEST reads and clears the dirty bits of KVM's TDP page tables:
 * the kvm-raminate tracker learns which pages the guest wrote without making
 * it fault.  KVM_SWAP_GFNS exchanges two guest pages' frames and contents in
 * QEMU's own mapping with the guest running: the kvm swapper.  Both are
 * optional; raminate_kvm_can_harvest() and raminate_kvm_can_swap() say
 * whether this KVM has them.
 *
 * Copyright (c) 2026 raminate developers
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include "qemu/osdep.h"
#include "system/kvm.h"
#include "raminate.h"

#define PAGE 4096

bool raminate_kvm_can_harvest(void)
{
    return kvm_enabled() &&
           kvm_vm_check_extension(kvm_state, KVM_CAP_TDP_HARVEST) > 0;
}

bool raminate_kvm_can_swap(void)
{
    return kvm_enabled() &&
           kvm_vm_check_extension(kvm_state, KVM_CAP_SWAP_GFNS) > 0;
}

typedef struct Harvest {
    uint8_t *base;
    GArray *pages;
    uint64_t *bitmap;
    size_t words;
} Harvest;

static int harvest_piece(const KVMSlotPiece *piece, void *opaque)
{
    Harvest *h = opaque;
    uint64_t npages = piece->size / PAGE;
    uint32_t first = ((uint8_t *)piece->host - h->base) / PAGE;
    size_t words = DIV_ROUND_UP(npages, 64);
    struct kvm_tdp_harvest arg = {
        .slot = piece->slot,
        .first_page = piece->offset / PAGE,
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

int raminate_kvm_harvest(void *host, uint64_t size, GArray *pages)
{
    Harvest h = { .base = host, .pages = pages };
    int ret = kvm_foreach_slot_piece(host, size, harvest_piece, &h);

    g_free(h.bitmap);
    return ret;
}

/* The guest frame number of @page of the memory at @base, if it has one. */
static bool page_gfn(uint8_t *base, uint32_t page, __u64 *gfn)
{
    hwaddr gpa;

    if (!kvm_physical_memory_addr_from_host(kvm_state,
                                            base + (uint64_t)page * PAGE,
                                            &gpa)) {
        return false;
    }
    *gfn = gpa / PAGE;
    return true;
}

int raminate_kvm_swap(uint8_t *base, const RmSwap *plan, size_t n, bool *ok)
{
    g_autofree struct kvm_gfn_pair *pairs = g_new(struct kvm_gfn_pair, n);
    g_autofree size_t *index = g_new(size_t, n);
    size_t m = 0, i = 0;

    /* Pages no memslot maps (under ROMs, say) are not KVM's to swap. */
    for (size_t k = 0; k < n; k++) {
        if (page_gfn(base, plan[k].hot, &pairs[m].gfn[0]) &&
            page_gfn(base, plan[k].cold, &pairs[m].gfn[1])) {
            index[m++] = k;
        }
    }
    while (i < m) {
        struct kvm_swap_gfns arg = {
            .pairs = (uintptr_t)&pairs[i],
            .nr_pairs = MIN(m - i, KVM_SWAP_GFNS_MAX_PAIRS),
        };
        int ret = kvm_vm_ioctl(kvm_state, KVM_SWAP_GFNS, &arg);

        for (uint32_t k = 0; k < arg.nr_done; k++) {
            ok[index[i + k]] = true;
        }
        i += arg.nr_done;
        if (ret == -EOPNOTSUPP) {
            return ret;
        }
        /* Interrupted: go on; any other refusal: skip that pair. */
        if (ret < 0 && ret != -EINTR) {
            i++;
        }
    }
    return 0;
}
