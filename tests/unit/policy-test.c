/*
 * Unit tests of the placement policies (backends/raminate-policy*.c), on
 * hand-made inputs: each CMQ rule of the RAMinate paper, each rule of
 * benefit, LRU's order, none.
 *
 * Copyright (c) 2026 raminate developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raminate-policy.h"

static int passed, failed;

#define CHECK(cond) do { \
    if (!(cond)) { \
        printf("    %s:%d: %s\n", __FILE__, __LINE__, #cond); \
        ok = 0; \
    } \
} while (0)

#define TEST(name) static int name(void)
#define RUN(name) do { \
    int r = name(); \
    printf("%s %s\n", r ? "ok  " : "FAIL", #name); \
    r ? passed++ : failed++; \
} while (0)

/* 4 DRAM pages (0-3) and 12 NVM pages (4-15). */
static RmPolicy *make(const char *policy, unsigned levels, uint32_t lifetime)
{
    uint8_t tier[16];
    RmPolicyParams params = { .levels = levels, .lifetime = lifetime };

    for (int i = 0; i < 16; i++) {
        tier[i] = i >= 4;
    }
    return rm_policy_new(rm_policy_find(policy), &params, 16, tier);
}

static void write1(RmPolicy *p, uint32_t page, uint32_t now)
{
    rm_policy_update(p, &page, 1, now);
}

static int queue_is(RmPolicy *p, unsigned q, const uint32_t *want, size_t n)
{
    uint32_t got[64];
    size_t k = rm_policy_queue_pages(p, q, got, 64);

    return k == n && !memcmp(got, want, n * sizeof(*want));
}

TEST(cmq_starts_with_all_dram_as_victims)
{
    int ok = 1;
    RmPolicy *p = make("cmq", 8, 5);
    uint32_t victims[] = { 0, 1, 2, 3 };
    RmPolicyStats s;

    CHECK(queue_is(p, RM_QUEUE_VICTIM, victims, 4));
    CHECK(rm_policy_queue_of(p, 4) == RM_QUEUE_NONE);
    rm_policy_stats(p, 0, &s);
    CHECK(s.dram_pages == 4 && s.nvm_pages == 12 && s.hot_nvm_pages == 0);
    rm_policy_free(p);
    return ok;
}

TEST(cmq_level_is_floor_log2_of_updates)
{
    int ok = 1;
    RmPolicy *p = make("cmq", 8, 1000);
    unsigned want[] = { 0, 0, 1, 1, 2, 2, 2, 2, 3 };  /* after n updates */

    for (uint32_t n = 1; n <= 8; n++) {
        write1(p, 5, n);
        CHECK(rm_policy_count_of(p, 5) == n);
        CHECK(rm_policy_queue_of(p, 5) == want[n]);
    }
    /* Capped at the top level. */
    for (uint32_t n = 9; n <= 300; n++) {
        write1(p, 5, n);
    }
    CHECK(rm_policy_queue_of(p, 5) == 7);
    rm_policy_free(p);
    p = make("cmq", 3, 1000);
    for (uint32_t n = 1; n <= 20; n++) {
        write1(p, 6, n);
    }
    CHECK(rm_policy_queue_of(p, 6) == 2);
    rm_policy_free(p);
    return ok;
}

TEST(cmq_update_moves_page_to_tail)
{
    int ok = 1;
    RmPolicy *p = make("cmq", 8, 1000);
    uint32_t both[] = { 4, 5 }, order1[] = { 4, 5 }, order2[] = { 5, 4 };

    rm_policy_update(p, both, 2, 1);
    CHECK(queue_is(p, 0, order1, 2));
    /* Two updates: 4 goes to level 1; then 5 joins it behind 4. */
    write1(p, 4, 2);
    write1(p, 5, 3);
    CHECK(queue_is(p, 1, order1, 2));
    write1(p, 4, 4);       /* third update: level 1 again, at the tail */
    CHECK(queue_is(p, 1, order2, 2));
    rm_policy_free(p);
    return ok;
}

