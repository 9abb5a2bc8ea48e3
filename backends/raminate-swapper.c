/*
 * raminate: the swapper
 *
 * Exchanges two container pages' storage by remapping them inside the
 * container's one host range, so that QEMU's view of guest memory stays
 * exactly the guest's (no private translation table).  The two storages'
 * bytes are then exchanged through a second, fixed mapping of each source
 * (the "shadow"), whose pages are already faulted in: copying through the
 * freshly remapped container pages would fault on each of them inside the
 * guest's pause.
 *
 * Every remapped page can split a mapping of the range: the process's
 * vm.max_map_count bounds how many pages can sit away from their original
 * storage.  raminate_swapper_headroom() keeps swaps within it.
 *
 * With the patched KVM and memory it can swap (/dev/mem), the kernel does
 * the same with the guest running (raminate_swapper_swap_live()): it
 * exchanges the two frames in QEMU's page tables, splitting no mapping.
 *
 * Copyright (c) 2026 raminate developers
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "raminate.h"

#define PAGE 4096
/* A swap splits at most two mappings into three each. */
#define MAPPINGS_PER_SWAP 4
/* Mappings left for the rest of QEMU (threads, libraries, allocations). */
#define MAPPINGS_SPARE 1024

struct RaminateSwapper {
    uint8_t *base;
    uint32_t npages;
    RaminateSource *src;
    unsigned nsrc;
    uint32_t *storage;          /* storage slot now at each page */
    uint64_t max_map_count;
    uint64_t copy_ns, remap_ns;  /* for the benchmark's cost breakdown */
    bool kvm;                   /* KVM_SWAP_GFNS for what it can */
    uint8_t **shadow;           /* each source mapped whole */
    uint8_t bounce[PAGE];
};

RaminateSwapper *raminate_swapper_new(uint8_t *base, uint64_t size,
                                      const RaminateSource *src,
                                      unsigned nsrc, Error **errp)
{
    RaminateSwapper *s = g_new0(RaminateSwapper, 1);
    g_autofree char *max = NULL;

    s->src = g_memdup2(src, nsrc * sizeof(*src));
    s->nsrc = nsrc;
    s->shadow = g_new0(uint8_t *, nsrc);
    for (unsigned i = 0; i < nsrc; i++) {
        void *p = mmap(NULL, src[i].size, PROT_READ | PROT_WRITE, MAP_SHARED,
                       src[i].fd, src[i].phy_offset);

        if (p == MAP_FAILED) {
            error_setg_errno(errp, errno, "raminate: cannot map a source "
                             "a second time for swapping");
            s->nsrc = i;
            raminate_swapper_free(s);
            return NULL;
        }
        s->shadow[i] = p;
    }

    s->base = base;
    s->npages = size / PAGE;
    s->storage = g_new(uint32_t, s->npages);
    for (uint32_t i = 0; i < s->npages; i++) {
        s->storage[i] = i;
    }
    s->kvm = raminate_kvm_can_swap();
    s->max_map_count = 65530;
    if (g_file_get_contents("/proc/sys/vm/max_map_count", &max, NULL, NULL)) {
        s->max_map_count = g_ascii_strtoull(max, NULL, 10);
    }
    return s;
}

void raminate_swapper_free(RaminateSwapper *s)
{
    if (s) {
        for (unsigned i = 0; i < s->nsrc && s->shadow[i]; i++) {
            munmap(s->shadow[i], s->src[i].size);
        }
        g_free(s->shadow);
        g_free(s->src);
        g_free(s->storage);
        g_free(s);
    }
}

static const RaminateSource *source_of(const RaminateSwapper *s,
                                       uint32_t slot)
{
    uint64_t off = (uint64_t)slot * PAGE;

    for (unsigned i = 0; i < s->nsrc; i++) {
        const RaminateSource *src = &s->src[i];

        if (off >= src->offset && off < src->offset + src->size) {
            return src;
        }
    }
    g_assert_not_reached();
}

