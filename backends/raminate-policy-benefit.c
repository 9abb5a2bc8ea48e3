/*
 * raminate: benefit, cost-aware placement on write frequency
 *
 * A swap writes a whole page into NVM (the DRAM page it demotes), so a
 * placement pays for itself only if the pages it brings in are written
 * more, over their stay in DRAM, than the pages they push out plus that
 * page.  The rules:
 *
 * 1. Frequency: a page's score is the number of epochs it was written in,
 *    each weighted 2^(-age / half-life) (the life time knob): a decayed
 *    count, in 1/256 epochs in the core's count field, brought up to date
 *    from the page's stamp when the page is touched, never by a pass over
 *    all pages.  Write history predicts future writes better than the last
 *    write alone: one write scores 1, a write every epoch ~1.44 half-lives.
 *    A score is about the writes the page can be expected to take over
 *    the next ~1.44 half-lives, its expected stay.
 * 2. Histogram: pages scoring at least 1/4 sit in frequency buckets, NVM
 *    and DRAM pages apart; bucket b holds scores [2^b, 2^(b+1)) quarters,
 *    in stamp order (the newest at the tail).  Below 1/4 a DRAM page is a
 *    victim (never written pages first) and an NVM page is forgotten.
 * 3. Cooling: after each epoch, a bucket's head (its oldest stamp) whose
 *    score has decayed out of the bucket moves down, stamped now, and the
 *    next head is checked in turn: O(pages that move), like CMQ's cork.
 * 4. Admission: NVM page h swaps with DRAM page c only if score(h) -
 *    score(c) >= BENEFIT_MIN_GAIN: the NVM writes the swap saves over the
 *    stay exceed its own page into NVM by a margin.
 * 5. Hysteresis: the margin holds both ways, so a pair swaps back only
 *    once the demoted page has become hotter by the same margin again: no
 *    ping-pong without a real change in the writes.
 * 6. Budget: hot pages from the highest bucket down, newest first; cold
 *    pages from the victims up through the DRAM buckets, oldest first.  The
 *    plan ends at the cap or at the first bucket whose scores cannot beat
 *    the coldest DRAM page left by the margin: the cap is spent where the
 *    gain is largest, or not at all.
 *
 * Copyright (c) 2026 raminate developers
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include "raminate-policy-impl.h"

#define SCORE_ONE 256u                  /* one epoch written */
#define SCORE_FLOOR_SHIFT 6             /* bucketed from 1/4 epoch up */
#define SCORE_FLOOR (1u << SCORE_FLOOR_SHIFT)
#define NBUCKETS 16                     /* per tier: NVM 0-15, DRAM 16-31 */
#define DRAM_BUCKETS NBUCKETS

/*
 * Cost plus margin, in epochs written: the swap's own page into NVM is
 * about one written epoch of the page it saves (a dirty page-epoch costs at
 * most a page of write-backs), and one more is the hysteresis margin.
 */
#define BENEFIT_MIN_GAIN (2 * SCORE_ONE)

/* The page's score at @now: halved per half-life since its stamp. */
static uint32_t score_at(const RmPolicy *p, const RmPage *pg, uint32_t now)
{
    uint32_t life = p->lifetime ? p->lifetime : 1;
    uint32_t age = now - pg->stamp, halvings = age / life;
    uint64_t s;

    if (halvings >= 24) {
        return 0;
    }
    s = pg->count >> halvings;
    /* 2^-f ~ 1 - f/2 for the part f of a half-life left: within 6%. */
    return s - s * (age % life) / (2 * life);
}

static unsigned bucket_of(uint32_t score)
{
    unsigned b = 31 - __builtin_clz(score) - SCORE_FLOOR_SHIFT;

    return b < NBUCKETS ? b : NBUCKETS - 1;
}

/* The queue of a page of @tier scoring @score >= SCORE_FLOOR. */
static unsigned queue_of(RmTier tier, uint32_t score)
{
    return (tier == RM_TIER_DRAM ? DRAM_BUCKETS : 0) + bucket_of(score);
}

/* Scores of bucket @b are below this; the top bucket has no bound. */
static uint32_t bucket_top(unsigned b)
{
    return b + 1 < NBUCKETS ? SCORE_FLOOR << (b + 1) : UINT32_MAX;
}

