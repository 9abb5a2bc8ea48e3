/*
 * raminate: the engine that keeps a container's write-hot pages in DRAM
 *
 * Three parts, each behind an ops table and readable alone, as DAMON keeps
 * its monitoring primitives apart from its core and its schemes:
 *   tracker  which pages were written in an epoch (RaminateTrackerOps:
 *            raminate-tracker-dirty-log.c, raminate-tracker-kvm.c)
 *   policy   where pages should be: pure C (RmPolicyOps,
 *            raminate-policy.h)
 *   swapper  exchanges two pages' storage and data (RaminateSwapperOps:
 *            raminate-swapper-remap.c, raminate-swapper-kvm.c)
 * and the engine (raminate-engine.c) that drives them each epoch without
 * knowing which ones it drives.  The memory-backend-container builds the
 * sources and the swapper and hands the engine a RaminateEngineConfig;
 * raminate-monitor.c reports on both.  docs/extending.md says where a new
 * tracker, swapper, policy or tier source goes.
 *
 * Copyright (c) 2026 raminate developers
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#ifndef RAMINATE_H
#define RAMINATE_H

#include "qapi/qapi-types-qom.h"
#include "exec/memory.h"
#include "raminate-policy.h"

/* RAMinate moves 4 KiB pages: the host's and the guest's page size. */
#define RAMINATE_PAGE_SIZE 4096

/* The knobs, as container properties. */
typedef struct RaminateParams {
    bool enabled;
    RaminateTracker tracker;
    RaminatePolicy placement;
    RaminateClock clock;        /* times scan and swap intervals */
    uint32_t scan_interval_ms;
    uint32_t swap_interval_ms;
    uint32_t max_swaps;
    uint8_t cmq_levels;
    uint32_t lifetime_ms;
    char *trace_file;
    char *placement_file;
} RaminateParams;

/* --- tracker -------------------------------------------------------- */

typedef struct RaminateTrackerOps {
    RaminateTracker kind;
    /* Whether it can track here; if not, why, and what to use instead. */
    bool (*probe)(Error **errp);
    /* Start or stop tracking the memory of @mr. */
    bool (*start)(MemoryRegion *mr, Error **errp);
    void (*stop)(void);
    /*
     * Append to @pages the pages of @mr written since the last call, as
     * page numbers within @mr, and re-arm tracking for them.  Needs the BQL.
     */
    void (*collect)(MemoryRegion *mr, GArray *pages);
} RaminateTrackerOps;

extern const RaminateTrackerOps raminate_tracker_tcg;
extern const RaminateTrackerOps raminate_tracker_kvm_dirty_log;
extern const RaminateTrackerOps raminate_tracker_kvm_raminate;

/*
 * The tracker for @want (RAMINATE_TRACKER_AUTO: the best one that can run
 * here), or NULL with @errp saying why.
 */
const RaminateTrackerOps *raminate_tracker_resolve(RaminateTracker want,
                                                   Error **errp);

/*
 * Page @page of @mr has moved: whoever copies guest memory by its dirty
 * log (migration) must copy it again, as it may have read it mid-swap.
 */
void raminate_mark_moved(MemoryRegion *mr, uint32_t page);

/* --- swapper -------------------------------------------------------- */

/* One child's source, as the swappers see it. */
typedef struct RaminateSource {
    int fd;
    uint64_t phy_offset;        /* in the source */
    uint64_t offset, size;      /* in the container */
    uint64_t page_size;         /* it maps pages of this size */
    MemoryTier tier;
} RaminateSource;

/*
 * The swapper of one container: where each page lives (the core,
 * raminate-swapper.c) and the chain of swapper ops that move pages.
 */
typedef struct RaminateSwapper RaminateSwapper;

/* What one run of a plan cost, for the statistics and trace events. */
typedef struct RaminateSwapReport {
    size_t live;                /* pairs swapped with the guest running */
    uint64_t drain_ns;          /* waiting for device I/O in flight */
    size_t under_dma;           /* pairs left alone: a device mapped them */
    size_t no_room;             /* pairs left alone: no swapper had room */
    uint64_t pause_ns;          /* the guest stopped, stop to resume */
    uint64_t stop_ns;           /* of which stopping and resuming vCPUs */
    uint64_t copy_ns;           /* copying page bytes */
    uint64_t remap_ns;          /* changing mappings */
    uint64_t mappings;          /* at the last count (<= 1 s old) */
    /* written into each tier: a swap writes a page into each storage */
    uint64_t written[MEMORY_TIER__MAX];
} RaminateSwapReport;

