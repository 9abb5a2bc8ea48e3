/*
 * raminate: the swapper's core
 *
 * Where each page of a container lives (the storage slot, a page of some
 * child's original storage, now backing it) and the chain of swappers that
 * move pages.  Each swapper is a RaminateSwapperOps in its own file; this
 * table lists them in order of preference: the patched KVM's, which swaps
 * with the guest running and splits no mapping, then the remap swapper,
 * which serves every source with the vCPUs paused.  Pairs the first cannot
 * swap fall through to the next.
 *
 * Copyright (c) 2026 raminate developers
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "block/block-global-state.h"
#include "qemu/main-loop.h"
#include "system/cpus.h"
#include "raminate.h"

static const RaminateSwapperOps *const swappers[] = {
    &raminate_swapper_kvm,
    &raminate_swapper_remap,
};

typedef struct SwapperStage {
    const RaminateSwapperOps *ops;
    void *state;
} SwapperStage;

struct RaminateSwapper {
    char *id;
    uint8_t *base;
    RAMBlock *ram_block;        /* at base, counting its DMA mappings */
    uint32_t npages;
    RaminateSource *src;
    unsigned nsrc;
    uint32_t *storage;          /* storage slot now at each page */
    SwapperStage chain[ARRAY_SIZE(swappers)];
    unsigned nchain;
};

RaminateSwapper *raminate_swapper_new(const char *id, uint8_t *base,
                                      uint64_t size, const RaminateSource *src,
                                      unsigned nsrc, Error **errp)
{
    RaminateSwapper *s = g_new0(RaminateSwapper, 1);
    ram_addr_t offset;

    s->id = g_strdup(id);
    s->base = base;
    s->ram_block = qemu_ram_block_from_host(base, false, &offset);
    assert(s->ram_block && offset == 0);
    s->npages = size / RAMINATE_PAGE_SIZE;
    s->src = g_memdup2(src, nsrc * sizeof(*src));
    s->nsrc = nsrc;
    s->storage = g_new(uint32_t, s->npages);
    for (uint32_t i = 0; i < s->npages; i++) {
        s->storage[i] = i;
    }
    for (size_t i = 0; i < ARRAY_SIZE(swappers); i++) {
        Error *err = NULL;
        void *state = swappers[i]->open(s, &err);

        if (err) {
            error_propagate(errp, err);
            raminate_swapper_free(s);
            return NULL;
        }
        if (state) {
            s->chain[s->nchain++] = (SwapperStage) { swappers[i], state };
        }
    }
    assert(s->nchain);          /* remap serves every source */
    return s;
}

void raminate_swapper_free(RaminateSwapper *s)
{
    if (s) {
        for (unsigned i = 0; i < s->nchain; i++) {
            s->chain[i].ops->close(s->chain[i].state);
        }
        g_free(s->id);
        g_free(s->src);
        g_free(s->storage);
        g_free(s);
    }
}

static size_t count_done(const bool *ok, size_t n)
{
    size_t done = 0;

    for (size_t i = 0; i < n; i++) {
        done += ok[i];
    }
    return done;
}

static bool page_under_dma(const RaminateSwapper *s, uint32_t page)
{
    return qemu_ram_dma_mapped(s->ram_block,
                               (ram_addr_t)page * RAMINATE_PAGE_SIZE);
}

/* Run the chain on @plan[0..n-1], which no device has mapped. */
static void run_chain(RaminateSwapper *s, const RmSwap *plan, size_t n,
                      bool *ok, RaminateSwapReport *r)
{
    unsigned i = 0;

    while (i < s->nchain) {
        const SwapperStage *st = &s->chain[i];
        size_t before = count_done(ok, n);
        size_t budget = n - before;
        int64_t t0 = 0, t_stopped = 0, t_swapped = 0, t_resumed;
        int ret;

        if (budget && st->ops->headroom) {
            budget = MIN(budget, st->ops->headroom(st->state, budget, r));
            /* Pairs the last swapper has no room for wait for a later batch. */
            if (i == s->nchain - 1) {
                r->no_room += n - before - budget;
            }
        }
        if (!budget) {
            i++;
            continue;
        }
        if (st->ops->pauses_guest) {
            t0 = get_clock();
            pause_all_vcpus();
            t_stopped = get_clock();
        }
        ret = st->ops->swap(st->state, s, plan, n, ok, budget, r);
        if (st->ops->pauses_guest) {
            t_swapped = get_clock();
            resume_all_vcpus();
            t_resumed = get_clock();
            r->pause_ns += t_resumed - t0;
            /* Stopping and resuming is what the pause costs beyond swaps. */
            r->stop_ns += (t_resumed - t0) - (t_swapped - t_stopped);
        } else {
            r->live += count_done(ok, n) - before;
        }
        if (ret == -EOPNOTSUPP) {
            /* It cannot swap this memory at all: stop asking it. */
            st->ops->close(st->state);
            s->nchain--;
            memmove(&s->chain[i], &s->chain[i + 1],
                    (s->nchain - i) * sizeof(s->chain[0]));
            continue;
        }
        i++;
    }
}