/* The bytes of storage @slot, through the shadow mapping. */
static uint8_t *storage_bytes(const RaminateSwapper *s, uint32_t slot)
{
    const RaminateSource *src = source_of(s, slot);

    return s->shadow[src - s->src] + (uint64_t)slot * PAGE - src->offset;
}

/* Map storage @slot at @page; MAP_FIXED replaces the old mapping. */
static int map_slot(RaminateSwapper *s, uint32_t page, uint32_t slot)
{
    const RaminateSource *src = source_of(s, slot);
    uint64_t foff = src->phy_offset + (uint64_t)slot * PAGE - src->offset;
    void *p = mmap(s->base + (uint64_t)page * PAGE, PAGE,
                   PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, src->fd,
                   foff);

    return p == MAP_FAILED ? -errno : 0;
}

int raminate_swapper_swap(RaminateSwapper *s, uint32_t a, uint32_t b)
{
    uint8_t *da, *db;
    uint32_t sa, sb;
    int64_t t0, t1;
    int err;

    if (a >= s->npages || b >= s->npages || a == b) {
        return -EINVAL;
    }
    sa = s->storage[a];
    sb = s->storage[b];
    /* Remap first, copy after: a failed remap leaves the data untouched. */
    t0 = get_clock();
    err = map_slot(s, a, sb);
    if (!err) {
        err = map_slot(s, b, sa);
        if (err && map_slot(s, a, sa)) {
            /* Page a has lost its mapping: continuing would lose data. */
            error_report("raminate: cannot restore the mapping of page 0x%x "
                         "after a failed swap (%s)", a, strerror(-err));
            abort();
        }
    }
    t1 = get_clock();
    s->remap_ns += t1 - t0;
    if (err) {
        return err;
    }
    /* Page a now sees sb and b sees sa: exchange what the two hold. */
    da = storage_bytes(s, sa);
    db = storage_bytes(s, sb);
    memcpy(s->bounce, da, PAGE);
    memcpy(da, db, PAGE);
    memcpy(db, s->bounce, PAGE);
    s->copy_ns += get_clock() - t1;
    s->storage[a] = sb;
    s->storage[b] = sa;
    return 0;
}

size_t raminate_swapper_swap_live(RaminateSwapper *s, const RmSwap *plan,
                                  size_t n, bool *ok)
{
    size_t done = 0;

    if (!s->kvm) {
        return 0;
    }
    /* A file or device-dax source is not PFN-mapped: remap from now on. */
    if (raminate_kvm_swap(s->base, plan, n, ok) == -EOPNOTSUPP) {
        s->kvm = false;
    }
    for (size_t i = 0; i < n; i++) {
        if (ok[i]) {
            uint32_t slot = s->storage[plan[i].hot];

            s->storage[plan[i].hot] = s->storage[plan[i].cold];
            s->storage[plan[i].cold] = slot;
            done++;
        }
    }
    return done;
}

RaminateSwapMethod raminate_swapper_method(const RaminateSwapper *s)
{
    return s->kvm ? RAMINATE_SWAP_METHOD_KVM : RAMINATE_SWAP_METHOD_REMAP;
}

uint32_t raminate_swapper_storage(const RaminateSwapper *s, uint32_t page)
{
    return s->storage[page];
}

MemoryTier raminate_swapper_tier(const RaminateSwapper *s, uint32_t page)
{
    return source_of(s, s->storage[page])->tier;
}

void raminate_swapper_take_times(RaminateSwapper *s, uint64_t *copy_ns,
                                 uint64_t *remap_ns)
{
    *copy_ns = s->copy_ns;
    *remap_ns = s->remap_ns;
    s->copy_ns = s->remap_ns = 0;
}

size_t raminate_swapper_headroom(const RaminateSwapper *s, uint64_t *mappings)
{
    g_autofree char *maps = NULL;
    uint64_t used = 0;
    size_t len = 0;

    if (!g_file_get_contents("/proc/self/maps", &maps, &len, NULL)) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        used += maps[i] == '\n';
    }
    *mappings = used;
    if (used + MAPPINGS_SPARE >= s->max_map_count) {
        return 0;
    }
    return (s->max_map_count - used - MAPPINGS_SPARE) / MAPPINGS_PER_SWAP;
}
