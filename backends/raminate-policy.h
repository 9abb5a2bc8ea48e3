/*
 * raminate: placement policies for hybrid DRAM/NVM guest memory
 *
 * Pure C, no QEMU types: the engine feeds each epoch's written pages in and
 * takes swap plans out; tests and the trace simulator use it the same way.
 * Pages are numbered 0..npages-1 (container offset / page size); time is in
 * the caller's unit (the engine uses milliseconds) and may wrap at 2^32.
 *
 * Policies:
 *   cmq   Corked Multi-Queue (Hirofuchi and Takano, SoCC 2016, section 3.4).
 *         A page with n detected updates sits at the tail of level
 *         floor(log2 n); at each update it moves to the tail of its level.
 *         After each epoch, the head of each level is checked: a page not
 *         updated (nor demoted) for longer than the life time drops one
 *         level, and the new head is checked in turn.  Demoted out of level
 *         0, a DRAM page joins the victim queue of cold DRAM pages and an
 *         NVM page is forgotten (its count reset).  A plan scans the levels
 *         from the highest down, each from tail to head, and pairs every
 *         NVM page it meets with the head of the victim queue, up to the
 *         cap or until victims run out.  All DRAM pages start as victims.
 *   lru   Keeps the most recently written pages in DRAM: pairs the most
 *         recently written NVM pages with the least recently written DRAM
 *         pages (never-written ones first) while the NVM page is the more
 *         recent of the two.
 *   none  Never swaps; keeps LRU's bookkeeping so that its statistics are
 *         comparable.
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

typedef enum RmPolicyKind {
    RM_POLICY_CMQ,
    RM_POLICY_LRU,
    RM_POLICY_NONE,
} RmPolicyKind;

#define RM_MAX_LEVELS 32

typedef struct RmPolicyParams {
    unsigned levels;            /* CMQ levels, 1..RM_MAX_LEVELS */
    uint32_t lifetime;          /* CMQ life time; LRU/none: "hot" window */
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
 * A policy over @npages pages whose tiers are @tier[0..npages-1].
 * Returns NULL if the parameters are out of range or memory runs out.
 */
RmPolicy *rm_policy_new(RmPolicyKind kind, const RmPolicyParams *params,
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