void raminate_swapper_run(RaminateSwapper *s, const RmSwap *plan, size_t n,
                          bool *ok, RaminateSwapReport *r)
{
    g_autofree RmSwap *movable = g_new(RmSwap, n);
    g_autofree size_t *index = g_new(size_t, n);
    g_autofree bool *done = NULL;
    int64_t drain_start = get_clock();
    size_t m = 0;

    GLOBAL_STATE_CODE();
    /*
     * Device emulation reads and writes guest memory beside the vCPUs:
     * a request in flight may have pinned a page's old frames (host direct
     * I/O) or be copying into it (thread pool, io_uring, iothreads).  What
     * it wrote after the copy would be lost.  Let every block request
     * finish, and hold new ones back, until the pages have moved.
     */
    bdrv_drain_all_begin();
    r->drain_ns += get_clock() - drain_start;
    /*
     * Other devices (9p's workers, any virtqueue request) keep what they
     * mapped until they complete, and only the main loop, which this is,
     * maps more: pages mapped now wait for a later batch.
     */
    for (size_t i = 0; i < n; i++) {
        if (!ok[i] && !page_under_dma(s, plan[i].hot) &&
            !page_under_dma(s, plan[i].cold)) {
            movable[m] = plan[i];
            index[m++] = i;
        }
    }
    r->under_dma += n - count_done(ok, n) - m;
    done = g_new0(bool, m);
    run_chain(s, movable, m, done, r);
    for (size_t k = 0; k < m; k++) {
        ok[index[k]] = done[k];
        if (done[k]) {
            /* Each page's bytes were written into its new storage. */
            r->written[raminate_swapper_tier(s, movable[k].hot)] +=
                RAMINATE_PAGE_SIZE;
            r->written[raminate_swapper_tier(s, movable[k].cold)] +=
                RAMINATE_PAGE_SIZE;
        }
    }
    bdrv_drain_all_end();
}

void raminate_swapper_prepare(RaminateSwapper *s, size_t want)
{
    for (unsigned i = 0; i < s->nchain; i++) {
        const SwapperStage *st = &s->chain[i];

        if (st->ops->prepare) {
            st->ops->prepare(st->state, want);
        }
    }
}

const char *raminate_swapper_name(const RaminateSwapper *s)
{
    return s->chain[0].ops->name;
}

uint32_t raminate_swapper_npages(const RaminateSwapper *s)
{
    return s->npages;
}

uint32_t raminate_swapper_storage(const RaminateSwapper *s, uint32_t page)
{
    return s->storage[page];
}

MemoryTier raminate_swapper_tier(const RaminateSwapper *s, uint32_t page)
{
    return raminate_swapper_source_of(s, s->storage[page])->tier;
}

const char *raminate_swapper_id(const RaminateSwapper *s)
{
    return s->id;
}

uint8_t *raminate_swapper_base(const RaminateSwapper *s)
{
    return s->base;
}

unsigned raminate_swapper_nsources(const RaminateSwapper *s)
{
    return s->nsrc;
}

const RaminateSource *raminate_swapper_source(const RaminateSwapper *s,
                                              unsigned i)
{
    return &s->src[i];
}

const RaminateSource *raminate_swapper_source_of(const RaminateSwapper *s,
                                                 uint32_t slot)
{
    uint64_t off = (uint64_t)slot * RAMINATE_PAGE_SIZE;

    for (unsigned i = 0; i < s->nsrc; i++) {
        const RaminateSource *src = &s->src[i];

        if (off >= src->offset && off < src->offset + src->size) {
            return src;
        }
    }
    g_assert_not_reached();
}

void raminate_swapper_exchanged(RaminateSwapper *s, uint32_t a, uint32_t b)
{
    uint32_t slot = s->storage[a];

    s->storage[a] = s->storage[b];
    s->storage[b] = slot;
}
