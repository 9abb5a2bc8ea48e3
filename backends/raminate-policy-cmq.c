/*
 * raminate: CMQ, Corked Multi-Queue (Hirofuchi and Takano, SoCC 2016, 3.4)
 *
 * A page with n detected updates sits at the tail of level floor(log2 n);
 * at each update it moves to the tail of its level.  After each epoch, the
 * head of each level is checked: a page not updated (nor demoted) for
 * longer than the life time drops one level, and the new head is checked
 * in turn.  Demoted out of level 0, a DRAM page joins the victim queue of
 * cold DRAM pages and an NVM page is forgotten (its count reset).  A plan
 * scans the levels from the highest down, each from tail to head, and
 * pairs every NVM page it meets with the head of the victim queue, up to
 * the cap or until victims run out.  All DRAM pages start as victims.
 *
 * Copyright (c) 2026 raminate developers
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include "raminate-policy-impl.h"

static unsigned cmq_written_queue(const RmPolicy *p, uint32_t page)
{
    uint32_t count = p->page[page].count;
    unsigned level = 0;

    while (count >>= 1) {
        level++;
    }
    return level < p->levels ? level : p->levels - 1;
}

static void cmq_demote(RmPolicy *p, uint32_t now)
{
    for (unsigned level = 0; level < p->levels; level++) {
        uint32_t n;

        while ((n = p->head[level]) != NIL &&
               rm_expired(p, p->page[n].stamp, now)) {
            RmPage *pg = &p->page[n];

            rm_dequeue(p, n);
            pg->stamp = now;
            if (level > 0) {
                rm_enqueue(p, n, level - 1);
            } else if (pg->tier == RM_TIER_DRAM) {
                rm_enqueue(p, n, RM_QUEUE_VICTIM);
            } else {
                pg->count = 0;
            }
        }
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

/* Every NVM page in a level was updated within some life time. */
static uint64_t cmq_hot_nvm_pages(const RmPolicy *p, uint32_t now)
{
    return p->queued_nvm;
}

const RmPolicyOps rm_policy_cmq = {
    .name = "cmq",
    .summary = "Corked Multi-Queue, as in the RAMinate paper",
    .written_queue = cmq_written_queue,
    .epoch_end = cmq_demote,
    .plan = cmq_plan,
    .hot_nvm_pages = cmq_hot_nvm_pages,
};
