/*
 * Unit tests of the write-back cache model (tools/plugins/llc.c).
 *
 * Copyright (c) 2026 raminate developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>

#include "llc.h"

static int passed, failed;
static uint64_t writebacks, last_addr;

static void count(void *opaque, uint64_t addr)
{
    (void)opaque;
    writebacks++;
    last_addr = addr;
}

static void check(int ok, const char *what)
{
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    ok ? passed++ : failed++;
}

int main(void)
{
    Llc *c;
    uint64_t fills;

    /* 1 MiB, 16 ways, 64 B lines: 1024 sets. */
    c = llc_new(1 << 20, 16, 64, count, NULL);
    for (int i = 0; i < 1000; i++) {
        llc_store(c, 0x12345000 + 8 * (i % 8), 8);
    }
    check(writebacks == 0, "1000 stores to one line stay in the cache");
    llc_flush(c);
    check(writebacks == 1 && last_addr == 0x12345000,
          "... and are one write-back of that line once flushed");

    writebacks = 0;
    for (uint64_t k = 0; k < 4096; k++) {
        llc_store(c, 0x40000000 + k * 64, 64);
    }
    llc_flush(c);
    check(writebacks == 4096, "a streaming write of 4096 lines: 4096 write-backs");

    writebacks = 0;
    for (uint64_t k = 0; k < 3 * 16384; k++) {      /* 3 MiB through 1 MiB */
        llc_store(c, 0x80000000 + k * 64, 64);
    }
    check(writebacks == 2 * 16384, "streaming 3x the cache size evicts 2x of it");
    llc_flush(c);
    check(writebacks == 3 * 16384, "... and the flush writes back the rest");

    writebacks = 0;
    for (int i = 0; i < 17; i++) {              /* 17 lines into one 16-way set */
        llc_store(c, (uint64_t)i << 16, 8);
    }
    check(writebacks == 1 && last_addr == 0, "the 17th line in a set evicts the LRU one");
    llc_load(c, 0x123000000, 8);
    llc_flush(c);
    check(writebacks == 17, "loads write nothing back");
    llc_free(c);

    c = llc_new(1 << 20, 16, 64, count, NULL);
    fills = 0;
    for (uint64_t k = 0; k < 4096; k++) {
        fills += llc_load(c, 0x40000000 + k * 64, 8);
    }
    check(fills == 4096, "loading 4096 new lines reads 4096 lines from memory");
    fills = 0;
    for (uint64_t k = 0; k < 4096; k++) {
        fills += llc_store(c, 0x40000000 + k * 64 + 8, 8);
    }
    check(fills == 0, "... and storing to them then reads none");
    fills = llc_store(c, 0x50000000 - 4, 8);
    check(fills == 2, "a store across two new lines reads both");
    llc_free(c);

    check(!llc_new(1000, 16, 64, count, NULL) && !llc_new(1 << 20, 16, 48, count, NULL),
          "sizes that are not powers of two are refused");
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
