/*
 * raminate-writes: a TCG plugin counting the guest's memory write traffic.
 *
 *   -plugin build/raminate-writes.so,counts=FILE[,series=FILE][,llc=SIZE]
 *           [,ways=N][,line=BYTES][,dram=GPA:SIZE[:GPA:SIZE...]]
 *
 * Sees every guest store with its guest-physical address (device DMA is not
 * seen).  With llc=0 each store counts as one write of its size; otherwise
 * stores go through a write-back cache model (llc.c; default 20 MiB,
 * 20 ways, 64-byte lines, the paper's LLC) and memory sees whole-line
 * write-backs.  At exit the cache is flushed and, per guest page with any
 * write, "PAGE WRITES BYTES" (page in hex) goes to counts=.  series= gets
 * "SECONDS,DRAM_BYTES,NVM_BYTES" each second of guest execution time, with
 * a write to memory in DRAM when its address lies in a dram= range (the
 * initial placement; pages moved by RAMinate are not followed yet).
 *
 * Copyright (c) 2026 raminate developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

#include "llc.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define PAGE_SHIFT 12
#define MAX_DRAM_RANGES 8

typedef struct PageCount {
    uint64_t writes, bytes;
} PageCount;

static GMutex lock;
static Llc *llc;
static unsigned line = 64;
static PageCount *pages;
static uint64_t npages;
static struct { uint64_t start, end; } dram[MAX_DRAM_RANGES];
static unsigned ndram;
static FILE *counts_file, *series_file;
static int64_t t0, next_tick;
static uint64_t second_bytes[2];        /* DRAM, NVM */

static bool in_dram(uint64_t pa)
{
    for (unsigned i = 0; i < ndram; i++) {
        if (pa >= dram[i].start && pa < dram[i].end) {
            return true;
        }
    }
    return false;
}

/* One write of @bytes reaching memory at @pa. */
static void memory_write(uint64_t pa, uint64_t bytes)
{
    uint64_t page = pa >> PAGE_SHIFT;

    if (page >= npages) {
        uint64_t grown = MAX(page + 1, npages * 2);

        pages = g_renew(PageCount, pages, grown);
        memset(pages + npages, 0, (grown - npages) * sizeof(*pages));
        npages = grown;
    }
    pages[page].writes++;
    pages[page].bytes += bytes;
    second_bytes[!in_dram(pa)] += bytes;
}

static void writeback(void *opaque, uint64_t line_addr)
{
    memory_write(line_addr, line);
}

static void tick(void)
{
    int64_t now = g_get_monotonic_time();

    while (series_file && now >= next_tick) {
        fprintf(series_file, "%" PRId64 ",%" PRIu64 ",%" PRIu64 "\n",
                (next_tick - t0) / G_USEC_PER_SEC, second_bytes[0],
                second_bytes[1]);
        second_bytes[0] = second_bytes[1] = 0;
        next_tick += G_USEC_PER_SEC;
    }
}

static void vcpu_mem(unsigned int vcpu, qemu_plugin_meminfo_t info,
                     uint64_t vaddr, void *udata)
{
    struct qemu_plugin_hwaddr *hw = qemu_plugin_get_hwaddr(info, vaddr);
    unsigned size = 1u << qemu_plugin_mem_size_shift(info);
    static unsigned calls;
    uint64_t pa;

    if (!hw || qemu_plugin_hwaddr_is_io(hw)) {
        return;
    }
    pa = qemu_plugin_hwaddr_phys_addr(hw);
    g_mutex_lock(&lock);
    if (llc) {
        if (qemu_plugin_mem_is_store(info)) {
            llc_store(llc, pa, size);
        } else {
            llc_load(llc, pa, size);
        }
    } else if (qemu_plugin_mem_is_store(info)) {
        memory_write(pa, size);
    }
    if (!(++calls & 0xffff)) {
        tick();
    }
    g_mutex_unlock(&lock);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    /* Loads matter only to the cache model, which they can evict from. */
    enum qemu_plugin_mem_rw rw = llc ? QEMU_PLUGIN_MEM_RW : QEMU_PLUGIN_MEM_W;

    for (size_t i = 0; i < qemu_plugin_tb_n_insns(tb); i++) {
        qemu_plugin_register_vcpu_mem_cb(qemu_plugin_tb_get_insn(tb, i),
                                         vcpu_mem, QEMU_PLUGIN_CB_NO_REGS,
                                         rw, NULL);
    }
}

