/*
 * raminate-sim: replay a RAMinate trace through placement policies.
 *
 * Usage: raminate-sim --help.
 *
 * TRACE is the engine's trace-file (v1: the pages written per epoch,
 * docs/raminate.rst) or the write counter's epochs= trace (v2: the pages
 * stored to per epoch and each page's bytes written back to memory,
 * docs/write-counter.md).  Pages 0..D-1 start in DRAM, as with a DRAM
 * child at offset 0.  Each epoch, its writes are counted against the
 * current placement, then its written pages go to the policy (as the
 * engine's tracker reports them); at the end of every K-th epoch the
 * policy's plan is carried out, each swap writing a page into each tier.
 * Prints one JSON object per policy and pass.  The policies are the
 * engine's own (backends/raminate-policy*.c, rm_policies[]).
 *
 * Two references that know the trace's future:
 * - "oracle" swaps, at each plan, the NVM pages that will take the most
 *   bytes over the next H intervals for the DRAM pages that will take the
 *   fewest, within the cap and only while the difference exceeds the
 *   page the swap writes into NVM; it pays for its swaps like a policy.
 *   Of the horizons H = 1, 2, 4, ... 64 and the rest of the run, and of
 *   never swapping, it reports the one with the fewest net NVM bytes.
 *   It is a clairvoyant placement to measure cost-aware policies against,
 *   not a proof that none can do better.
 * - "hit-bound" bounds the DRAM write hit ratio: for each interval t, the
 *   hits of the best DRAM set that differs from the initial one in at
 *   most min(D, t * B) pages.  Every policy's placement in interval t is
 *   such a set, so none can beat it; it does not say which swaps reach
 *   its sets, so its swaps and net writes are null.
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

#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Bytes that reached memory for one page in one epoch. */
typedef struct PageBytes {
    uint32_t page;
    uint32_t bytes;
} PageBytes;

typedef struct Epoch {
    uint32_t n;                 /* pages written (a tracker's view) */
    uint32_t *pages;
    uint32_t nbytes;            /* pages with bytes written back */
    PageBytes *bytes;
} Epoch;

typedef struct Trace {
    uint32_t npages;
    uint32_t page_size;
    unsigned version;
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

/* What a replay counts; @swaps < 0: unknown. */
typedef struct Tally {
    uint64_t dirty, hits;       /* written pages per epoch, those in DRAM */
    uint64_t dram_bytes, nvm_bytes;
    int64_t swaps;
} Tally;

static void die(const char *msg, const char *arg)
{
    fprintf(stderr, "raminate-sim: %s%s\n", msg, arg ? arg : "");
    exit(2);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p) {
        die("out of memory", NULL);
    }
    return p;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: raminate-sim [options] TRACE\n"
            "  --policy P        a policy, oracle, hit-bound or all "
            "(default all)\n"
            "  --dram-ratio R    DRAM share of the pages, e.g. 0.01 "
            "(default 0.01)\n"
            "  --dram-pages N    or a number of DRAM pages\n"
            "  --swap-every K    epochs per swap interval (default 5)\n"
            "  --max-swaps B     swaps per interval (default 1000)\n"
            "  --levels L        CMQ levels (default 8)\n"
            "  --lifetime E      life time in epochs (default 5)\n"
            "  --passes P        replay the trace P times in a row "
            "(default 1)\n"
            "  --list-policies   print the policies' names and stop\n"
            "  --help            print this and stop\n"
            "Policies (the engine's placement= values):\n");
    for (const RmPolicyOps *const *o = rm_policies; *o; o++) {
        fprintf(f, "  %-9s %s\n", (*o)->name, (*o)->summary);
    }
    fprintf(f, "  %-9s knows the future, pays for its swaps (a reference)\n"
            "  %-9s the best DRAM hit ratio within the swap budget "
            "(an upper bound)\n", "oracle", "hit-bound");
}

static uint32_t parse_page(const Trace *t, char **p, const char *path)
{
    char *end;
    unsigned long v = strtoul(*p, &end, 10);

    if (end == *p || v >= t->npages) {
        die("a page number missing or beyond pages= in ", path);
    }
    *p = end;
    return v;
}

/*
 * "EPOCH TIME N p1 .. pN" (v1), and in v2 then "W q1:b1 .. qW:bW".  In v1
 * each written page counts as a page of bytes, the most a dirty page can
 * cost in an epoch.
 */
