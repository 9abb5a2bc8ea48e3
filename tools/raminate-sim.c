/*
 * raminate-sim: replay a RAMinate trace through placement policies.
 *
 * Usage: raminate-sim --help.
 *
 * TRACE is the engine's trace-file format (docs/raminate.rst).  Pages
 * 0..D-1 start in DRAM, as with a DRAM child at offset 0.  Each epoch, the
 * written pages are counted against the current placement (the paper's
 * DRAM hit ratio: per dirty page per epoch), then fed to the policy; at the
 * end of every K-th epoch the policy's plan is carried out.  Prints one
 * JSON object per policy and pass.  The policies are the engine's own
 * (backends/raminate-policy*.c, rm_policies[]).
 *
 * "oracle" is an upper bound, not a policy: for each interval t it counts
 * the hits of the best DRAM set that differs from the initial one in at
 * most min(D, t * B) pages, knowing the interval's writes.  Every policy's
 * placement in interval t is such a set, so no policy can beat it.
 *
 * Copyright (c) 2026 raminate developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raminate-policy.h"

typedef struct Epoch {
    uint32_t n;
    uint32_t *pages;
} Epoch;

typedef struct Trace {
    uint32_t npages;
    size_t nepochs;
    Epoch *epochs;
} Trace;

typedef struct Options {
    const char *policy;
    double dram_ratio;
    uint32_t dram_pages;
    unsigned swap_every, levels, passes;
    uint32_t max_swaps, lifetime;
} Options;

static void die(const char *msg, const char *arg)
{
    fprintf(stderr, "raminate-sim: %s%s\n", msg, arg ? arg : "");
    exit(2);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: raminate-sim [options] TRACE\n"
            "  --policy P        a policy, oracle or all (default all)\n"
            "  --dram-ratio R    DRAM share of the pages, e.g. 0.01 "
            "(default 0.01)\n"
            "  --dram-pages N    or a number of DRAM pages\n"
            "  --swap-every K    epochs per swap interval (default 5)\n"
            "  --max-swaps B     swaps per interval (default 1000)\n"
            "  --levels L        CMQ levels (default 8)\n"
            "  --lifetime E      CMQ life time in epochs (default 5)\n"
            "  --passes P        replay the trace P times in a row "
            "(default 1)\n"
            "  --list-policies   print the policies' names and stop\n"
            "  --help            print this and stop\n"
            "Policies (the engine's placement= values):\n");
    for (const RmPolicyOps *const *o = rm_policies; *o; o++) {
        fprintf(f, "  %-6s %s\n", (*o)->name, (*o)->summary);
    }
    fprintf(f, "  %-6s the best placement within the swap budget "
            "(an upper bound)\n", "oracle");
}

static void read_trace(const char *path, Trace *t)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0, alloc = 0;

    if (!f) {
        die("cannot open ", path);
    }
    memset(t, 0, sizeof(*t));
    while (getline(&line, &cap, f) > 0) {
        char *p = line, *end;
        Epoch *e;

        if (line[0] == '#') {
            char *np = strstr(line, " pages=");

            if (np && !t->npages) {
                t->npages = strtoul(np + 7, NULL, 10);
            }
            continue;
        }
        strtoull(p, &end, 10);                 /* epoch number */
        strtoull(end, &end, 10);               /* time */
        if (t->nepochs == alloc) {
            alloc = alloc ? alloc * 2 : 64;
            t->epochs = realloc(t->epochs, alloc * sizeof(*t->epochs));
        }
        e = &t->epochs[t->nepochs++];
        e->n = strtoul(end, &end, 10);
        e->pages = malloc((e->n ? e->n : 1) * sizeof(*e->pages));
        for (uint32_t i = 0; i < e->n; i++) {
            e->pages[i] = strtoul(end, &end, 10);
            if (e->pages[i] >= t->npages) {
                die("page number beyond pages= in ", path);
            }
        }
    }
    free(line);
    fclose(f);
    if (!t->npages) {
        die("no '# raminate trace v1 ... pages=N' header in ", path);
    }
}

/*
 * One JSON line.  NVM page-writes count each written page outside DRAM
 * once per epoch; net adds the swaps' own (a swap writes the page it
 * demotes into NVM).  @swaps < 0: unknown (the oracle's bound does not
 * say which swaps reach its sets), and so is the net.
 */