TEST(cmq_demotion_after_lifetime)
{
    int ok = 1;
    RmPolicy *p = make("cmq", 8, 5);
    uint32_t victims[] = { 0, 2, 3, 1 };

    for (uint32_t t = 1; t <= 4; t++) {
        write1(p, 6, t);            /* NVM page: level 2 at t=4 */
        write1(p, 1, t);            /* DRAM page: level 2 at t=4 */
    }
    CHECK(rm_policy_queue_of(p, 6) == 2);
    rm_policy_update(p, NULL, 0, 9);        /* 5 since update: not older */
    CHECK(rm_policy_queue_of(p, 6) == 2);
    rm_policy_update(p, NULL, 0, 10);       /* older than 5: one level */
    CHECK(rm_policy_queue_of(p, 6) == 1);
    CHECK(rm_policy_count_of(p, 6) == 4);   /* the count is kept */
    rm_policy_update(p, NULL, 0, 15);       /* demotion restarted the clock */
    CHECK(rm_policy_queue_of(p, 6) == 1);
    rm_policy_update(p, NULL, 0, 16);
    CHECK(rm_policy_queue_of(p, 6) == 0);
    rm_policy_update(p, NULL, 0, 22);       /* out of level 0 */
    CHECK(rm_policy_queue_of(p, 6) == RM_QUEUE_NONE);  /* NVM: dropped */
    CHECK(rm_policy_count_of(p, 6) == 0);
    CHECK(rm_policy_queue_of(p, 1) == RM_QUEUE_VICTIM); /* DRAM: victim */
    CHECK(queue_is(p, RM_QUEUE_VICTIM, victims, 4));   /* at the tail */
    rm_policy_free(p);
    return ok;
}

TEST(cmq_demotion_checks_heads_repeatedly)
{
    int ok = 1;
    RmPolicy *p = make("cmq", 8, 5);
    uint32_t level0[] = { 4, 5 };

    write1(p, 4, 1);
    write1(p, 5, 2);
    write1(p, 6, 3);
    write1(p, 7, 6);
    /* At 8: 4 and 5 have expired, 6 (stamp 3) has not: it corks the queue. */
    rm_policy_update(p, NULL, 0, 8);
    CHECK(rm_policy_queue_of(p, 4) == RM_QUEUE_NONE);
    CHECK(rm_policy_queue_of(p, 5) == RM_QUEUE_NONE);
    CHECK(rm_policy_queue_of(p, 6) == 0 && rm_policy_queue_of(p, 7) == 0);
    /* Level 1 demotes into level 0 after level 0 was checked. */
    for (uint32_t t = 10; t <= 11; t++) {
        write1(p, 4, t);
        write1(p, 5, t);
    }
    rm_policy_update(p, NULL, 0, 17);
    CHECK(queue_is(p, 0, level0, 2));
    CHECK(rm_policy_queue_of(p, 6) == RM_QUEUE_NONE);
    CHECK(rm_policy_queue_of(p, 7) == RM_QUEUE_NONE);
    rm_policy_free(p);
    return ok;
}

TEST(cmq_written_dram_page_leaves_victims)
{
    int ok = 1;
    RmPolicy *p = make("cmq", 8, 5);
    uint32_t victims[] = { 0, 1, 3 };

    write1(p, 2, 1);
    CHECK(rm_policy_queue_of(p, 2) == 0);
    CHECK(queue_is(p, RM_QUEUE_VICTIM, victims, 3));
    rm_policy_free(p);
    return ok;
}

TEST(cmq_plan_order_cap_and_victims)
{
    int ok = 1;
    RmPolicy *p = make("cmq", 8, 100);
    RmSwap plan[16];
    size_t n;

    /* Level 0: 8, 9 (in that order); level 1: 10, DRAM 3, 11; level 2: 12. */
    for (uint32_t t = 1; t <= 4; t++) {
        write1(p, 12, t);
    }
    write1(p, 10, 5);
    write1(p, 10, 6);
    write1(p, 3, 7);
    write1(p, 3, 8);
    write1(p, 11, 9);
    write1(p, 11, 10);
    write1(p, 8, 11);
    write1(p, 9, 12);
    n = rm_policy_plan(p, plan, 16);
    /* Highest level first, tail to head, DRAM skipped; victims 0,1,2. */
    CHECK(n == 3);
    CHECK(plan[0].hot == 12 && plan[0].cold == 0);
    CHECK(plan[1].hot == 11 && plan[1].cold == 1);
    CHECK(plan[2].hot == 10 && plan[2].cold == 2);
    /* The cap. */
    CHECK(rm_policy_plan(p, plan, 2) == 2);
    CHECK(plan[1].hot == 11);
    /* Planning changes nothing: the same plan again (determinism). */
    CHECK(rm_policy_plan(p, plan, 16) == 3 && plan[2].hot == 10);
    rm_policy_free(p);
    return ok;
}

