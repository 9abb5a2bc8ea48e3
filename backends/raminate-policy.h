/*
 * raminate: placement policies for hybrid DRAM/NVM guest memory
 *
 * Pure C, no QEMU types: the engine feeds each epoch's written pages in and
 * takes swap plans out; tests and the trace simulator use it the same way.
 * Pages are numbered 0..npages-1 (container offset / page size); time is in
 * the caller's unit (the engine uses milliseconds) and may wrap at 2^32.
 *
 * Policies, one file each with its rules (raminate-policy-<name>.c):
 *   cmq   Corked Multi-Queue (Hirofuchi and Takano, SoCC 2016, section 3.4)
 *   benefit  write frequency over a window, swaps admitted only where they
 *         save more NVM writes than they cost
 *   lru   the most recently written pages in DRAM
 *   none  never swaps; keeps LRU's bookkeeping, so that its statistics are
 *         comparable (in raminate-policy-lru.c)
 *
 * Metadata: 16 bytes per page.  Cost of an epoch: proportional to the pages
 * written and demoted; a plan visits the queued pages it skips or pairs.
 *
 * Copyright (c) 2026 raminate developers
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#ifndef RAMINATE_POLICY_H
#define RAMINATE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum RmTier {
    RM_TIER_DRAM = 0,
    RM_TIER_NVM = 1,
} RmTier;

#define RM_MAX_LEVELS 32

typedef struct RmPolicyParams {
    unsigned levels;            /* CMQ levels, 1..RM_MAX_LEVELS */
    /* CMQ: life time; LRU, none: "hot" window; benefit: half-life */
    uint32_t lifetime;
} RmPolicyParams;

/* One planned exchange: @hot (in NVM) goes to DRAM, @cold (in DRAM) out. */
typedef struct RmSwap {
    uint32_t hot;
    uint32_t cold;
} RmSwap;

typedef struct RmPolicyStats {
    uint64_t dram_pages;
    uint64_t nvm_pages;
    uint64_t hot_nvm_pages;     /* written within the life time, in NVM */
} RmPolicyStats;

typedef struct RmPolicy RmPolicy;

/*
 * What makes a policy: the core (raminate-policy.c) keeps each page's tier,
 * update count, time stamp and queue, and calls these to decide where a
 * written page goes, to age pages and to plan.  A new policy is one file
 * with its RmPolicyOps and an entry in rm_policies[].
 */
typedef struct RmPolicyOps {
    const char *name;           /* as the placement= knob takes it */
    const char *summary;        /* one line, for help texts */
    /*
     * Account a write to @page at @now in its count and stamp; NULL: the
     * count is bumped and the stamp set to @now.
     */
    void (*count_write)(RmPolicy *p, uint32_t page, uint32_t now);
    /* The queue a page just written goes to (its count already updated). */
    unsigned (*written_queue)(const RmPolicy *p, uint32_t page);
    /* After an epoch's writes are in, at time @now; may be NULL. */
    void (*epoch_end)(RmPolicy *p, uint32_t now);
    /* Plan at most @max swaps into @out; NULL for a policy that never swaps. */
    size_t (*plan)(RmPolicy *p, RmSwap *out, size_t max);
    /* After a swap flipped tiers (victims forgotten); may be NULL. */
    void (*swapped)(RmPolicy *p, const RmSwap *swap);
    /* Write-hot pages now in NVM, for the statistics. */
    uint64_t (*hot_nvm_pages)(const RmPolicy *p, uint32_t now);
} RmPolicyOps;

/* Every policy, the default first; NULL-terminated. */
extern const RmPolicyOps *const rm_policies[];
/* The policy called @name, or NULL. */
const RmPolicyOps *rm_policy_find(const char *name);
const RmPolicyOps *rm_policy_ops(const RmPolicy *p);

/*
 * A policy over @npages pages whose tiers are @tier[0..npages-1].
 * Returns NULL if the parameters are out of range or memory runs out.
 */
RmPolicy *rm_policy_new(const RmPolicyOps *ops, const RmPolicyParams *params,
                        uint32_t npages, const uint8_t *tier);
void rm_policy_free(RmPolicy *p);

/* Change the life time (the level count needs a new policy). */
void rm_policy_set_lifetime(RmPolicy *p, uint32_t lifetime);

/* One epoch at time @now: the pages written during it, then demotions. */
void rm_policy_update(RmPolicy *p, const uint32_t *written, size_t n,
                      uint32_t now);

/* Plan at most @max swaps into @out; returns how many. */
size_t rm_policy_plan(RmPolicy *p, RmSwap *out, size_t max);

/*
 * Report the outcome of a planned swap, in plan order: on success the two
 * pages' tiers flip; on failure the policy keeps its state.
 */
void rm_policy_swapped(RmPolicy *p, const RmSwap *swap, bool ok);

RmTier rm_policy_tier(const RmPolicy *p, uint32_t page);
void rm_policy_stats(const RmPolicy *p, uint32_t now, RmPolicyStats *stats);

/* Bytes of metadata the policy keeps. */
size_t rm_policy_metadata_bytes(const RmPolicy *p);

/* Introspection for tests: the queue a page is in and its update count. */
#define RM_QUEUE_VICTIM RM_MAX_LEVELS
#define RM_QUEUE_NONE   (RM_MAX_LEVELS + 1)
unsigned rm_policy_queue_of(const RmPolicy *p, uint32_t page);
uint32_t rm_policy_count_of(const RmPolicy *p, uint32_t page);
/* The pages of @queue from head to tail into @out (at most @max). */
size_t rm_policy_queue_pages(const RmPolicy *p, unsigned queue,
                             uint32_t *out, size_t max);

#endif