static void report(const char *policy, unsigned pass, const Options *o,
                   uint32_t dram, const Trace *t, uint64_t dirty,
                   uint64_t hits, int64_t swaps)
{
    char swaps_json[24] = "null", net_json[24] = "null";

    if (swaps >= 0) {
        snprintf(swaps_json, sizeof(swaps_json), "%" PRId64, swaps);
        snprintf(net_json, sizeof(net_json), "%" PRIu64,
                 dirty - hits + (uint64_t)swaps);
    }
    printf("{\"policy\": \"%s\", \"pass\": %u, \"pages\": %u, "
           "\"dram_pages\": %u, \"epochs\": %zu, \"swap_every\": %u, "
           "\"max_swaps\": %u, \"dirty\": %" PRIu64 ", \"hits\": %" PRIu64
           ", \"hit_ratio\": %.6f, \"swaps\": %s, \"nvm_writes\": %" PRIu64
           ", \"nvm_net_writes\": %s}\n", policy, pass, t->npages, dram,
           t->nepochs, o->swap_every, o->max_swaps, dirty, hits,
           dirty ? (double)hits / dirty : 0.0, swaps_json, dirty - hits,
           net_json);
}

static void run_policy(const RmPolicyOps *ops, const Options *o,
                       const Trace *t, uint32_t dram)
{
    uint8_t *tier = malloc(t->npages);
    RmPolicyParams params = { .levels = o->levels, .lifetime = o->lifetime };
    RmSwap *plan = malloc((o->max_swaps ? o->max_swaps : 1) * sizeof(*plan));
    RmPolicy *p;
    uint32_t now = 0;

    for (uint32_t i = 0; i < t->npages; i++) {
        tier[i] = i >= dram;
    }
    p = rm_policy_new(ops, &params, t->npages, tier);
    if (!p || !plan) {
        die("bad policy parameters or out of memory", NULL);
    }
    for (unsigned pass = 1; pass <= o->passes; pass++) {
        uint64_t dirty = 0, hits = 0, swaps = 0;

        for (size_t e = 0; e < t->nepochs; e++) {
            const Epoch *ep = &t->epochs[e];

            for (uint32_t i = 0; i < ep->n; i++) {
                hits += rm_policy_tier(p, ep->pages[i]) == RM_TIER_DRAM;
            }
            dirty += ep->n;
            rm_policy_update(p, ep->pages, ep->n, ++now);
            if (now % o->swap_every == 0) {
                size_t n = rm_policy_plan(p, plan, o->max_swaps);

                for (size_t i = 0; i < n; i++) {
                    rm_policy_swapped(p, &plan[i], true);
                }
                swaps += n;
            }
        }
        report(ops->name, pass, o, dram, t, dirty, hits, (int64_t)swaps);
    }
    rm_policy_free(p);
    free(plan);
    free(tier);
}

