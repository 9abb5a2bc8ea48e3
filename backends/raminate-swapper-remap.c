/*
 * raminate: the remap swapper, for every source, with the vCPUs paused
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
 * storage.  The headroom keeps swaps within it.
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
#include "trace.h"

/* A swap splits at most two mappings into three each. */
#define MAPPINGS_PER_SWAP 4
/* Mappings left for the rest of QEMU (threads, libraries, allocations). */
#define MAPPINGS_SPARE 1024
/*
 * How often the mappings are counted.  A count reads /proc/self/maps,
 * tens of thousands of lines once many pages have moved: tens of ms under
 * TCG, more nested.  It runs before a slice, in the engine's thread
 * (holding the BQL for it stalled the main loop up to 35 ms under TCG),
 * but is too much for every slice of a batch.  In between, each
 * swap is taken to add MAPPINGS_PER_SWAP, an upper bound; the rest of QEMU
 * adds far fewer than MAPPINGS_SPARE in this time.  As the bound outgrows
 * the real count fast (a swap that brings a page home removes mappings),
 * it is counted again sooner when the bound leaves too little room, but
 * not more often than every MAPPINGS_RECOUNT_MIN_NS.
 */
#define MAPPINGS_RECOUNT_NS (1000 * 1000 * 1000)
#define MAPPINGS_RECOUNT_MIN_NS (100 * 1000 * 1000)

typedef struct RemapState {
    RaminateSwapper *s;
    uint8_t **shadow;           /* each source mapped whole */
    unsigned nshadow;
    uint64_t max_map_count;
    uint64_t counted;           /* mappings at the last count */
    uint64_t mappings;          /* at most: counted, plus the swaps since */
    int64_t counted_at;         /* 0: never counted */
    uint8_t bounce[RAMINATE_PAGE_SIZE];
} RemapState;

static void remap_close(void *opaque)
{
    RemapState *rs = opaque;

    for (unsigned i = 0; i < rs->nshadow; i++) {
        munmap(rs->shadow[i], raminate_swapper_source(rs->s, i)->size);
    }
    g_free(rs->shadow);
    g_free(rs);
}

static void *remap_open(RaminateSwapper *s, Error **errp)
{
    RemapState *rs = g_new0(RemapState, 1);
    unsigned nsrc = raminate_swapper_nsources(s);
    g_autofree char *max = NULL;

    rs->s = s;
    rs->shadow = g_new0(uint8_t *, nsrc);
    for (unsigned i = 0; i < nsrc; i++) {
        const RaminateSource *src = raminate_swapper_source(s, i);
        void *p;

        /* A device-dax region aligned to 2 MiB refuses every 4 KiB remap. */
        if (src->page_size != RAMINATE_PAGE_SIZE) {
            error_setg(errp, "raminate: a device-dax source maps pages of "
                       "0x%" PRIx64 " bytes (its align): the remap swapper "
                       "moves 4 KiB pages", src->page_size);
            error_append_hint(errp, "Create the namespace with 4 KiB "
                              "alignment (ndctl create-namespace -m devdax "
                              "--align=4K), or set raminate=off.\n");
            remap_close(rs);
            return NULL;
        }
        p = mmap(NULL, src->size, PROT_READ | PROT_WRITE, MAP_SHARED,
                 src->fd, src->phy_offset);
        if (p == MAP_FAILED) {
            error_setg_errno(errp, errno, "raminate: cannot map a source "
                             "a second time for swapping");
            remap_close(rs);
            return NULL;
        }
        rs->shadow[rs->nshadow++] = p;
    }
    rs->max_map_count = 65530;
    if (g_file_get_contents("/proc/sys/vm/max_map_count", &max, NULL, NULL)) {
        rs->max_map_count = g_ascii_strtoull(max, NULL, 10);
    }
    return rs;
}

/* The bytes of storage @slot, through the shadow mapping. */
static uint8_t *storage_bytes(RemapState *rs, uint32_t slot)
{
    const RaminateSource *src = raminate_swapper_source_of(rs->s, slot);
    unsigned i = src - raminate_swapper_source(rs->s, 0);

    return rs->shadow[i] + (uint64_t)slot * RAMINATE_PAGE_SIZE - src->offset;
}

/* Map storage @slot at @page; MAP_FIXED replaces the old mapping. */
static int map_slot(RemapState *rs, uint32_t page, uint32_t slot)
{
    const RaminateSource *src = raminate_swapper_source_of(rs->s, slot);
    uint64_t at = (uint64_t)page * RAMINATE_PAGE_SIZE;
    uint64_t foff = src->phy_offset + (uint64_t)slot * RAMINATE_PAGE_SIZE -
                    src->offset;
    void *p = mmap(raminate_swapper_base(rs->s) + at, RAMINATE_PAGE_SIZE,
                   PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, src->fd,
                   foff);

    return p == MAP_FAILED ? -errno : 0;
}

/*
 * Whether a failed remap of @page took its mapping away.  A failed
 * MAP_FIXED never leaves the new mapping, and mostly keeps the old one: at
 * vm.max_map_count the kernel refuses before it unmaps (and a remap back
 * would fail the same way).
 */