TEST(cmq_swap_flips_tiers_failure_keeps_state)
{
    int ok = 1;
    RmPolicy *p = make("cmq", 8, 100);
    RmSwap plan[4];
    RmPolicyStats s;

    write1(p, 8, 1);
    write1(p, 9, 2);
    rm_policy_stats(p, 2, &s);
    CHECK(s.hot_nvm_pages == 2);
    CHECK(rm_policy_plan(p, plan, 4) == 2);
    CHECK(plan[0].hot == 9 && plan[0].cold == 0);
    rm_policy_swapped(p, &plan[0], true);
    rm_policy_swapped(p, &plan[1], false);
    CHECK(rm_policy_tier(p, 9) == RM_TIER_DRAM);
    CHECK(rm_policy_tier(p, 0) == RM_TIER_NVM);
    CHECK(rm_policy_queue_of(p, 0) == RM_QUEUE_NONE);
    CHECK(rm_policy_count_of(p, 0) == 0);
    CHECK(rm_policy_queue_of(p, 9) == 0);       /* keeps its level */
    CHECK(rm_policy_tier(p, 8) == RM_TIER_NVM);  /* failed: unchanged */
    CHECK(rm_policy_tier(p, 1) == RM_TIER_DRAM);
    rm_policy_stats(p, 2, &s);
    CHECK(s.dram_pages == 4 && s.hot_nvm_pages == 1);
    /* The failed pair is planned again. */
    CHECK(rm_policy_plan(p, plan, 4) == 1);
    CHECK(plan[0].hot == 8 && plan[0].cold == 1);
    rm_policy_free(p);
    return ok;
}

TEST(cmq_out_of_victims)
{
    int ok = 1;
    RmPolicy *p = make("cmq", 8, 100);
    uint32_t w[] = { 0, 1, 2, 3, 4, 5 };
    RmSwap plan[4];

    rm_policy_update(p, w, 6, 1);       /* all DRAM hot: no victims */
    CHECK(rm_policy_plan(p, plan, 4) == 0);
    rm_policy_free(p);
    return ok;
}

TEST(lru_pairs_newest_nvm_with_oldest_dram)
{
    int ok = 1;
    RmPolicy *p = make("lru", 8, 100);
    RmSwap plan[16];
    uint32_t d01[] = { 0, 1 };

    rm_policy_update(p, d01, 2, 1);     /* DRAM 0, 1 written at 1 */
    write1(p, 5, 2);
    write1(p, 6, 3);
    write1(p, 7, 4);
    /* Never-written DRAM (2, 3) first, then 0 and 1 in age order. */
    CHECK(rm_policy_plan(p, plan, 16) == 3);
    CHECK(plan[0].hot == 7 && plan[0].cold == 2);
    CHECK(plan[1].hot == 6 && plan[1].cold == 3);
    CHECK(plan[2].hot == 5 && plan[2].cold == 0);
    for (int i = 0; i < 3; i++) {
        rm_policy_swapped(p, &plan[i], true);
    }
    /* DRAM now holds the four most recently written pages: 1, 5, 6, 7. */
    CHECK(rm_policy_tier(p, 1) == RM_TIER_DRAM);
    CHECK(rm_policy_tier(p, 5) == RM_TIER_DRAM);
    CHECK(rm_policy_plan(p, plan, 16) == 0);
    /* An NVM page older than every DRAM page is not brought in... */
    write1(p, 1, 5);
    CHECK(rm_policy_plan(p, plan, 16) == 0);
    /* ...and comes in once written again, for the oldest DRAM page (5). */
    write1(p, 0, 6);
    CHECK(rm_policy_plan(p, plan, 16) == 1);
    CHECK(plan[0].hot == 0 && plan[0].cold == 5);
    rm_policy_free(p);
    return ok;
}

TEST(none_never_swaps)
{
    int ok = 1;
    RmPolicy *p = make("none", 8, 100);
    uint32_t w[] = { 8, 9, 10 };
    RmSwap plan[4];
    RmPolicyStats s;

    rm_policy_update(p, w, 3, 1);
    CHECK(rm_policy_plan(p, plan, 4) == 0);
    rm_policy_stats(p, 1, &s);
    CHECK(s.hot_nvm_pages == 3);
    rm_policy_stats(p, 200, &s);
    CHECK(s.hot_nvm_pages == 0);
    rm_policy_free(p);
    return ok;
}

