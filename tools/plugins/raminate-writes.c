/*
 * raminate-writes: a TCG plugin counting the guest's memory write traffic.
 *
 *   -plugin build/raminate-writes.so,counts=FILE[,series=FILE][,totals=FILE]
 *           [,llc=SIZE][,ways=N][,line=BYTES][,dram=GPA:SIZE[:GPA:SIZE...]]
 *           [,placement=FILE,map=GPA:SIZE:OFFSET[:GPA:SIZE:OFFSET...]]
 *           [,epochs=FILE[,epoch-insns=N]]
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
 * epochs= (with map=) gets a per-epoch trace in container pages, an epoch
 * being epoch-insns guest instructions over all vCPUs: per epoch, the pages
 * stored to (what a dirty-bit tracker would see) and the bytes that reached
 * memory per page (what the writes cost).  docs/write-counter.md has the
 * format.
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

/*
 * The epoch trace.  Closing an epoch must cost what the epoch touched, not
 * the container's size: each page keeps its fields for the current epoch,
 * and the pages with any are listed.
 */
typedef struct EpochPage {
    uint64_t bytes;                     /* reached memory in this epoch */
    bool stored, listed;
} EpochPage;

static FILE *epochs_file;
static uint64_t epoch_insns = 1000000000;
static uint64_t llc_size = 20 << 20;
static EpochPage *epoch_pages;
static uint64_t container_pages;
static GArray *epoch_list;              /* page numbers, uint64_t */
static unsigned epoch_stored, epoch_written;    /* pages in either list */
static uint64_t epoch, epoch_end, unmapped_bytes;
/*
 * Instructions: each vCPU adds its TBs' to its own counter inline, and
 * folds them into @insns_folded (under the lock) once they reach
 * @insns_chunk, which is when epoch ends are checked.  The count of the
 * measurement is what has been counted since @insns_base.
 */
static qemu_plugin_u64 insns_pending;
static uint64_t insns_chunk, insns_folded, insns_base;

/* Bytes of memory traffic in this second and in the whole measurement. */
enum { DRAM_WRITE, NVM_WRITE, DRAM_READ, NVM_READ, N_TRAFFIC };
static uint64_t second_bytes[N_TRAFFIC], total_bytes[N_TRAFFIC];

/* Where guest-physical @pa sits in the container, by map=. */
static bool container_offset(uint64_t pa, uint64_t *off)
{
    for (unsigned i = 0; i < nmap; i++) {
        if (pa >= ram_map[i].gpa && pa < ram_map[i].gpa + ram_map[i].size) {
            *off = pa - ram_map[i].gpa + ram_map[i].offset;
            return true;
        }
    }
    return false;
}

static bool in_dram(uint64_t pa)
{
    uint64_t off;

    if (placement) {
        return container_offset(pa, &off) &&
               off >> PAGE_SHIFT < placement_pages &&
               !placement[off >> PAGE_SHIFT];
    }
    for (unsigned i = 0; i < ndram; i++) {
        if (pa >= dram[i].start && pa < dram[i].end) {
            return true;
        }
    }
    return false;
}

/* The epoch fields of the container page at @pa, listing it; or NULL. */
static EpochPage *epoch_page(uint64_t pa)
{
    uint64_t off;
    EpochPage *e;

    if (!container_offset(pa, &off)) {
        return NULL;
    }
    e = &epoch_pages[off >> PAGE_SHIFT];
    if (!e->listed) {
        uint64_t page = off >> PAGE_SHIFT;

        g_array_append_val(epoch_list, page);
        e->listed = true;
    }
    return e;
}

/* The guest stored at @pa: a tracker would see the page dirty. */
static void epoch_store(uint64_t pa)
{
    EpochPage *e;

    if (!epochs_file) {
        return;
    }
    e = epoch_page(pa);
    if (e && !e->stored) {
        e->stored = true;
        epoch_stored++;
    }
}

/* @bytes reached memory at @pa: what the epoch's writes cost. */
static void epoch_bytes(uint64_t pa, uint64_t bytes)
{
    EpochPage *e;

    if (!epochs_file) {
        return;
    }
    e = epoch_page(pa);
    if (!e) {
        unmapped_bytes += bytes;
        return;
    }
    if (!e->bytes) {
        epoch_written++;
    }
    e->bytes += bytes;
}

/* Forget the current epoch's pages, in what it touched. */
static void epoch_clear(void)
{
    for (guint i = 0; i < epoch_list->len; i++) {
        epoch_pages[g_array_index(epoch_list, uint64_t, i)] = (EpochPage){ 0 };
    }
    g_array_set_size(epoch_list, 0);
    epoch_stored = epoch_written = 0;
}

/* The current epoch ends @insns instructions into the measurement. */
static void epoch_write(uint64_t insns)
{
    fprintf(epochs_file, "%" PRIu64 " %" PRIu64 " %u", epoch, insns,
            epoch_stored);
    for (guint i = 0; i < epoch_list->len; i++) {
        uint64_t page = g_array_index(epoch_list, uint64_t, i);

        if (epoch_pages[page].stored) {
            fprintf(epochs_file, " %" PRIu64, page);
        }
    }
    fprintf(epochs_file, " %u", epoch_written);
    for (guint i = 0; i < epoch_list->len; i++) {
        uint64_t page = g_array_index(epoch_list, uint64_t, i);

        if (epoch_pages[page].bytes) {
            fprintf(epochs_file, " %" PRIu64 ":%" PRIu64, page,
                    epoch_pages[page].bytes);
        }
    }
    fputc('\n', epochs_file);
    epoch_clear();
    epoch++;
}

