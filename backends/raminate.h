/*
 * raminate: the engine that keeps a container's write-hot pages in DRAM
 *
 * Three parts, each readable alone:
 *   tracker  (raminate-tracker.c)  which pages were written in an epoch
 *   policy   (raminate-policy.c)   where pages should be: pure C
 *   swapper  (raminate-swapper.c)  exchanges two pages' storage and data
 * and the engine (raminate-engine.c) that drives them each epoch.  The
 * patched KVM's primitives (raminate-kvm.c) serve the tracker and the
 * swapper where KVM has them.
 *
 * Copyright (c) 2026 raminate developers
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#ifndef RAMINATE_H
#define RAMINATE_H

#include "qapi/qapi-types-machine.h"
#include "qapi/qapi-types-qom.h"
#include "exec/memory.h"
#include "raminate-policy.h"

typedef struct HostMemoryBackendContainer HostMemoryBackendContainer;

/* The knobs, as container properties. */
typedef struct RaminateParams {
    bool enabled;
    RaminateTracker tracker;
    RaminatePolicy placement;
    uint32_t scan_interval_ms;
    uint32_t swap_interval_ms;
    uint32_t max_swaps;
    uint8_t cmq_levels;
    uint32_t lifetime_ms;
    char *trace_file;
    char *placement_file;
} RaminateParams;

/* --- swapper -------------------------------------------------------- */

/* One child's source, as the swapper sees it. */
typedef struct RaminateSource {
    int fd;
    uint64_t phy_offset;        /* in the source */
    uint64_t offset, size;      /* in the container */
    MemoryTier tier;
} RaminateSource;

typedef struct RaminateSwapper RaminateSwapper;

RaminateSwapper *raminate_swapper_new(uint8_t *base, uint64_t size,
                                      const RaminateSource *src,
                                      unsigned nsrc, Error **errp);
void raminate_swapper_free(RaminateSwapper *s);
/*
 * Exchange the storage and the data of pages @a and @b: afterwards each
 * page's bytes are unchanged and live in the other's former storage.  The
 * guest must not run meanwhile.  Returns 0 or a negative errno, in which
 * case nothing changed.
 */
int raminate_swapper_swap(RaminateSwapper *s, uint32_t a, uint32_t b);
/*
 * Swap what KVM can of @plan[0..n-1] with the guest running (KVM_SWAP_GFNS),
 * setting ok[i] for each pair done; returns how many.  The others need
 * raminate_swapper_swap() with the vCPUs paused.  The first time KVM
 * cannot swap this memory at all, the swapper stops asking it.
 */
size_t raminate_swapper_swap_live(RaminateSwapper *s, const RmSwap *plan,
                                  size_t n, bool *ok);
/* RAMINATE_SWAP_METHOD_KVM while KVM swaps pages, else _REMAP. */
RaminateSwapMethod raminate_swapper_method(const RaminateSwapper *s);
/* The storage slot (page of original storage) now backing @page. */
uint32_t raminate_swapper_storage(const RaminateSwapper *s, uint32_t page);
MemoryTier raminate_swapper_tier(const RaminateSwapper *s, uint32_t page);
/*
 * How many swaps the process's mapping limit allows now; @mappings gets
 * the number of mappings the process has.
 */
size_t raminate_swapper_headroom(const RaminateSwapper *s, uint64_t *mappings);
/* Time spent copying and remapping since the last call, in ns. */
void raminate_swapper_take_times(RaminateSwapper *s, uint64_t *copy_ns,
                                 uint64_t *remap_ns);

/* --- tracker -------------------------------------------------------- */

/* Pick the tracker for @want with this accelerator, or explain why not. */
bool raminate_tracker_resolve(RaminateTracker want, RaminateTracker *got,
                              Error **errp);
/*
 * Start or stop tracking with @t for the memory of @mr.  The trackers that
 * read QEMU's dirty log share it.
 */
bool raminate_tracker_start(RaminateTracker t, MemoryRegion *mr,
                            Error **errp);
void raminate_tracker_stop(RaminateTracker t);
/*
 * Append to @pages the pages of @mr written since the last call, as page
 * numbers within @mr, and re-arm tracking for them.  Needs the BQL.
 */
void raminate_tracker_collect(RaminateTracker t, MemoryRegion *mr,
                              GArray *pages);

/* --- the patched KVM (raminate-kvm.c) --------------------------------- */

bool raminate_kvm_can_harvest(void);
bool raminate_kvm_can_swap(void);
/*
 * Append to @pages the pages of [@host, @host + @size) that the guest wrote
 * since the last harvest (KVM_TDP_HARVEST), numbered from @host.  Returns 0
 * or a negative errno.
 */
int raminate_kvm_harvest(void *host, uint64_t size, GArray *pages);
/*
 * Exchange the pages of each pair of @plan[0..n-1], numbered from @base,
 * with KVM_SWAP_GFNS, setting ok[i] for the pairs done.  Returns 0, or
 * -EOPNOTSUPP once KVM cannot swap this memory at all.
 */
int raminate_kvm_swap(uint8_t *base, const RmSwap *plan, size_t n,
                      bool *ok);

/* --- engine --------------------------------------------------------- */

typedef struct RaminateEngine RaminateEngine;

RaminateEngine *raminate_engine_start(HostMemoryBackendContainer *c,
                                      Error **errp);
void raminate_engine_stop(RaminateEngine *e);
/* Take new knob values; fails without change if they cannot apply. */
bool raminate_engine_reconfigure(RaminateEngine *e, Error **errp);

#endif
