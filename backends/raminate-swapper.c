/*
 * raminate: the swapper
 *
 * Exchanges two container pages' storage by remapping them inside the
 * container's one host range, so that QEMU's view of guest memory stays
 * exactly the guest's (no private translation table).  Each page's bytes
 * are carried along through a bounce buffer.
 *
 * Every remapped page can split a mapping of the range: the process's
 * vm.max_map_count bounds how many pages can sit away from their original
 * storage.  raminate_swapper_headroom() keeps swaps within it.
 *
 * Copyright (c) 2026 raminate developers
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
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
    uint8_t bounce[2][PAGE];
};

RaminateSwapper *raminate_swapper_new(uint8_t *base, uint64_t size,
                                      const RaminateSource *src,
                                      unsigned nsrc)
{
    RaminateSwapper *s = g_new0(RaminateSwapper, 1);
    g_autofree char *max = NULL;

    s->base = base;
    s->npages = size / PAGE;
    s->src = g_memdup2(src, nsrc * sizeof(*src));
    s->nsrc = nsrc;
    s->storage = g_new(uint32_t, s->npages);
    for (uint32_t i = 0; i < s->npages; i++) {
        s->storage[i] = i;
    }
    s->max_map_count = 65530;
    if (g_file_get_contents("/proc/sys/vm/max_map_count", &max, NULL, NULL)) {
        s->max_map_count = g_ascii_strtoull(max, NULL, 10);
    }
    return s;
}

void raminate_swapper_free(RaminateSwapper *s)
{
    if (s) {
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
    uint8_t *pa = s->base + (uint64_t)a * PAGE;
    uint8_t *pb = s->base + (uint64_t)b * PAGE;
    uint32_t sa, sb;
    int err;

    if (a >= s->npages || b >= s->npages || a == b) {
        return -EINVAL;
    }
    sa = s->storage[a];
    sb = s->storage[b];
    /* Remap first, copy after: a failed remap leaves the data untouched. */
    memcpy(s->bounce[0], pa, PAGE);
    memcpy(s->bounce[1], pb, PAGE);
    err = map_slot(s, a, sb);
    if (err) {
        return err;
    }
    err = map_slot(s, b, sa);
    if (err) {
        if (map_slot(s, a, sa)) {
            /* Page a has lost its mapping: continuing would lose data. */
            error_report("raminate: cannot restore the mapping of page 0x%x "
                         "after a failed swap (%s)", a, strerror(-err));
            abort();
        }
        return err;
    }
    memcpy(pa, s->bounce[0], PAGE);
    memcpy(pb, s->bounce[1], PAGE);
    s->storage[a] = sb;
    s->storage[b] = sa;
    return 0;
}

uint32_t raminate_swapper_storage(const RaminateSwapper *s, uint32_t page)
{
    return s->storage[page];
}

MemoryTier raminate_swapper_tier(const RaminateSwapper *s, uint32_t page)
{
    return source_of(s, s->storage[page])->tier;
}

size_t raminate_swapper_headroom(const RaminateSwapper *s)
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
    if (used + MAPPINGS_SPARE >= s->max_map_count) {
        return 0;
    }
    return (s->max_map_count - used - MAPPINGS_SPARE) / MAPPINGS_PER_SWAP;
}