/* benefit: scores in 1/256 epochs; NVM buckets 0-15, DRAM buckets 16-31. */
#define ONE 256
#define DRAM_BUCKET(b) (16 + (b))

TEST(benefit_score_decays_by_half_life)
{
    int ok = 1;
    RmPolicy *p = make("benefit", 8, 4);

    write1(p, 5, 1);
    CHECK(rm_policy_count_of(p, 5) == ONE);
    write1(p, 5, 5);                    /* a half-life later: 1/2 + 1 */
    CHECK(rm_policy_count_of(p, 5) == ONE / 2 + ONE);
    write1(p, 5, 7);                    /* half a half-life: 1 - 1/4 */
    CHECK(rm_policy_count_of(p, 5) == 384 - 384 * 2 / 8 + ONE);
    write1(p, 5, 7 + 4 * 30);           /* 30 half-lives: nothing left */
    CHECK(rm_policy_count_of(p, 5) == ONE);
    rm_policy_free(p);
    return ok;
}

TEST(benefit_buckets_by_log2_score_tiers_apart)
{
    int ok = 1;
    RmPolicy *p = make("benefit", 8, 100);
    uint32_t both[] = { 5, 6 };

    rm_policy_update(p, both, 2, 1);
    write1(p, 1, 1);
    /* Score 1 = 256 = 2^8: bucket 8 - 6 = 2, of its tier. */
    CHECK(rm_policy_queue_of(p, 5) == 2);
    CHECK(rm_policy_queue_of(p, 1) == DRAM_BUCKET(2));
    write1(p, 5, 2);                    /* ~2: bucket 2 still (511) */
    CHECK(rm_policy_count_of(p, 5) == 511 && rm_policy_queue_of(p, 5) == 2);
    /* 6, decayed from 256 to 255, cooled down to bucket 1. */
    CHECK(rm_policy_queue_of(p, 6) == 1 && rm_policy_count_of(p, 6) == 255);
    write1(p, 5, 3);                    /* ~3 (765): bucket 3 */
    CHECK(rm_policy_queue_of(p, 5) == 3);
    rm_policy_free(p);
    return ok;
}

TEST(benefit_cooling_moves_heads_down_then_out)
{
    int ok = 1;
    RmPolicy *p = make("benefit", 8, 1);
    uint32_t w[] = { 1, 5 }, victims[] = { 0, 2, 3, 1 };

    rm_policy_update(p, w, 2, 1);       /* both 256: bucket 2 */
    rm_policy_update(p, NULL, 0, 2);    /* 128: bucket 1, re-stamped */
    CHECK(rm_policy_queue_of(p, 5) == 1 && rm_policy_count_of(p, 5) == 128);
    CHECK(rm_policy_queue_of(p, 1) == DRAM_BUCKET(1));
    rm_policy_update(p, NULL, 0, 3);    /* 64: bucket 0 */
    CHECK(rm_policy_queue_of(p, 5) == 0);
    rm_policy_update(p, NULL, 0, 4);    /* 32: below the floor */
    CHECK(rm_policy_queue_of(p, 5) == RM_QUEUE_NONE);   /* NVM: forgotten */
    CHECK(rm_policy_count_of(p, 5) == 0);
    CHECK(queue_is(p, RM_QUEUE_VICTIM, victims, 4));    /* DRAM: a victim */
    rm_policy_free(p);
    return ok;
}

TEST(benefit_admits_only_swaps_that_pay)
{
    int ok = 1;
    RmPolicy *p = make("benefit", 8, 100);
    RmSwap plan[4];

    /* Written in one epoch, then two: short of cost plus margin (512). */
    write1(p, 8, 1);
    CHECK(rm_policy_plan(p, plan, 4) == 0);
    write1(p, 8, 2);
    CHECK(rm_policy_count_of(p, 8) == 511);
    CHECK(rm_policy_plan(p, plan, 4) == 0);
    /* A third: it pays, against the oldest never-written DRAM page. */
    write1(p, 8, 3);
    CHECK(rm_policy_plan(p, plan, 4) == 1);
    CHECK(plan[0].hot == 8 && plan[0].cold == 0);
    rm_policy_free(p);
    return ok;
}

