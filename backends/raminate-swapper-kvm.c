/*
 * raminate: the kvm swapper, on the patched KVM (linux-patches/)
 *
 * KVM_SWAP_GFNS exchanges two guest pages' frames and contents in QEMU's
 * own mapping with the guest running, splitting no mapping.  It serves
 * PFN-mapped memory (/dev/mem); on a file or device-dax source KVM refuses
 * with EOPNOTSUPP and the remap swapper takes over.
 *
 * Copyright (c) 2026 raminate developers
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "system/kvm.h"
#include "raminate.h"

/* It keeps no state of its own: the core's swapper is its state. */
static void *kvm_swap_open(RaminateSwapper *s, Error **errp)
{
    if (!kvm_enabled() ||
        kvm_vm_check_extension(kvm_state, KVM_CAP_SWAP_GFNS) <= 0) {
        return NULL;
    }
    return s;
}

static void kvm_swap_close(void *state)
{
}

/* The guest frame number of @page of the memory at @base, if it has one. */
static bool page_gfn(uint8_t *base, uint32_t page, __u64 *gfn)
{
    uint8_t *host = base + (uint64_t)page * RAMINATE_PAGE_SIZE;
    hwaddr gpa;

    if (!kvm_physical_memory_addr_from_host(kvm_state, host, &gpa)) {
        return false;
    }
    *gfn = gpa / RAMINATE_PAGE_SIZE;
    return true;
}

static int kvm_swap(void *state, RaminateSwapper *s, const RmSwap *plan,
                    size_t n, bool *ok, size_t budget, RaminateSwapReport *r)
{
    g_autofree struct kvm_gfn_pair *pairs = g_new(struct kvm_gfn_pair, n);
    g_autofree size_t *index = g_new(size_t, n);
    uint8_t *base = raminate_swapper_base(s);
    size_t m = 0, i = 0;

    /* Pages no memslot maps (under ROMs, say) are not KVM's to swap. */
    for (size_t k = 0; k < n && m < budget; k++) {
        if (!ok[k] && page_gfn(base, plan[k].hot, &pairs[m].gfn[0]) &&
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
            const RmSwap *pair = &plan[index[i + k]];

            ok[index[i + k]] = true;
            raminate_swapper_exchanged(s, pair->hot, pair->cold);
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

const RaminateSwapperOps raminate_swapper_kvm = {
    .name = "kvm",
    .pauses_guest = false,
    .open = kvm_swap_open,
    .close = kvm_swap_close,
    .swap = kvm_swap,
};