static void plugin_exit(qemu_plugin_id_t id, void *p)
{
    g_mutex_lock(&lock);
    if (llc) {
        llc_flush(llc);
    }
    next_tick = MIN(next_tick, g_get_monotonic_time());
    tick();
    for (uint64_t i = 0; i < npages; i++) {
        if (pages[i].writes) {
            fprintf(counts_file, "%" PRIx64 " %" PRIu64 " %" PRIu64 "\n", i,
                    pages[i].writes, pages[i].bytes);
        }
    }
    fclose(counts_file);
    if (series_file) {
        fclose(series_file);
    }
    g_mutex_unlock(&lock);
}

static bool parse_size(const char *s, uint64_t *v)
{
    char *end;

    *v = g_ascii_strtoull(s, &end, 0);
    switch (*end) {
    case 'K': case 'k':
        *v <<= 10; end++; break;
    case 'M': case 'm':
        *v <<= 20; end++; break;
    case 'G': case 'g':
        *v <<= 30; end++; break;
    }
    return *end == 0;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
                                           const qemu_info_t *info,
                                           int argc, char **argv)
{
    uint64_t llc_size = 20 << 20, ways = 20, v;

    for (int i = 0; i < argc; i++) {
        g_auto(GStrv) kv = g_strsplit(argv[i], "=", 2);

        if (!kv[1]) {
            fprintf(stderr, "raminate-writes: option '%s' needs a value\n",
                    argv[i]);
            return -1;
        }
        if (!strcmp(kv[0], "counts")) {
            counts_file = fopen(kv[1], "w");
        } else if (!strcmp(kv[0], "series")) {
            series_file = fopen(kv[1], "w");
        } else if (!strcmp(kv[0], "llc") && parse_size(kv[1], &llc_size)) {
        } else if (!strcmp(kv[0], "ways") && parse_size(kv[1], &ways)) {
        } else if (!strcmp(kv[0], "line") && parse_size(kv[1], &v)) {
            line = v;
        } else if (!strcmp(kv[0], "dram")) {
            g_auto(GStrv) r = g_strsplit(kv[1], ":", -1);

            for (int j = 0; r[j] && r[j + 1] && ndram < MAX_DRAM_RANGES;
                 j += 2) {
                uint64_t start, size;

                if (!parse_size(r[j], &start) || !parse_size(r[j + 1], &size)) {
                    fprintf(stderr, "raminate-writes: bad dram=%s\n", kv[1]);
                    return -1;
                }
                dram[ndram].start = start;
                dram[ndram++].end = start + size;
            }
        } else {
            fprintf(stderr, "raminate-writes: unknown or bad option '%s'\n",
                    argv[i]);
            return -1;
        }
    }
    if (!counts_file) {
        fprintf(stderr, "raminate-writes: give counts=FILE (writable)\n");
        return -1;
    }
    if (llc_size) {
        llc = llc_new(llc_size, ways, line, writeback, NULL);
        if (!llc) {
            fprintf(stderr, "raminate-writes: llc=%" PRIu64 ",ways=%" PRIu64
                    ",line=%u: the set count and line must be powers of two\n",
                    llc_size, ways, line);
            return -1;
        }
    }
    t0 = g_get_monotonic_time();
    next_tick = t0 + G_USEC_PER_SEC;
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
    return 0;
}
