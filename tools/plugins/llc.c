/*
 * A write-back last-level cache model; see llc.h.
 *
 * Copyright (c) 2026 raminate developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdlib.h>

#include "llc.h"

typedef struct Way {
    uint64_t tag;               /* line address + 1; 0 = empty */
    uint64_t used;              /* last access, for LRU */
    bool dirty;
} Way;

struct Llc {
    unsigned ways, line_shift;
    uint64_t sets, clock;
    Way *way;
    LlcWriteback wb;
    void *opaque;
};

static bool pow2(uint64_t x)
{
    return x && !(x & (x - 1));
}

Llc *llc_new(uint64_t size, unsigned ways, unsigned line,
             LlcWriteback wb, void *opaque)
{
    Llc *c;

    if (!pow2(line) || !ways || size % ((uint64_t)ways * line) ||
        !pow2(size / ((uint64_t)ways * line))) {
        return NULL;
    }
    c = calloc(1, sizeof(*c));
    if (!c) {
        return NULL;
    }
    c->ways = ways;
    c->line_shift = __builtin_ctz(line);
    c->sets = size / ((uint64_t)ways * line);
    c->way = calloc(c->sets * ways, sizeof(*c->way));
    c->wb = wb;
    c->opaque = opaque;
    if (!c->way) {
        free(c);
        return NULL;
    }
    return c;
}

void llc_free(Llc *c)
{
    if (c) {
        free(c->way);
        free(c);
    }
}

/*
 * The way holding @line_no, filling the set's LRU way on a miss (counted in
 * @fills: the line is read from memory).
 */
static Way *access_line(Llc *c, uint64_t line_no, unsigned *fills)
{
    Way *set = &c->way[(line_no & (c->sets - 1)) * c->ways];
    Way *victim = set;

    for (unsigned i = 0; i < c->ways; i++) {
        if (set[i].tag == line_no + 1) {
            set[i].used = ++c->clock;
            return &set[i];
        }
        if (set[i].used < victim->used) {
            victim = &set[i];
        }
    }
    if (victim->tag && victim->dirty) {
        c->wb(c->opaque, (victim->tag - 1) << c->line_shift);
    }
    ++*fills;
    victim->tag = line_no + 1;
    victim->dirty = false;
    victim->used = ++c->clock;
    return victim;
}

unsigned llc_store(Llc *c, uint64_t addr, unsigned len)
{
    uint64_t first = addr >> c->line_shift;
    uint64_t last = (addr + (len ? len : 1) - 1) >> c->line_shift;
    unsigned fills = 0;

    for (uint64_t l = first; l <= last; l++) {
        access_line(c, l, &fills)->dirty = true;
    }
    return fills;
}

unsigned llc_load(Llc *c, uint64_t addr, unsigned len)
{
    uint64_t first = addr >> c->line_shift;
    uint64_t last = (addr + (len ? len : 1) - 1) >> c->line_shift;
    unsigned fills = 0;

    for (uint64_t l = first; l <= last; l++) {
        access_line(c, l, &fills);
    }
    return fills;
}

void llc_flush(Llc *c)
{
    for (uint64_t i = 0; i < c->sets * c->ways; i++) {
        if (c->way[i].tag && c->way[i].dirty) {
            c->wb(c->opaque, (c->way[i].tag - 1) << c->line_shift);
            c->way[i].dirty = false;
        }
    }
}
