/*
 * raminate: LRU, and none (LRU's bookkeeping without swaps)
 *
 * Written pages go to the tail of one recency list.  LRU pairs the most
 * recently written NVM pages with the least recently written DRAM pages
 * (never-written ones first) while the NVM page is the more recent of the
 * two.  "none" never swaps; its statistics are comparable with LRU's.
 *
 * Copyright (c) 2026 raminate developers
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include "raminate-policy-impl.h"

#define LRU_LIST 0

static unsigned lru_written_queue(const RmPolicy *p, uint32_t page)
{
    return LRU_LIST;
}

/*
 * The least recently written DRAM page after @cold: never-written ones (the
 * victim queue) first, then the recency list from its old end.
 */
static uint32_t lru_next_cold(const RmPolicy *p, uint32_t cold)
{
    uint32_t n = cold == NIL ? p->head[RM_QUEUE_VICTIM] : p->page[cold].next;

    if (n == NIL && (cold == NIL || p->page[cold].queue == RM_QUEUE_VICTIM)) {
        n = p->head[LRU_LIST];
    }
    while (n != NIL && p->page[n].tier != RM_TIER_DRAM) {
        n = p->page[n].next;
    }
    return n;
}

static size_t lru_plan(RmPolicy *p, RmSwap *out, size_t max)
{
    uint32_t cold = lru_next_cold(p, NIL);
    size_t planned = 0;

    for (uint32_t n = p->tail[LRU_LIST]; n != NIL && planned < max;
         n = p->page[n].prev) {
        if (p->page[n].tier != RM_TIER_NVM) {
            continue;
        }
        /* Stop where the DRAM page is at least as recent as the NVM one. */
        if (cold == NIL || (p->page[cold].queue == LRU_LIST &&
                            (int32_t)(p->page[cold].stamp -
                                      p->page[n].stamp) >= 0)) {
            break;
        }
        out[planned].hot = n;
        out[planned].cold = cold;
        planned++;
        cold = lru_next_cold(p, cold);
    }
    return planned;
}

/* The recency list is in time order: walk back over the life time. */
static uint64_t lru_hot_nvm_pages(const RmPolicy *p, uint32_t now)
{
    uint64_t hot = 0;

    for (uint32_t n = p->tail[LRU_LIST];
         n != NIL && !rm_expired(p, p->page[n].stamp, now);
         n = p->page[n].prev) {
        hot += p->page[n].tier == RM_TIER_NVM;
    }
    return hot;
}

const RmPolicyOps rm_policy_lru = {
    .name = "lru",
    .summary = "keep the most recently written pages in DRAM",
    .written_queue = lru_written_queue,
    .plan = lru_plan,
    .hot_nvm_pages = lru_hot_nvm_pages,
};

const RmPolicyOps rm_policy_none = {
    .name = "none",
    .summary = "never move pages",
    .written_queue = lru_written_queue,
    .hot_nvm_pages = lru_hot_nvm_pages,
};
