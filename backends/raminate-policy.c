/*
 * raminate: the placement policies' core
 *
 * Page bookkeeping shared by every policy (raminate-policy-impl.h) and the
 * table of policies.  See raminate-policy.h for what each policy does.
 *
 * Copyright (c) 2026 raminate developers
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include <stdlib.h>
#include <string.h>

#include "raminate-policy-impl.h"

const RmPolicyOps *const rm_policies[] = {
    &rm_policy_cmq,
    &rm_policy_benefit,
    &rm_policy_lru,
    &rm_policy_none,
    NULL,
};

const RmPolicyOps *rm_policy_find(const char *name)
{
    for (const RmPolicyOps *const *o = rm_policies; *o; o++) {
        if (!strcmp((*o)->name, name)) {
            return *o;
        }
    }
    return NULL;
}

const RmPolicyOps *rm_policy_ops(const RmPolicy *p)
{
    return p->ops;
}

void rm_enqueue(RmPolicy *p, uint32_t n, unsigned q)
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

void rm_dequeue(RmPolicy *p, uint32_t n)
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

bool rm_expired(const RmPolicy *p, uint32_t stamp, uint32_t now)
{
    return (uint32_t)(now - stamp) > p->lifetime;
}

RmPolicy *rm_policy_new(const RmPolicyOps *ops, const RmPolicyParams *params,
                        uint32_t npages, const uint8_t *tier)
{
    RmPolicy *p;

    if (!ops || params->levels < 1 || params->levels > RM_MAX_LEVELS ||
        npages == NIL) {
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
    p->ops = ops;
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
            rm_enqueue(p, n, RM_QUEUE_VICTIM);
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
        if (p->ops->count_write) {
            p->ops->count_write(p, w, now);
        } else {
            pg->count += pg->count < COUNT_MAX;
            pg->stamp = now;
        }
        rm_dequeue(p, w);
        rm_enqueue(p, w, p->ops->written_queue(p, w));
    }
    p->now = now;
    if (p->ops->epoch_end) {
        p->ops->epoch_end(p, now);
    }
}

size_t rm_policy_plan(RmPolicy *p, RmSwap *out, size_t max)
{
    return p->ops->plan ? p->ops->plan(p, out, max) : 0;
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
        rm_dequeue(p, swap->cold);
        cold->count = 0;
    } else if (cold->queue < RM_MAX_LEVELS) {
        p->queued_nvm++;
    }
    if (p->ops->swapped) {
        p->ops->swapped(p, swap);
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
    stats->hot_nvm_pages = p->ops->hot_nvm_pages(p, now);
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