typedef struct RaminateSwapperOps {
    const char *name;           /* as query-raminate's swapper says it */
    bool pauses_guest;          /* swap() needs the vCPUs paused */
    /*
     * Its state for swapping the pages of @s, or NULL: with @errp set if it
     * should serve them and cannot, without if it does not serve them.
     */
    void *(*open)(RaminateSwapper *s, Error **errp);
    void (*close)(void *state);
    /*
     * Swap at most @budget of the pairs of @plan[0..n-1] not yet @ok,
     * recording each with raminate_swapper_exchanged() and setting its ok.
     * Returns 0, or -EOPNOTSUPP once it cannot swap this memory at all.
     */
    int (*swap)(void *state, RaminateSwapper *s, const RmSwap *plan,
                size_t n, bool *ok, size_t budget, RaminateSwapReport *r);
    /* How many of @want swaps it can do now (NULL: no limit). */
    size_t (*headroom)(void *state, size_t want, RaminateSwapReport *r);
    /*
     * Work before a slice of @want swaps that needs no lock (NULL: none),
     * done in the engine's thread while the main loop runs on: between
     * slices, never beside swap() or headroom().
     */
    void (*prepare)(void *state, size_t want);
} RaminateSwapperOps;

extern const RaminateSwapperOps raminate_swapper_kvm;
extern const RaminateSwapperOps raminate_swapper_remap;

/*
 * A swapper for the container @id whose @size bytes at @base are mapped
 * from @src[0..nsrc-1], every page at home.  Each swapper ops that serves
 * these sources joins its chain, in order of preference.
 */
RaminateSwapper *raminate_swapper_new(const char *id, uint8_t *base,
                                      uint64_t size, const RaminateSource *src,
                                      unsigned nsrc, Error **errp);
void raminate_swapper_free(RaminateSwapper *s);
/*
 * Carry out @plan[0..n-1], setting ok[i] for each pair done: each swapper
 * of the chain takes the pairs the ones before it could not do, with the
 * vCPUs paused around those that need it, and device I/O quiesced around
 * all; pairs a device has mapped for DMA stay undone.  Afterwards each
 * page's bytes are unchanged.  Main loop only: it pauses the vCPUs and
 * drains the block layer.
 */
void raminate_swapper_run(RaminateSwapper *s, const RmSwap *plan, size_t n,
                          bool *ok, RaminateSwapReport *r);
/* Before raminate_swapper_run() of @want pairs, outside the BQL. */
void raminate_swapper_prepare(RaminateSwapper *s, size_t want);
/* The name of the first swapper of the chain. */
const char *raminate_swapper_name(const RaminateSwapper *s);
uint32_t raminate_swapper_npages(const RaminateSwapper *s);
/* The storage slot (page of original storage) now backing @page. */
uint32_t raminate_swapper_storage(const RaminateSwapper *s, uint32_t page);
MemoryTier raminate_swapper_tier(const RaminateSwapper *s, uint32_t page);

/* For swapper ops: what the core knows. */
const char *raminate_swapper_id(const RaminateSwapper *s);
uint8_t *raminate_swapper_base(const RaminateSwapper *s);
unsigned raminate_swapper_nsources(const RaminateSwapper *s);
const RaminateSource *raminate_swapper_source(const RaminateSwapper *s,
                                              unsigned i);
/* The source holding storage @slot. */
const RaminateSource *raminate_swapper_source_of(const RaminateSwapper *s,
                                                 uint32_t slot);
/* Pages @a and @b now live in each other's former storage. */
void raminate_swapper_exchanged(RaminateSwapper *s, uint32_t a, uint32_t b);

/* --- engine --------------------------------------------------------- */

typedef struct RaminateEngine RaminateEngine;

/* What the engine is given to run on. */
typedef struct RaminateEngineConfig {
    const char *id;             /* for messages and trace events */
    MemoryRegion *mr;           /* the guest memory, for the tracker */
    RaminateSwapper *swapper;   /* the caller's: outlives the engine */
} RaminateEngineConfig;

/* A duration per swap batch, in ns. */
typedef struct RaminateDuration {
    uint64_t last, min, max, total;
} RaminateDuration;

typedef struct RaminateEngineStats {
    RaminateTracker tracker;    /* in force */
    uint64_t epochs;
    uint64_t dirty_last, dirty_dram_last, dirty_total, dirty_dram_total;
    /* failed: tried and not done; deferred: left for a later batch */
    uint64_t swaps, swaps_failed, swaps_deferred, live_swaps, batches;
    uint64_t swap_written[MEMORY_TIER__MAX];   /* bytes, by tier */
    RaminateDuration pause, batch;
    RmPolicyStats pages;
} RaminateEngineStats;

RaminateEngine *raminate_engine_start(const RaminateEngineConfig *cfg,
                                      const RaminateParams *params,
                                      Error **errp);
/* Needs the BQL, which it drops while the engine thread finishes. */
void raminate_engine_stop(RaminateEngine *e);
/* Take new knob values; fails without change if they cannot apply. */
bool raminate_engine_reconfigure(RaminateEngine *e,
                                 const RaminateParams *params, Error **errp);
void raminate_engine_get_stats(RaminateEngine *e, RaminateEngineStats *st);

#endif