TEST(benefit_plan_hottest_first_coldest_first_cap)
{
    int ok = 1;
    RmPolicy *p = make("benefit", 8, 1000);
    uint32_t hot3[] = { 9, 10, 11 }, both[] = { 3, 12 };
    RmSwap plan[8];

    /* 9, 10, 11 written 3 times, 12 and DRAM page 3 written 6 times. */
    for (uint32_t t = 1; t <= 3; t++) {
        rm_policy_update(p, hot3, 3, t);
        write1(p, 12, t);
        write1(p, 3, t);
    }
    for (uint32_t t = 4; t <= 6; t++) {
        rm_policy_update(p, both, 2, t);
    }
    /*
     * 12 first (highest bucket), then 11, 10 (newest first in a bucket)
     * for the victims 0, 1, 2; 9 would have to beat page 3 by 2: no.
     */
    CHECK(rm_policy_plan(p, plan, 8) == 3);
    CHECK(plan[0].hot == 12 && plan[0].cold == 0);
    CHECK(plan[1].cold == 1 && plan[2].cold == 2);
    CHECK(plan[1].hot != 9 && plan[2].hot != 9 && plan[1].hot != plan[2].hot);
    CHECK(rm_policy_plan(p, plan, 2) == 2 && plan[0].hot == 12);
    rm_policy_free(p);
    return ok;
}

enum { NEVER, FOUR_IN_FIVE, ALWAYS };

/*
 * Pages 0 and 1 written for @n epochs as @w0 and @w1 say, with a plan of
 * at most one swap after each epoch; returns the swaps done.
 */
static unsigned run_pair(RmPolicy *p, uint32_t *now, unsigned n,
                         int w0, int w1)
{
    unsigned swaps = 0;
    RmSwap plan[1];

    while (n--) {
        uint32_t w[2], k = 0;

        ++*now;
        if (w0 == ALWAYS || (w0 == FOUR_IN_FIVE && *now % 5)) {
            w[k++] = 0;
        }
        if (w1 == ALWAYS || (w1 == FOUR_IN_FIVE && *now % 5)) {
            w[k++] = 1;
        }
        rm_policy_update(p, w, k, *now);
        if (rm_policy_plan(p, plan, 1)) {
            rm_policy_swapped(p, plan, true);
            swaps++;
        }
    }
    return swaps;
}

TEST(benefit_hysteresis_against_ping_pong)
{
    int ok = 1;
    uint8_t tier[2] = { 0, 1 };
    RmPolicyParams params = { .levels = 8, .lifetime = 2 };
    RmPolicy *p = rm_policy_new(rm_policy_find("benefit"), &params, 2, tier);
    uint32_t now = 0;

    /*
     * NVM page 1 written a little more than DRAM page 0 (with a half-life
     * of 2 epochs, scores ~3.4 and at most ~1.2 less): not worth it.
     */
    CHECK(run_pair(p, &now, 30, FOUR_IN_FIVE, ALWAYS) == 0);
    /* 0 is no longer written: one swap brings 1 in. */
    CHECK(run_pair(p, &now, 30, NEVER, ALWAYS) == 1);
    CHECK(rm_policy_tier(p, 1) == RM_TIER_DRAM);
    /* Written alike again: they stay. */
    CHECK(run_pair(p, &now, 30, ALWAYS, ALWAYS) == 0);
    CHECK(run_pair(p, &now, 30, ALWAYS, FOUR_IN_FIVE) == 0);
    /* Until 1 goes quiet: one swap back. */
    CHECK(run_pair(p, &now, 30, ALWAYS, NEVER) == 1);
    CHECK(rm_policy_tier(p, 0) == RM_TIER_DRAM);
    rm_policy_free(p);
    return ok;
}

