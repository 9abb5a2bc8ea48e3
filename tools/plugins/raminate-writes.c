/*
 * raminate-writes: a TCG plugin counting the guest's memory write traffic.
 *
 *   -plugin build/raminate-writes.so,counts=FILE[,series=FILE][,totals=FILE]
 *           [,llc=SIZE][,ways=N][,line=BYTES][,dram=GPA:SIZE[:GPA:SIZE...]]
 *           [,placement=FILE,map=GPA:SIZE:OFFSET[:GPA:SIZE:OFFSET...]]
 *
 * Sees every guest store with its guest-physical address (device DMA is not
 * seen).  With llc=0 each store counts as one write of its size; otherwise
 * loads and stores go through a write-back cache model (llc.c; default
 * 20 MiB, 20 ways, 64-byte lines, the paper's LLC): memory sees whole-line
 * write-backs, and a whole-line read on every miss.  At exit the cache is
 * flushed and, per guest page with any write, "PAGE WRITES BYTES" (page in
 * hex) goes to counts=.  series= gets "SECONDS,DRAM_WRITE_BYTES,
 * NVM_WRITE_BYTES,DRAM_READ_BYTES,NVM_READ_BYTES" each second of run time
 * (reads only with the cache model), totals= the same sums over the whole
 * measurement as "key value" lines.  A write is in DRAM by the live
 * placement when placement= names the container's placement-file (a byte
 * per container page, 1 = NVM, kept by the RAMinate engine) and map= says
 * where guest-physical ranges sit in the container; otherwise when its
 * address lies in a dram= range.
 *
 * A guest program delimits a measurement with 64-bit stores anywhere: of
 * RAMINATE_WRITES_START (the bytes "RWSTART!") to start afresh (counts and
 * series are cleared and the cache's dirty lines forgotten, so that earlier
 * lives of the same frames do not count), and of RAMINATE_WRITES_STOP
 * ("RWSTOP!!") to end it (the cache is flushed into the counts, and nothing
 * after it counts).
 *
 * Copyright (c) 2026 raminate developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <qemu-plugin.h>

#include "llc.h"
#include "raminate-writes.h"

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
static struct { uint64_t gpa, size, offset; } ram_map[MAX_DRAM_RANGES];
static unsigned nmap;
static const uint8_t *placement;        /* live: 1 = the page is in NVM */
static uint64_t placement_pages;
static FILE *counts_file, *series_file, *totals_file;
static int64_t t0, next_tick;
static bool stopped;                    /* after RWSTOP!!: count nothing */

/* Bytes of memory traffic in this second and in the whole measurement. */
enum { DRAM_WRITE, NVM_WRITE, DRAM_READ, NVM_READ, N_TRAFFIC };
static uint64_t second_bytes[N_TRAFFIC], total_bytes[N_TRAFFIC];

static bool in_dram(uint64_t pa)
{
    if (placement) {
        for (unsigned i = 0; i < nmap; i++) {
            uint64_t off = pa - ram_map[i].gpa + ram_map[i].offset;

            if (pa >= ram_map[i].gpa && pa < ram_map[i].gpa + ram_map[i].size &&
                off >> PAGE_SHIFT < placement_pages) {
                return !placement[off >> PAGE_SHIFT];
            }
        }
        return false;
    }
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
    second_bytes[in_dram(pa) ? DRAM_WRITE : NVM_WRITE] += bytes;
}

/* @lines cache lines read from memory at @pa (cache misses). */
static void memory_read(uint64_t pa, unsigned lines)
{
    if (lines) {
        second_bytes[in_dram(pa) ? DRAM_READ : NVM_READ] += lines * line;
    }
}

static bool forgetting;           /* discarding dirty lines on a restart */

static void writeback(void *opaque, uint64_t line_addr)
{
    if (!forgetting) {
        memory_write(line_addr, line);
    }
}

/* Close the seconds that have passed by @now into the series and totals. */
static void tick_until(int64_t now)
{
    while (now >= next_tick) {
        if (series_file) {
            fprintf(series_file, "%" PRId64, (next_tick - t0) / G_USEC_PER_SEC);
            for (int i = 0; i < N_TRAFFIC; i++) {
                fprintf(series_file, ",%" PRIu64, second_bytes[i]);
            }
            fputc('\n', series_file);
        }
        for (int i = 0; i < N_TRAFFIC; i++) {
            total_bytes[i] += second_bytes[i];
            second_bytes[i] = 0;
        }
        next_tick += G_USEC_PER_SEC;
    }
}