static void parse_epoch(const Trace *t, char *line, Epoch *e,
                        const char *path)
{
    char *p = line;

    strtoull(p, &p, 10);                   /* epoch number */
    strtoull(p, &p, 10);                   /* time or instructions */
    e->n = strtoul(p, &p, 10);
    e->pages = xmalloc(e->n * sizeof(*e->pages));
    for (uint32_t i = 0; i < e->n; i++) {
        e->pages[i] = parse_page(t, &p, path);
    }
    if (t->version == 1) {
        e->nbytes = e->n;
        e->bytes = xmalloc(e->n * sizeof(*e->bytes));
        for (uint32_t i = 0; i < e->n; i++) {
            e->bytes[i] = (PageBytes) { e->pages[i], t->page_size };
        }
        return;
    }
    e->nbytes = strtoul(p, &p, 10);
    e->bytes = xmalloc(e->nbytes * sizeof(*e->bytes));
    for (uint32_t i = 0; i < e->nbytes; i++) {
        e->bytes[i].page = parse_page(t, &p, path);
        if (*p++ != ':') {
            die("a write-back entry is not PAGE:BYTES in ", path);
        }
        e->bytes[i].bytes = strtoul(p, &p, 10);
    }
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
    t->page_size = 4096;
    while (getline(&line, &cap, f) > 0) {
        if (line[0] == '#') {
            char *np = strstr(line, " pages="), *ps = strstr(line, "page-size=");

            if (!t->npages && np) {
                t->version = strstr(line, "trace v2") ? 2 : 1;
                t->npages = strtoul(np + 7, NULL, 10);
                if (ps) {
                    t->page_size = strtoul(ps + 10, NULL, 10);
                }
            }
            continue;
        }
        if (!t->npages) {
            break;
        }
        if (t->nepochs == alloc) {
            alloc = alloc ? alloc * 2 : 64;
            t->epochs = realloc(t->epochs, alloc * sizeof(*t->epochs));
            if (!t->epochs) {
                die("out of memory", NULL);
            }
        }
        parse_epoch(t, line, &t->epochs[t->nepochs++], path);
    }
    free(line);
    fclose(f);
    if (!t->npages) {
        die("no '# raminate trace v1|v2 ... pages=N' header first in ", path);
    }
}

static void json_u64_or_null(char *buf, size_t size, bool known, uint64_t v)
{
    if (known) {
        snprintf(buf, size, "%" PRIu64, v);
    } else {
        snprintf(buf, size, "null");
    }
}

/*
 * One JSON line.  NVM page-writes count each written page outside DRAM
 * once per epoch, NVM bytes the bytes written back to pages outside DRAM;
 * the net figures add the swaps' own, a page into NVM per swap (the page
 * it demotes).  @y->swaps < 0: a bound, not a placement, so only its
 * pages and hits are known.
 */
static void report(const char *policy, unsigned pass, const Options *o,
                   uint32_t dram, const Trace *t, const Tally *y)
{
    bool known = y->swaps >= 0;
    uint64_t swaps = known ? y->swaps : 0, bytes = y->dram_bytes + y->nvm_bytes;
    char sw[24], net[24], wb[24], share[24], nvmb[24], swb[24], netb[24];

    json_u64_or_null(sw, sizeof(sw), known, swaps);
    json_u64_or_null(wb, sizeof(wb), known, bytes);
    json_u64_or_null(nvmb, sizeof(nvmb), known, y->nvm_bytes);
    if (known) {
        snprintf(share, sizeof(share), "%.6f",
                 bytes ? (double)y->dram_bytes / bytes : 0.0);
    } else {
        snprintf(share, sizeof(share), "null");
    }
    json_u64_or_null(net, sizeof(net), known, y->dirty - y->hits + swaps);
    json_u64_or_null(swb, sizeof(swb), known, swaps * t->page_size);
    json_u64_or_null(netb, sizeof(netb), known,
                     y->nvm_bytes + swaps * t->page_size);
    printf("{\"policy\": \"%s\", \"pass\": %u, \"pages\": %u, "
           "\"dram_pages\": %u, \"epochs\": %zu, \"swap_every\": %u, "
           "\"max_swaps\": %u, \"dirty\": %" PRIu64 ", \"hits\": %" PRIu64
           ", \"hit_ratio\": %.6f, \"swaps\": %s, \"nvm_writes\": %" PRIu64
           ", \"nvm_net_writes\": %s, \"write_bytes\": %s"
           ", \"dram_byte_share\": %s, \"nvm_write_bytes\": %s"
           ", \"swap_nvm_write_bytes\": %s, \"nvm_net_write_bytes\": %s}\n",
           policy, pass, t->npages, dram, t->nepochs, o->swap_every,
           o->max_swaps, y->dirty, y->hits,
           y->dirty ? (double)y->hits / y->dirty : 0.0, sw,
           y->dirty - y->hits, net, wb, share, nvmb, swb, netb);
}

