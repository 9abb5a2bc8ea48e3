/*
 * raminate: what a placement policy's implementation sees of the core
 *
 * The core (raminate-policy.c) keeps, per page, its tier, a saturating
 * update count, the time of its last update or demotion and its place in
 * one of NQUEUES intrusive doubly linked queues of page numbers, so a page
 * is in at most one queue and moving it costs O(1).  Queues 0..levels-1
 * are the policy's own (CMQ's levels, LRU's recency list); RM_QUEUE_VICTIM
 * holds DRAM pages nothing is known of yet, oldest at the head.
 *
 * Copyright (c) 2026 raminate developers
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#ifndef RAMINATE_POLICY_IMPL_H
#define RAMINATE_POLICY_IMPL_H

#include "raminate-policy.h"

#define NIL UINT32_MAX
#define NQUEUES (RM_MAX_LEVELS + 1)     /* levels, then the victim queue */
#define COUNT_MAX ((1u << 24) - 1)

typedef struct RmPage {
    uint32_t prev, next;
    uint32_t stamp;             /* time of the last update or demotion */
    uint32_t count:24;          /* updates detected, saturating */
    uint32_t queue:6;           /* a level, RM_QUEUE_VICTIM or _NONE */
    uint32_t tier:1;
    uint32_t unused:1;
} RmPage;

struct RmPolicy {
    const RmPolicyOps *ops;
    unsigned levels;
    uint32_t lifetime;
    uint32_t now;               /* of the last update */
    uint32_t npages;
    uint64_t dram_pages;
    uint64_t queued_nvm;        /* NVM pages in queues 0..levels-1 */
    uint32_t head[NQUEUES], tail[NQUEUES];
    RmPage *page;
};

/* Append page @n to the tail of queue @q; it must be in none. */
void rm_enqueue(RmPolicy *p, uint32_t n, unsigned q);
/* Take page @n out of its queue, if it is in one. */
void rm_dequeue(RmPolicy *p, uint32_t n);
/* Wrap-safe: has @stamp aged beyond the life time at @now? */
bool rm_expired(const RmPolicy *p, uint32_t stamp, uint32_t now);

extern const RmPolicyOps rm_policy_cmq, rm_policy_benefit, rm_policy_lru,
    rm_policy_none;

#endif