TEST(benefit_swap_rebuckets_failure_keeps_state)
{
    int ok = 1;
    RmPolicy *p = make("benefit", 8, 1000);
    uint32_t w[] = { 2, 8, 9 };
    RmSwap plan[4];
    RmPolicyStats s;

    for (uint32_t t = 1; t <= 3; t++) {
        rm_policy_update(p, w, 3, t);
    }
    rm_policy_stats(p, 3, &s);
    CHECK(s.hot_nvm_pages == 2);
    CHECK(rm_policy_plan(p, plan, 4) == 2);
    CHECK(plan[0].hot == 9 && plan[0].cold == 0);
    CHECK(plan[1].hot == 8 && plan[1].cold == 1);
    rm_policy_swapped(p, &plan[0], true);
    rm_policy_swapped(p, &plan[1], false);
    /* 9 is in DRAM's bucket for its score, 0 (a victim) is forgotten. */
    CHECK(rm_policy_tier(p, 9) == RM_TIER_DRAM);
    CHECK(rm_policy_queue_of(p, 9) == DRAM_BUCKET(3));
    CHECK(rm_policy_tier(p, 0) == RM_TIER_NVM);
    CHECK(rm_policy_queue_of(p, 0) == RM_QUEUE_NONE);
    CHECK(rm_policy_tier(p, 8) == RM_TIER_NVM && rm_policy_queue_of(p, 8) == 3);
    rm_policy_stats(p, 3, &s);
    CHECK(s.dram_pages == 4 && s.hot_nvm_pages == 1);
    /* A written DRAM page demoted goes to NVM's bucket for its score. */
    plan[0] = (RmSwap) { .hot = 8, .cold = 2 };
    rm_policy_swapped(p, &plan[0], true);
    CHECK(rm_policy_queue_of(p, 2) == 3 && rm_policy_queue_of(p, 8) ==
          DRAM_BUCKET(3));
    rm_policy_stats(p, 3, &s);
    CHECK(s.hot_nvm_pages == 1);
    rm_policy_free(p);
    return ok;
}

TEST(bad_parameters_and_metadata_size)
{
    int ok = 1;
    uint8_t tier[1 << 16] = { 0 };
    RmPolicyParams bad0 = { .levels = 0 }, bad33 = { .levels = 33 };
    RmPolicyParams good = { .levels = 8, .lifetime = 5 };
    const RmPolicyOps *cmq = rm_policy_find("cmq");
    RmPolicy *p;

    CHECK(!rm_policy_new(cmq, &bad0, 16, tier));
    CHECK(!rm_policy_new(cmq, &bad33, 16, tier));
    p = rm_policy_new(cmq, &good, 1 << 16, tier);
    CHECK(p && rm_policy_metadata_bytes(p) <= 16 * (1 << 16) + 1024);
    rm_policy_free(p);
    return ok;
}

TEST(policies_are_found_by_name)
{
    int ok = 1;
    uint8_t tier[4] = { 0, 0, 1, 1 };
    RmPolicyParams params = { .levels = 8, .lifetime = 5 };
    size_t n = 0;

    for (const RmPolicyOps *const *o = rm_policies; *o; o++, n++) {
        RmPolicy *p = rm_policy_new(*o, &params, 4, tier);

        CHECK(rm_policy_find((*o)->name) == *o);
        CHECK(p && rm_policy_ops(p) == *o);
        rm_policy_free(p);
    }
    CHECK(n == 4 && !strcmp(rm_policies[0]->name, "cmq"));
    CHECK(!rm_policy_find("best") && !rm_policy_find(""));
    CHECK(!rm_policy_new(NULL, &params, 4, tier));
    return ok;
}

TEST(out_of_range_pages_are_ignored)
{
    int ok = 1;
    RmPolicy *p = make("cmq", 8, 5);
    uint32_t w[] = { 16, 1000, UINT32_MAX };
    RmSwap plan[4];

    rm_policy_update(p, w, 3, 1);
    CHECK(rm_policy_plan(p, plan, 4) == 0);
    rm_policy_free(p);
    return ok;
}

int main(void)
{
    RUN(cmq_starts_with_all_dram_as_victims);
    RUN(cmq_level_is_floor_log2_of_updates);
    RUN(cmq_update_moves_page_to_tail);
    RUN(cmq_demotion_after_lifetime);
    RUN(cmq_demotion_checks_heads_repeatedly);
    RUN(cmq_written_dram_page_leaves_victims);
    RUN(cmq_plan_order_cap_and_victims);
    RUN(cmq_swap_flips_tiers_failure_keeps_state);
    RUN(cmq_out_of_victims);
    RUN(lru_pairs_newest_nvm_with_oldest_dram);
    RUN(none_never_swaps);
    RUN(benefit_score_decays_by_half_life);
    RUN(benefit_buckets_by_log2_score_tiers_apart);
    RUN(benefit_cooling_moves_heads_down_then_out);
    RUN(benefit_admits_only_swaps_that_pay);
    RUN(benefit_plan_hottest_first_coldest_first_cap);
    RUN(benefit_hysteresis_against_ping_pong);
    RUN(benefit_swap_rebuckets_failure_keeps_state);
    RUN(bad_parameters_and_metadata_size);
    RUN(policies_are_found_by_name);
    RUN(out_of_range_pages_are_ignored);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