/* Count epoch @ep's writes against the placement @tier (1 = NVM). */
static void tally_epoch(Tally *y, const Epoch *ep, const uint8_t *tier)
{
    for (uint32_t i = 0; i < ep->n; i++) {
        y->hits += !tier[ep->pages[i]];
    }
    y->dirty += ep->n;
    for (uint32_t i = 0; i < ep->nbytes; i++) {
        if (tier[ep->bytes[i].page]) {
            y->nvm_bytes += ep->bytes[i].bytes;
        } else {
            y->dram_bytes += ep->bytes[i].bytes;
        }
    }
}

static uint8_t *initial_tiers(const Trace *t, uint32_t dram)
{
    uint8_t *tier = xmalloc(t->npages);

    for (uint32_t i = 0; i < t->npages; i++) {
        tier[i] = i >= dram;
    }
    return tier;
}

static void run_policy(const RmPolicyOps *ops, const Options *o,
                       const Trace *t, uint32_t dram)
{
    uint8_t *tier = initial_tiers(t, dram);
    RmPolicyParams params = { .levels = o->levels, .lifetime = o->lifetime };
    RmSwap *plan = xmalloc(o->max_swaps * sizeof(*plan));
    RmPolicy *p = rm_policy_new(ops, &params, t->npages, tier);
    uint32_t now = 0;

    if (!p) {
        die("bad policy parameters or out of memory", NULL);
    }
    for (unsigned pass = 1; pass <= o->passes; pass++) {
        Tally y = { 0 };

        for (size_t e = 0; e < t->nepochs; e++) {
            const Epoch *ep = &t->epochs[e];

            tally_epoch(&y, ep, tier);
            rm_policy_update(p, ep->pages, ep->n, ++now);
            if (now % o->swap_every == 0) {
                size_t n = rm_policy_plan(p, plan, o->max_swaps);

                for (size_t i = 0; i < n; i++) {
                    rm_policy_swapped(p, &plan[i], true);
                    tier[plan[i].hot] = 0;
                    tier[plan[i].cold] = 1;
                }
                y.swaps += n;
            }
        }
        report(ops->name, pass, o, dram, t, &y);
    }
    rm_policy_free(p);
    free(plan);
    free(tier);
}

/*
 * The oracle's view: each page's bytes over a window of epochs ahead,
 * slid along the replay, and the pages with any (so that a plan looks at
 * those, not at every page).
 */
typedef struct Window {
    uint64_t *bytes;
    uint32_t *live, *slot;      /* pages with bytes; their index in live */
    uint32_t nlive;
} Window;

static void window_add(Window *w, const Epoch *ep, bool add)
{
    for (uint32_t i = 0; i < ep->nbytes; i++) {
        uint32_t pg = ep->bytes[i].page;

        if (!ep->bytes[i].bytes) {
            continue;
        }
        if (add) {
            if (!w->bytes[pg]) {
                w->slot[pg] = w->nlive;
                w->live[w->nlive++] = pg;
            }
            w->bytes[pg] += ep->bytes[i].bytes;
        } else if (!(w->bytes[pg] -= ep->bytes[i].bytes)) {
            uint32_t last = w->live[--w->nlive];

            w->live[w->slot[pg]] = last;
            w->slot[last] = w->slot[pg];
        }
    }
}

static const uint64_t *sort_key;