static int by_count_desc(const void *a, const void *b, void *arg)
{
    const uint32_t *cnt = arg;
    uint32_t x = cnt[*(const uint32_t *)a], y = cnt[*(const uint32_t *)b];

    return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * The hits of interval's best DRAM set that differs from pages 0..D-1 in at
 * most @limit pages: bring in the most written NVM pages, each for the least
 * written DRAM page (unwritten ones first), while that gains.
 */
static uint64_t oracle_interval(const uint32_t *cnt, const uint32_t *touched,
                                size_t ntouched, uint32_t dram, uint64_t limit,
                                uint32_t *in, uint32_t *out)
{
    size_t nin = 0, nout = 0, idle;
    uint64_t hits = 0;

    for (size_t i = 0; i < ntouched; i++) {
        if (touched[i] < dram) {
            in[nin++] = touched[i];
            hits += cnt[touched[i]];
        } else {
            out[nout++] = touched[i];
        }
    }
    idle = dram - nin;
    qsort_r(in, nin, sizeof(*in), by_count_desc, (void *)cnt);
    qsort_r(out, nout, sizeof(*out), by_count_desc, (void *)cnt);
    for (size_t k = 0; k < limit && k < nout; k++) {
        uint32_t drop = 0;

        if (k >= idle) {
            if (k - idle >= nin) {
                break;
            }
            drop = cnt[in[nin - 1 - (k - idle)]];
        }
        if (cnt[out[k]] <= drop) {
            break;
        }
        hits += cnt[out[k]] - drop;
    }
    return hits;
}

static void run_oracle(const Options *o, const Trace *t, uint32_t dram)
{
    uint32_t *cnt = calloc(t->npages, sizeof(*cnt));
    uint32_t *touched = malloc(t->npages * sizeof(*touched));
    uint32_t *in = malloc(t->npages * sizeof(*in));
    uint32_t *out = malloc(t->npages * sizeof(*out));
    uint64_t now = 0;

    for (unsigned pass = 1; pass <= o->passes; pass++) {
        uint64_t dirty = 0, hits = 0;
        size_t ntouched = 0;

        for (size_t e = 0; e < t->nepochs; e++) {
            const Epoch *ep = &t->epochs[e];

            now++;
            for (uint32_t i = 0; i < ep->n; i++) {
                if (!cnt[ep->pages[i]]++) {
                    touched[ntouched++] = ep->pages[i];
                }
            }
            dirty += ep->n;
            /*
             * At the end of an interval, or of a pass (a split interval
             * is bounded in parts, which can only loosen the bound).
             */
            if (now % o->swap_every == 0 || e + 1 == t->nepochs) {
                uint64_t limit = (now - 1) / o->swap_every * o->max_swaps;

                hits += oracle_interval(cnt, touched, ntouched, dram,
                                        limit < dram ? limit : dram, in, out);
                for (size_t i = 0; i < ntouched; i++) {
                    cnt[touched[i]] = 0;
                }
                ntouched = 0;
            }
        }
        report("oracle", pass, o, dram, t, dirty, hits, -1);
    }
    free(cnt);
    free(touched);
    free(in);
    free(out);
}

int main(int argc, char **argv)
{
    Options o = { .policy = "all", .dram_ratio = 0.01, .swap_every = 5,
                  .levels = 8, .passes = 1, .max_swaps = 1000,
                  .lifetime = 5 };
    const char *path = NULL;
    uint32_t dram;
    bool all, oracle;
    Trace t;

    for (int i = 1; i < argc; i++) {
        const char *a = i + 1 < argc ? argv[i + 1] : NULL;

        if (argv[i][0] != '-') {
            path = argv[i];
            continue;
        }
        if (!strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--list-policies")) {
            for (const RmPolicyOps *const *p = rm_policies; *p; p++) {
                printf("%s\n", (*p)->name);
            }
            return 0;
        }
        if (!a) {
            die("missing value for ", argv[i]);
        }
        if (!strcmp(argv[i], "--policy")) {
            o.policy = a;
        } else if (!strcmp(argv[i], "--dram-ratio")) {
            o.dram_ratio = strtod(a, NULL);
        } else if (!strcmp(argv[i], "--dram-pages")) {
            o.dram_pages = strtoul(a, NULL, 10);
        } else if (!strcmp(argv[i], "--swap-every")) {
            o.swap_every = strtoul(a, NULL, 10);
        } else if (!strcmp(argv[i], "--max-swaps")) {
            o.max_swaps = strtoul(a, NULL, 10);
        } else if (!strcmp(argv[i], "--levels")) {
            o.levels = strtoul(a, NULL, 10);
        } else if (!strcmp(argv[i], "--lifetime")) {
            o.lifetime = strtoul(a, NULL, 10);
        } else if (!strcmp(argv[i], "--passes")) {
            o.passes = strtoul(a, NULL, 10);
        } else {
            die("unknown option ", argv[i]);
        }
        i++;
    }
    if (!path) {
        usage(stderr);
        return 2;
    }
    if (!o.swap_every || !o.passes) {
        die("--swap-every and --passes must be at least 1", NULL);
    }
    all = !strcmp(o.policy, "all");
    oracle = all || !strcmp(o.policy, "oracle");
    if (!all && !oracle && !rm_policy_find(o.policy)) {
        die("--policy: use a name --list-policies prints, oracle or all, "
            "not ", o.policy);
    }
    read_trace(path, &t);
    dram = o.dram_pages ? o.dram_pages : (uint32_t)(t.npages * o.dram_ratio);
    if (!dram || dram >= t.npages) {
        die("the DRAM share must leave both DRAM and NVM pages", NULL);
    }
    for (const RmPolicyOps *const *p = rm_policies; *p; p++) {
        if (all || !strcmp(o.policy, (*p)->name)) {
            run_policy(*p, &o, &t, dram);
        }
    }
    if (oracle) {
        run_oracle(&o, &t, dram);
    }
    return 0;
}
