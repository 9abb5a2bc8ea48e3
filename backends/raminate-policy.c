/*
 * raminate: placement policies for hybrid DRAM/NVM guest memory
 *
 * See raminate-policy.h for what each policy does.  Queues are intrusive
 * doubly linked lists of page numbers, so a page is in at most one queue and
 * moving it costs O(1).
 *
 * Copyright (c) 2026 raminate developers
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include <stdlib.h>
#include <string.h>

#include "raminate-policy.h"

#define NIL UINT32_MAX
#define NQUEUES (RM_MAX_LEVELS + 1)     /* levels, then the victim queue */
#define COUNT_MAX ((1u << 24) - 1)
#define LRU_LIST 0                      /* lru/none: the recency list */

typedef struct RmPage {
    uint32_t prev, next;
    uint32_t stamp;             /* time of the last update or demotion */
    uint32_t count:24;        /* updates detected, saturating */
    uint32_t queue:6;           /* a level, RM_QUEUE_VICTIM or _NONE */
    uint32_t tier:1;
    uint32_t unused:1;
} RmPage;

struct RmPolicy {
    RmPolicyKind kind;
    unsigned levels;
    uint32_t lifetime;
    uint32_t npages;
    uint64_t dram_pages;
    uint64_t queued_nvm;        /* cmq: NVM pages in the level queues */
    uint32_t head[NQUEUES], tail[NQUEUES];
    RmPage *page;
};

static void enqueue(RmPolicy *p, uint32_t n, unsigned q)
{
    RmPage *pg = &p->page[n];

    pg->queue = q;
    pg->next = NIL;
    pg->prev = p->tail[q];
    if (p->tail[q] == NIL) {
        p->head[q] = n;
    } else {
        p->page[p->tail[q]].next = n;
    }
    p->tail[q] = n;
    if (q < RM_MAX_LEVELS && pg->tier == RM_TIER_NVM) {
        p->queued_nvm++;
    }
}

static void dequeue(RmPolicy *p, uint32_t n)
{
    RmPage *pg = &p->page[n];
    unsigned q = pg->queue;

    if (q == RM_QUEUE_NONE) {
        return;
    }
    if (pg->prev == NIL) {
        p->head[q] = pg->next;
    } else {
        p->page[pg->prev].next = pg->next;
    }
    if (pg->next == NIL) {
        p->tail[q] = pg->prev;
    } else {
        p->page[pg->next].prev = pg->prev;
    }
    if (q < RM_MAX_LEVELS && pg->tier == RM_TIER_NVM) {
        p->queued_nvm--;
    }
    pg->queue = RM_QUEUE_NONE;
    pg->prev = pg->next = NIL;
}

static unsigned level_of(const RmPolicy *p, uint32_t count)
{
    unsigned level = 0;

    while (count >>= 1) {
        level++;
    }
    return level < p->levels ? level : p->levels - 1;
}

/* Wrap-safe: has @stamp aged beyond the life time at @now? */
static bool expired(const RmPolicy *p, uint32_t stamp, uint32_t now)
{
    return (uint32_t)(now - stamp) > p->lifetime;
}

RmPolicy *rm_policy_new(RmPolicyKind kind, const RmPolicyParams *params,
                        uint32_t npages, const uint8_t *tier)
{
    RmPolicy *p;

    if (params->levels < 1 || params->levels > RM_MAX_LEVELS ||
        npages == NIL || kind > RM_POLICY_NONE) {
        return NULL;
    }
    p = calloc(1, sizeof(*p));
    if (!p) {
        return NULL;
    }
    p->page = calloc(npages ? npages : 1, sizeof(*p->page));
    if (!p->page) {
        free(p);
        return NULL;
    }
    p->kind = kind;
    p->levels = params->levels;
    p->lifetime = params->lifetime;
    p->npages = npages;
    memset(p->head, 0xff, sizeof(p->head));
    memset(p->tail, 0xff, sizeof(p->tail));
    for (uint32_t n = 0; n < npages; n++) {
        p->page[n].tier = tier[n] ? RM_TIER_NVM : RM_TIER_DRAM;
        p->page[n].queue = RM_QUEUE_NONE;
        p->page[n].prev = p->page[n].next = NIL;
        if (p->page[n].tier == RM_TIER_DRAM) {
            /* Nothing is known of them yet: the coldest DRAM pages. */
            enqueue(p, n, RM_QUEUE_VICTIM);
            p->dram_pages++;
        }
    }
    return p;
}

void rm_policy_free(RmPolicy *p)
{
    if (p) {
        free(p->page);
        free(p);
    }
}