/* Instructions since the measurement started (other vCPUs' as of now). */
static uint64_t insns_now(void)
{
    return insns_folded + qemu_plugin_u64_sum(insns_pending) - insns_base;
}

/* A fresh trace: header, epoch 1, instruction 0. */
static void epoch_start(void)
{
    epoch_clear();
    fflush(epochs_file);
    if (ftruncate(fileno(epochs_file), 0) == 0) {
        rewind(epochs_file);
    }
    fprintf(epochs_file, "# raminate trace v2 source=raminate-writes pages=%"
            PRIu64 " page-size=%d epoch-insns=%" PRIu64 " llc=%" PRIu64 "\n",
            container_pages, 1 << PAGE_SHIFT, epoch_insns, llc_size);
    epoch = 1;
    epoch_end = epoch_insns;
    insns_base = insns_folded + qemu_plugin_u64_sum(insns_pending);
    unmapped_bytes = 0;
}

/*
 * A vCPU has run @insns_chunk instructions since it last came here (before
 * this TB: its own instructions and stores go to the epoch after).
 */
static void epoch_check(unsigned int vcpu, void *udata)
{
    g_mutex_lock(&lock);
    insns_folded += qemu_plugin_u64_get(insns_pending, vcpu);
    qemu_plugin_u64_set(insns_pending, vcpu, 0);
    if (!stopped) {
        uint64_t now = insns_now();

        if (now >= epoch_end) {
            epoch_write(now);
            /* Epochs keep to their schedule: a late end does not shift it. */
            epoch_end += (now - epoch_end) / epoch_insns * epoch_insns +
                         epoch_insns;
        }
    }
    g_mutex_unlock(&lock);
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
    epoch_bytes(pa, bytes);
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
    if (epochs_file) {
        epoch_start();
    }
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
    if (epochs_file) {
        /* The last, partial epoch, with the flush's write-backs. */
        epoch_write(insns_now());
        fprintf(epochs_file, "# unmapped-write-bytes=%" PRIu64 "\n",
                unmapped_bytes);
        fflush(epochs_file);
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
            epoch_store(pa);
            memory_read(pa, llc_store(llc, pa, size));
        } else {
            memory_read(pa, llc_load(llc, pa, size));
        }
    } else if (qemu_plugin_mem_is_store(info)) {
        epoch_store(pa);
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

    if (epochs_file) {
        /* The check first: it sees the instructions before this TB's. */
        qemu_plugin_register_vcpu_tb_exec_cond_cb(tb, epoch_check,
                                                  QEMU_PLUGIN_CB_NO_REGS,
                                                  QEMU_PLUGIN_COND_GE,
                                                  insns_pending, insns_chunk,
                                                  NULL);
        qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(
            tb, QEMU_PLUGIN_INLINE_ADD_U64, insns_pending,
            qemu_plugin_tb_n_insns(tb));
    }
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
    if (epochs_file) {
        fclose(epochs_file);
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
    uint64_t ways = 20, v;

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
        } else if (!strcmp(kv[0], "epochs")) {
            epochs_file = fopen(kv[1], "w");
            if (!epochs_file) {
                fprintf(stderr, "raminate-writes: cannot write epochs=%s\n",
                        kv[1]);
                return -1;
            }
        } else if (!strcmp(kv[0], "epoch-insns")) {
            if (!parse_size(kv[1], &epoch_insns) || !epoch_insns) {
                fprintf(stderr, "raminate-writes: epoch-insns=%s: give the "
                        "guest instructions per epoch, > 0\n", kv[1]);
                return -1;
            }
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
    if (epochs_file && !nmap) {
        fprintf(stderr, "raminate-writes: epochs= needs map= (the trace "
                "numbers container pages: give where guest memory sits in "
                "the container, as info mtree shows; map=0:512M:0 for a "
                "512 MiB pc guest)\n");
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
    if (epochs_file) {
        for (unsigned i = 0; i < nmap; i++) {
            uint64_t end = ram_map[i].offset + ram_map[i].size;

            container_pages = MAX(container_pages,
                                  (end + (1 << PAGE_SHIFT) - 1) >> PAGE_SHIFT);
        }
        epoch_pages = g_new0(EpochPage, container_pages);
        epoch_list = g_array_new(false, false, sizeof(uint64_t));
        insns_pending = qemu_plugin_scoreboard_u64(
            qemu_plugin_scoreboard_new(sizeof(uint64_t)));
        /*
         * Ends are checked every chunk of a vCPU's instructions, so an
         * epoch runs late by at most a chunk per vCPU: 1/64 of an epoch,
         * and at most 2^20 instructions, a callback too rare to cost.
         */
        insns_chunk = MAX(1, MIN(epoch_insns / 64, 1 << 20));
        epoch_start();
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
    return 0;
}