static int by_bytes_desc(const void *a, const void *b)
{
    uint64_t x = sort_key[*(const uint32_t *)a];
    uint64_t y = sort_key[*(const uint32_t *)b];

    return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * One clairvoyant replay with a horizon of @horizon epochs; the tally of
 * each pass into @out[pass - 1].
 */
static void oracle_replay(const Options *o, const Trace *t, uint32_t dram,
                          uint64_t horizon, Tally *out)
{
    uint64_t total = (uint64_t)t->nepochs * o->passes, ahead = 0;
    uint8_t *tier = initial_tiers(t, dram);
    uint32_t *in = xmalloc(dram * sizeof(*in));
    uint32_t *hot = xmalloc(t->npages * sizeof(*hot));
    Window w = {
        .bytes = calloc(t->npages, sizeof(uint64_t)),
        .live = xmalloc(t->npages * sizeof(uint32_t)),
        .slot = xmalloc(t->npages * sizeof(uint32_t)),
    };

    if (!w.bytes) {
        die("out of memory", NULL);
    }
    for (uint32_t i = 0; i < dram; i++) {
        in[i] = i;
    }
    sort_key = w.bytes;
    for (uint64_t g = 0; g < total; g++) {
        Tally *y = &out[g / t->nepochs];

        tally_epoch(y, &t->epochs[g % t->nepochs], tier);
        /* The window holds epochs g+1 .. ahead-1: epoch g is past now. */
        if (g < ahead) {
            window_add(&w, &t->epochs[g % t->nepochs], false);
        }
        if ((g + 1) % o->swap_every) {
            continue;
        }
        /* A plan looks at epochs g+1 .. g+horizon. */
        ahead = MAX(ahead, g + 1);
        for (; ahead < total && ahead <= g + horizon; ahead++) {
            window_add(&w, &t->epochs[ahead % t->nepochs], true);
        }
        {
            uint32_t nhot = 0, k;

            for (uint32_t i = 0; i < w.nlive; i++) {
                if (tier[w.live[i]]) {
                    hot[nhot++] = w.live[i];
                }
            }
            qsort(hot, nhot, sizeof(*hot), by_bytes_desc);
            qsort(in, dram, sizeof(*in), by_bytes_desc);
            for (k = 0; k < nhot && k < dram && k < o->max_swaps; k++) {
                uint32_t cold = in[dram - 1 - k];

                if (w.bytes[hot[k]] <= w.bytes[cold] + t->page_size) {
                    break;
                }
                tier[hot[k]] = 0;
                tier[cold] = 1;
                in[dram - 1 - k] = hot[k];
            }
            y->swaps += k;
        }
    }
    free(tier);
    free(in);
    free(hot);
    free(w.bytes);
    free(w.live);
    free(w.slot);
}

static uint64_t net_nvm_bytes(const Tally *y, const Trace *t, unsigned passes)
{
    uint64_t b = 0;

    for (unsigned i = 0; i < passes; i++) {
        b += y[i].nvm_bytes + (uint64_t)y[i].swaps * t->page_size;
    }
    return b;
}

static void run_oracle(const Options *o, const Trace *t, uint32_t dram)
{
    size_t size = o->passes * sizeof(Tally);
    Tally *best = calloc(1, size), *y = xmalloc(size);
    uint64_t total = (uint64_t)t->nepochs * o->passes;

    if (!best) {
        die("out of memory", NULL);
    }
    /* Never swapping: the horizon 0. */
    oracle_replay(o, t, dram, 0, best);
    for (uint64_t h = o->swap_every; ; h *= 2) {
        bool last = h > 64 * (uint64_t)o->swap_every || h >= total;

        memset(y, 0, size);
        oracle_replay(o, t, dram, last ? total : h, y);
        if (net_nvm_bytes(y, t, o->passes) <
            net_nvm_bytes(best, t, o->passes)) {
            memcpy(best, y, size);
        }
        if (last) {
            break;
        }
    }
    for (unsigned pass = 1; pass <= o->passes; pass++) {
        report("oracle", pass, o, dram, t, &best[pass - 1]);
    }
    free(best);
    free(y);
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
static uint64_t hit_bound_interval(const uint32_t *cnt,
                                   const uint32_t *touched, size_t ntouched,
                                   uint32_t dram, uint64_t limit,
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

static void run_hit_bound(const Options *o, const Trace *t, uint32_t dram)
{
    uint32_t *cnt = calloc(t->npages, sizeof(*cnt));
    uint32_t *touched = xmalloc(t->npages * sizeof(*touched));
    uint32_t *in = xmalloc(t->npages * sizeof(*in));
    uint32_t *out = xmalloc(t->npages * sizeof(*out));
    uint64_t now = 0;

    if (!cnt) {
        die("out of memory", NULL);
    }
    for (unsigned pass = 1; pass <= o->passes; pass++) {
        Tally y = { .swaps = -1 };
        size_t ntouched = 0;

        for (size_t e = 0; e < t->nepochs; e++) {
            const Epoch *ep = &t->epochs[e];

            now++;
            for (uint32_t i = 0; i < ep->n; i++) {
                if (!cnt[ep->pages[i]]++) {
                    touched[ntouched++] = ep->pages[i];
                }
            }
            y.dirty += ep->n;
            /*
             * At the end of an interval, or of a pass (a split interval
             * is bounded in parts, which can only loosen the bound).
             */
            if (now % o->swap_every == 0 || e + 1 == t->nepochs) {
                uint64_t limit = (now - 1) / o->swap_every * o->max_swaps;

                y.hits += hit_bound_interval(cnt, touched, ntouched, dram,
                                             limit < dram ? limit : dram,
                                             in, out);
                for (size_t i = 0; i < ntouched; i++) {
                    cnt[touched[i]] = 0;
                }
                ntouched = 0;
            }
        }
        /* A bound on hits, not a placement: no bytes, no swaps. */
        report("hit-bound", pass, o, dram, t, &y);
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
    bool all, oracle, hit_bound;
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
    hit_bound = all || !strcmp(o.policy, "hit-bound");
    if (!all && !oracle && !hit_bound && !rm_policy_find(o.policy)) {
        die("--policy: use a name --list-policies prints, oracle, hit-bound "
            "or all, not ", o.policy);
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
    if (hit_bound) {
        run_hit_bound(&o, &t, dram);
    }
    return 0;
}