static bool lost_mapping(RemapState *rs, uint32_t page)
{
    unsigned char resident;

    return mincore(raminate_swapper_base(rs->s) +
                   (uint64_t)page * RAMINATE_PAGE_SIZE, RAMINATE_PAGE_SIZE,
                   &resident) < 0 && errno == ENOMEM;
}

/* Map @page back to its own storage @slot after a swap failed with @err. */
static void restore_slot(RemapState *rs, uint32_t page, uint32_t slot, int err)
{
    int restore_err = map_slot(rs, page, slot);

    if (restore_err) {
        /* The guest would fault on the page or see another's bytes. */
        error_report("raminate: cannot restore the mapping of page 0x%x "
                     "after a failed swap (%s, then %s)", page,
                     strerror(-err), strerror(-restore_err));
        abort();
    }
}

/* Exchange the storage and the data of pages @a and @b. */
static int remap_swap_pair(RemapState *rs, uint32_t a, uint32_t b,
                           RaminateSwapReport *r)
{
    uint32_t sa = raminate_swapper_storage(rs->s, a);
    uint32_t sb = raminate_swapper_storage(rs->s, b);
    uint8_t *da, *db;
    int64_t t0, t1;
    int err;

    /*
     * Remap first, copy after: a failed remap leaves the data untouched.
     * Every page a failed swap touched ends up mapped to its own storage.
     */
    t0 = get_clock();
    err = map_slot(rs, a, sb);
    if (!err) {
        err = map_slot(rs, b, sa);
        if (err) {
            if (lost_mapping(rs, b)) {
                restore_slot(rs, b, sb, err);
            }
            /* Page a sees sb; its one-page mapping splits nothing. */
            restore_slot(rs, a, sa, err);
        }
    } else if (lost_mapping(rs, a)) {
        restore_slot(rs, a, sa, err);
    }
    t1 = get_clock();
    r->remap_ns += t1 - t0;
    /* Failed or not, the remaps may have split mappings. */
    rs->mappings += MAPPINGS_PER_SWAP;
    if (err) {
        return err;
    }
    /* Page a now sees sb and b sees sa: exchange what the two hold. */
    da = storage_bytes(rs, sa);
    db = storage_bytes(rs, sb);
    memcpy(rs->bounce, da, RAMINATE_PAGE_SIZE);
    memcpy(da, db, RAMINATE_PAGE_SIZE);
    memcpy(db, rs->bounce, RAMINATE_PAGE_SIZE);
    r->copy_ns += get_clock() - t1;
    raminate_swapper_exchanged(rs->s, a, b);
    return 0;
}

static int remap_swap(void *opaque, RaminateSwapper *s, const RmSwap *plan,
                      size_t n, bool *ok, size_t budget,
                      RaminateSwapReport *r)
{
    RemapState *rs = opaque;
    uint32_t npages = raminate_swapper_npages(s);

    for (size_t i = 0; i < n && budget; i++) {
        uint32_t a = plan[i].hot, b = plan[i].cold;
        int err;

        if (ok[i]) {
            continue;
        }
        budget--;
        err = a < npages && b < npages && a != b ?
              remap_swap_pair(rs, a, b, r) : -EINVAL;
        ok[i] = !err;
        if (err) {
            trace_raminate_swap_fail(raminate_swapper_id(s), a, b, -err);
        }
    }
    return 0;
}

/* Swaps that keep MAPPINGS_SPARE of vm.max_map_count, by the bound. */
static size_t mappings_room(const RemapState *rs)
{
    if (rs->mappings + MAPPINGS_SPARE >= rs->max_map_count) {
        return 0;
    }
    return (rs->max_map_count - rs->mappings - MAPPINGS_SPARE) /
           MAPPINGS_PER_SWAP;
}

/*
 * Count the mappings when the count is old or the bound leaves too little
 * room: outside the BQL, as the count can take tens of ms.
 */
static void remap_prepare(void *opaque, size_t want)
{
    RemapState *rs = opaque;
    int64_t now = get_clock();
    int64_t age = now - rs->counted_at;
    g_autofree char *maps = NULL;
    size_t len = 0;

    if (rs->counted_at && age < MAPPINGS_RECOUNT_NS &&
        (mappings_room(rs) >= want || age < MAPPINGS_RECOUNT_MIN_NS)) {
        return;
    }
    if (!g_file_get_contents("/proc/self/maps", &maps, &len, NULL)) {
        return;
    }
    rs->counted = 0;
    for (size_t i = 0; i < len; i++) {
        rs->counted += maps[i] == '\n';
    }
    rs->mappings = rs->counted;
    rs->counted_at = now;
}

/* Stay clear of vm.max_map_count: a failed remap costs a retry. */
static size_t remap_headroom(void *opaque, size_t want, RaminateSwapReport *r)
{
    RemapState *rs = opaque;

    r->mappings = rs->counted;
    /* Never counted (the maps could not be read): no room. */
    return rs->counted_at ? mappings_room(rs) : 0;
}

const RaminateSwapperOps raminate_swapper_remap = {
    .name = "remap",
    .pauses_guest = true,
    .open = remap_open,
    .close = remap_close,
    .swap = remap_swap,
    .headroom = remap_headroom,
    .prepare = remap_prepare,
};