static void benefit_count_write(RmPolicy *p, uint32_t page, uint32_t now)
{
    RmPage *pg = &p->page[page];
    uint32_t s = score_at(p, pg, now) + SCORE_ONE;

    pg->count = s < COUNT_MAX ? s : COUNT_MAX;
    pg->stamp = now;
}

static unsigned benefit_written_queue(const RmPolicy *p, uint32_t page)
{
    const RmPage *pg = &p->page[page];

    return queue_of(pg->tier, pg->count);
}

/* Re-score page @n (in no queue) at @now and queue it where it belongs. */
static void requeue(RmPolicy *p, uint32_t n, uint32_t now)
{
    RmPage *pg = &p->page[n];

    pg->count = score_at(p, pg, now);
    pg->stamp = now;
    if (pg->count >= SCORE_FLOOR) {
        rm_enqueue(p, n, queue_of(pg->tier, pg->count));
    } else if (pg->tier == RM_TIER_DRAM) {
        rm_enqueue(p, n, RM_QUEUE_VICTIM);
    } else {
        pg->count = 0;
    }
}

static void benefit_cool(RmPolicy *p, uint32_t now)
{
    for (unsigned q = 0; q < NBUCKETS + DRAM_BUCKETS; q++) {
        uint32_t floor = SCORE_FLOOR << (q % NBUCKETS), n;

        while ((n = p->head[q]) != NIL &&
               score_at(p, &p->page[n], now) < floor) {
            rm_dequeue(p, n);
            requeue(p, n, now);
        }
    }
}

/*
 * The next coldest DRAM page after @c (NIL: the first), and where it is:
 * @*k is 0 for the victim queue, 1 + b for DRAM bucket b.
 */
static uint32_t next_cold(const RmPolicy *p, uint32_t c, unsigned *k)
{
    uint32_t n = c == NIL ? p->head[RM_QUEUE_VICTIM] : p->page[c].next;

    while (n == NIL && *k < DRAM_BUCKETS) {
        n = p->head[NBUCKETS + (*k)++];
    }
    return n;
}

static size_t benefit_plan(RmPolicy *p, RmSwap *out, size_t max)
{
    unsigned k = 0;
    uint32_t cold = next_cold(p, NIL, &k);
    size_t planned = 0;

    for (int b = NBUCKETS - 1; b >= 0; b--) {
        for (uint32_t h = p->tail[b]; h != NIL; h = p->page[h].prev) {
            uint32_t need;

            if (planned == max || cold == NIL) {
                return planned;
            }
            need = score_at(p, &p->page[cold], p->now) + BENEFIT_MIN_GAIN;
            if (bucket_top(b) <= need) {
                return planned;         /* nothing from here down pays */
            }
            if (score_at(p, &p->page[h], p->now) < need) {
                continue;
            }
            out[planned].hot = h;
            out[planned].cold = cold;
            planned++;
            cold = next_cold(p, cold, &k);
        }
    }
    return planned;
}

/* Each page goes to its new tier's bucket, re-scored. */
static void benefit_swapped(RmPolicy *p, const RmSwap *swap)
{
    uint32_t pages[] = { swap->hot, swap->cold };

    for (int i = 0; i < 2; i++) {
        /* A victim leaving DRAM is forgotten already (the core's rule). */
        if (p->page[pages[i]].queue != RM_QUEUE_NONE) {
            rm_dequeue(p, pages[i]);
            requeue(p, pages[i], p->now);
        }
    }
}

/* NVM pages in a bucket: written in about the last two half-lives. */
static uint64_t benefit_hot_nvm_pages(const RmPolicy *p, uint32_t now)
{
    return p->queued_nvm;
}

const RmPolicyOps rm_policy_benefit = {
    .name = "benefit",
    .summary = "write frequency; swap only where it saves NVM writes",
    .count_write = benefit_count_write,
    .written_queue = benefit_written_queue,
    .epoch_end = benefit_cool,
    .plan = benefit_plan,
    .swapped = benefit_swapped,
    .hot_nvm_pages = benefit_hot_nvm_pages,
};