void rm_policy_set_lifetime(RmPolicy *p, uint32_t lifetime)
{
    p->lifetime = lifetime;
}

static void cmq_demote(RmPolicy *p, uint32_t now)
{
    for (unsigned level = 0; level < p->levels; level++) {
        uint32_t n;

        while ((n = p->head[level]) != NIL &&
               expired(p, p->page[n].stamp, now)) {
            RmPage *pg = &p->page[n];

            dequeue(p, n);
            pg->stamp = now;
            if (level > 0) {
                enqueue(p, n, level - 1);
            } else if (pg->tier == RM_TIER_DRAM) {
                enqueue(p, n, RM_QUEUE_VICTIM);
            } else {
                pg->count = 0;
            }
        }
    }
}

void rm_policy_update(RmPolicy *p, const uint32_t *written, size_t n,
                      uint32_t now)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t w = written[i];
        RmPage *pg;

        if (w >= p->npages) {
            continue;
        }
        pg = &p->page[w];
        if (pg->count < COUNT_MAX) {
            pg->count++;
        }
        pg->stamp = now;
        dequeue(p, w);
        enqueue(p, w, p->kind == RM_POLICY_CMQ ? level_of(p, pg->count)
                                               : LRU_LIST);
    }
    if (p->kind == RM_POLICY_CMQ) {
        cmq_demote(p, now);
    }
}

static size_t cmq_plan(RmPolicy *p, RmSwap *out, size_t max)
{
    uint32_t victim = p->head[RM_QUEUE_VICTIM];
    size_t planned = 0;

    for (int level = p->levels - 1; level >= 0; level--) {
        for (uint32_t n = p->tail[level]; n != NIL; n = p->page[n].prev) {
            if (planned == max || victim == NIL) {
                return planned;
            }
            if (p->page[n].tier == RM_TIER_NVM) {
                out[planned].hot = n;
                out[planned].cold = victim;
                planned++;
                victim = p->page[victim].next;
            }
        }
    }
    return planned;
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

size_t rm_policy_plan(RmPolicy *p, RmSwap *out, size_t max)
{
    switch (p->kind) {
    case RM_POLICY_CMQ:
        return cmq_plan(p, out, max);
    case RM_POLICY_LRU:
        return lru_plan(p, out, max);
    default:
        return 0;
    }
}

void rm_policy_swapped(RmPolicy *p, const RmSwap *swap, bool ok)
{
    RmPage *hot = &p->page[swap->hot], *cold = &p->page[swap->cold];

    if (!ok) {
        return;
    }
    /* Flip tiers, keeping the NVM count of the level queues right. */
    if (hot->queue < RM_MAX_LEVELS) {
        p->queued_nvm--;
    }
    hot->tier = RM_TIER_DRAM;
    cold->tier = RM_TIER_NVM;
    if (cold->queue == RM_QUEUE_VICTIM) {
        /* A cold page leaving DRAM is forgotten, as CMQ forgets NVM pages. */
        dequeue(p, swap->cold);
        cold->count = 0;
    } else if (cold->queue < RM_MAX_LEVELS) {
        p->queued_nvm++;
    }
}

RmTier rm_policy_tier(const RmPolicy *p, uint32_t page)
{
    return p->page[page].tier;
}

void rm_policy_stats(const RmPolicy *p, uint32_t now, RmPolicyStats *stats)
{
    stats->dram_pages = p->dram_pages;
    stats->nvm_pages = p->npages - p->dram_pages;
    if (p->kind == RM_POLICY_CMQ) {
        stats->hot_nvm_pages = p->queued_nvm;
        return;
    }
    /* The recency list is in time order: walk back over the life time. */
    stats->hot_nvm_pages = 0;
    for (uint32_t n = p->tail[LRU_LIST];
         n != NIL && !expired(p, p->page[n].stamp, now); n = p->page[n].prev) {
        stats->hot_nvm_pages += p->page[n].tier == RM_TIER_NVM;
    }
}

size_t rm_policy_metadata_bytes(const RmPolicy *p)
{
    return sizeof(*p) + (size_t)p->npages * sizeof(*p->page);
}

unsigned rm_policy_queue_of(const RmPolicy *p, uint32_t page)
{
    return p->page[page].queue;
}

uint32_t rm_policy_count_of(const RmPolicy *p, uint32_t page)
{
    return p->page[page].count;
}

size_t rm_policy_queue_pages(const RmPolicy *p, unsigned queue,
                             uint32_t *out, size_t max)
{
    size_t k = 0;

    for (uint32_t n = p->head[queue]; n != NIL && k < max;
         n = p->page[n].next) {
        out[k++] = n;
    }
    return k;
}