static void tick(void)
{
    tick_until(g_get_monotonic_time());
}

/* The guest asked for a fresh measurement: drop what came before. */
static void restart(void)
{
    if (llc) {
        forgetting = true;
        llc_flush(llc);
        forgetting = false;
    }
    memset(pages, 0, npages * sizeof(*pages));
    memset(second_bytes, 0, sizeof(second_bytes));
    memset(total_bytes, 0, sizeof(total_bytes));
    if (series_file) {
        fflush(series_file);
        if (ftruncate(fileno(series_file), 0) == 0) {
            rewind(series_file);
        }
    }
    t0 = g_get_monotonic_time();
    next_tick = t0 + G_USEC_PER_SEC;
}

/* The end of the measurement (RWSTOP!! or exit): write back, close it. */
static void finish(void)
{
    int64_t now = g_get_monotonic_time();
    static const char *const names[N_TRAFFIC] = {
        "dram_write_bytes", "nvm_write_bytes", "dram_read_bytes",
        "nvm_read_bytes",
    };

    if (llc) {
        llc_flush(llc);
    }
    /* The last, partial second is a line of its own. */
    next_tick = MIN(next_tick, now);
    tick_until(now);
    if (series_file) {
        fflush(series_file);
    }
    if (totals_file) {
        for (int i = 0; i < N_TRAFFIC; i++) {
            fprintf(totals_file, "%s %" PRIu64 "\n", names[i], total_bytes[i]);
        }
        fprintf(totals_file, "seconds %.3f\n", (now - t0) / 1e6);
        fflush(totals_file);
    }
    stopped = true;
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
    if (qemu_plugin_mem_is_store(info) && size == 8 &&
        qemu_plugin_mem_get_value(info).data.u64 == RAMINATE_WRITES_START) {
        restart();
        stopped = false;
    } else if (qemu_plugin_mem_is_store(info) && size == 8 &&
               qemu_plugin_mem_get_value(info).data.u64 ==
               RAMINATE_WRITES_STOP) {
        if (!stopped) {
            finish();
        }
    } else if (stopped) {
        /* Between a stop and the next start nothing counts. */
    } else if (llc) {
        if (qemu_plugin_mem_is_store(info)) {
            memory_read(pa, llc_store(llc, pa, size));
        } else {
            memory_read(pa, llc_load(llc, pa, size));
        }
    } else if (qemu_plugin_mem_is_store(info)) {
        memory_write(pa, size);
    }
    if (!stopped && !(++calls & 0xffff)) {
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
    if (!stopped) {
        finish();
    }
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
    if (totals_file) {
        fclose(totals_file);
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
        } else if (!strcmp(kv[0], "totals")) {
            totals_file = fopen(kv[1], "w");
        } else if (!strcmp(kv[0], "llc") && parse_size(kv[1], &llc_size)) {
        } else if (!strcmp(kv[0], "ways") && parse_size(kv[1], &ways)) {
        } else if (!strcmp(kv[0], "line") && parse_size(kv[1], &v)) {
            line = v;
        } else if (!strcmp(kv[0], "placement")) {
            GMappedFile *f = g_mapped_file_new(kv[1], false, NULL);

            if (!f) {
                fprintf(stderr, "raminate-writes: cannot map placement=%s\n",
                        kv[1]);
                return -1;
            }
            /* Kept for the whole run: the engine updates it in place. */
            placement = (const uint8_t *)g_mapped_file_get_contents(f);
            placement_pages = g_mapped_file_get_length(f);
        } else if (!strcmp(kv[0], "map")) {
            g_auto(GStrv) r = g_strsplit(kv[1], ":", -1);

            for (int j = 0; r[j] && r[j + 1] && r[j + 2] &&
                 nmap < MAX_DRAM_RANGES; j += 3) {
                if (!parse_size(r[j], &ram_map[nmap].gpa) ||
                    !parse_size(r[j + 1], &ram_map[nmap].size) ||
                    !parse_size(r[j + 2], &ram_map[nmap].offset)) {
                    fprintf(stderr, "raminate-writes: bad map=%s\n", kv[1]);
                    return -1;
                }
                nmap++;
            }
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
    if (placement && !nmap) {
        fprintf(stderr, "raminate-writes: placement= needs map= (where guest "
                "memory sits in the container, as info mtree shows)\n");
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
