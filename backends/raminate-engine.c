/*
 * raminate: the engine
 *
 * One thread per hybrid-memory container.  Every scan interval it collects
 * the pages written in the epoch (tracker) and feeds them to the placement
 * policy; every swap interval it asks the policy for a plan and hands it
 * to the swapper as one batch.  Tracking and planning run beside the
 * guest; the batch itself runs in the main loop (see engine_batch_bh).
 *
 * It never knows which tracker, policy or swapper it drives: it is given
 * a memory region, a swapper and the knobs (RaminateEngineConfig,
 * RaminateParams) and picks the tracker and policy by their tables.
 *
 * Locking: the engine thread takes the BQL to collect, and its own lock,
 * never both at once, to update the policy and the statistics.  The
 * monitor, holding the BQL, takes the engine lock to read them.  The
 * tracker in force changes with both held.
 *
 * Copyright (c) 2026 raminate developers
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include "qemu/osdep.h"
#include "block/aio.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"
#include "qemu/thread.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "exec/target_page.h"
#include "system/runstate.h"
#include "raminate.h"
#include "trace.h"

/*
 * The main loop swaps at most this many pairs before it runs anything
 * else: the BQL it holds meanwhile stalls device emulation, the monitor
 * and vCPU exits (the kvm swapper takes ~100-150 ms per 1000 pairs when
 * nested).  A batch is handed over slice by slice.
 */
#define RAMINATE_SLICE_PAIRS 128

/* A slice of a swap batch handed to the main loop, and what came of it. */
typedef struct EngineBatch {
    const RmSwap *plan;
    size_t n;
    bool *ok;
    bool ran;                   /* false: the guest was not running */
    RaminateSwapReport r;       /* summed over the batch's slices */
    int64_t ns;                 /* this slice's */
    RaminateSwapReport before;  /* r before this slice */
} EngineBatch;

struct RaminateEngine {
    char *id;
    MemoryRegion *mr;
    uint32_t npages;
    RaminateSwapper *swapper;   /* the caller's; runs in the main loop */
    QemuThread thread;
    QEMUTimer *guest_timer;     /* wakes the thread in guest time */
    QEMUBH *batch_bh;           /* runs .batch; main loop only */
    EngineBatch batch;          /* the engine thread's until scheduled */
    QemuEvent batch_done;

    QemuMutex lock;             /* protects what follows */
    QemuCond wake;
    bool stop;
    bool rebuild;               /* policy, levels or clock changed */
    RaminateParams p;           /* the knobs in force (no file names) */
    const RaminateTrackerOps *tracker;
    RmPolicy *policy;
    char *trace_path;
    FILE *trace;
    char *placement_path;
    uint8_t *placement;         /* mapped placement-file: 1 = in NVM */
    RaminateEngineStats st;     /* but .tracker and .pages */
};

/* A policy over the pages as they are placed now. */
static RmPolicy *engine_new_policy(RaminateEngine *e)
{
    RmPolicyParams params = { .levels = e->p.cmq_levels,
                              .lifetime = e->p.lifetime_ms };
    g_autofree uint8_t *tier = g_new(uint8_t, e->npages);

    for (uint32_t i = 0; i < e->npages; i++) {
        tier[i] = raminate_swapper_tier(e->swapper, i) == MEMORY_TIER_NVM;
    }
    /* The QAPI enum and the policy table agree: the container checks. */
    return rm_policy_new(rm_policy_find(RaminatePolicy_str(e->p.placement)),
                         &params, e->npages, tier);
}

/*
 * clock=virtual times epochs in guest time: QEMU's virtual clock stops
 * while the guest is stopped and, with -icount, counts instructions, so
 * that an epoch holds as much guest work however slowly the guest runs.
 */
static QEMUClockType engine_clock(const RaminateEngine *e)
{
    return e->p.clock == RAMINATE_CLOCK_VIRTUAL ? QEMU_CLOCK_VIRTUAL
                                                : QEMU_CLOCK_REALTIME;
}

/* The policy's and the trace's time: ms on the clock in force. */
static uint32_t now_ms(const RaminateEngine *e)
{
    return qemu_clock_get_ms(engine_clock(e));
}

/* The virtual clock's timers run in the main loop; wake the thread. */
static void engine_guest_timer_cb(void *opaque)
{
    RaminateEngine *e = opaque;

    qemu_mutex_lock(&e->lock);
    qemu_cond_signal(&e->wake);
    qemu_mutex_unlock(&e->lock);
}

/*
 * Wait with e->lock held until @deadline on the clock in force, a knob
 * change or a stop.  The guest's clock gets a timer, as no host wait
 * knows when guest time will reach @deadline.
 */
static void engine_wait(RaminateEngine *e, int64_t deadline, int64_t now)
{
    if (e->p.clock == RAMINATE_CLOCK_VIRTUAL) {
        timer_mod(e->guest_timer, deadline);
        qemu_cond_wait(&e->wake, &e->lock);
    } else {
        qemu_cond_timedwait(&e->wake, &e->lock, deadline - now);
    }
}

static void engine_scan(RaminateEngine *e, GArray *written)
{
    int64_t t0 = get_clock();
    uint64_t in_dram = 0;

    g_array_set_size(written, 0);
    bql_lock();
    e->tracker->collect(e->mr, written);
    bql_unlock();

    qemu_mutex_lock(&e->lock);
    for (guint i = 0; i < written->len; i++) {
        uint32_t page = g_array_index(written, uint32_t, i);

        in_dram += rm_policy_tier(e->policy, page) == RM_TIER_DRAM;
    }
    rm_policy_update(e->policy, (uint32_t *)written->data, written->len,
                     now_ms(e));
    e->st.epochs++;
    e->st.dirty_last = written->len;
    e->st.dirty_dram_last = in_dram;
    e->st.dirty_total += written->len;
    e->st.dirty_dram_total += in_dram;
    if (e->trace) {
        fprintf(e->trace, "%" PRIu64 " %u %u", e->st.epochs, now_ms(e),
                written->len);
        for (guint i = 0; i < written->len; i++) {
            fprintf(e->trace, " %u", g_array_index(written, uint32_t, i));
        }
        fputc('\n', e->trace);
        fflush(e->trace);
    }
    trace_raminate_scan(e->id, e->st.epochs, written->len, in_dram,
                        get_clock() - t0);
    qemu_mutex_unlock(&e->lock);
}

/*
 * The main loop runs every batch, for three reasons.  Pausing the vCPUs is
 * safe from one thread only: pause_all_vcpus() waits without the BQL, and
 * a second pauser (another engine, the reset path) that resumes the vCPUs
 * leaves the first waiting for a pause that never comes.  The main loop
 * already serialises its own pauses, and the migration thread stops the
 * VM after setting the run state, which is checked here.  Draining the
 * block layer is main-loop code.  And the iohandler context is dispatched
 * by the main loop alone, never by a nested aio_poll() inside a drain.
 *
 * A guest that is not running is being migrated, saved, dumped or
 * debugged, or has not started: its pages stay where they are.
 */
static void engine_batch_bh(void *opaque)
{
    RaminateEngine *e = opaque;
    EngineBatch *b = &e->batch;
    int64_t t0 = get_clock();

    b->ran = runstate_is_running();
    b->before = b->r;
    if (b->ran) {
        raminate_swapper_run(e->swapper, b->plan, b->n, b->ok, &b->r);
        for (size_t i = 0; i < b->n; i++) {
            if (b->ok[i]) {
                raminate_mark_moved(e->mr, b->plan[i].hot);
                raminate_mark_moved(e->mr, b->plan[i].cold);
            }
        }
    }
    b->ns = get_clock() - t0;
    qemu_event_set(&e->batch_done);
}

/*
 * Have the main loop run @plan, slice by slice, summing the report in
 * e->batch.r and the slices' time in @ns.  Returns how many pairs the
 * slices that ran held: the rest were not tried, because the engine
 * stopped or the guest stopped running.
 */
static size_t engine_run_batch(RaminateEngine *e, const RmSwap *plan,
                               size_t n, bool *ok, uint64_t *ns)
{
    const RaminateSwapReport *sum = &e->batch.r, *before = &e->batch.before;
    size_t tried = 0;

    e->batch.r = (RaminateSwapReport) { 0 };
    *ns = 0;
    for (size_t at = 0; at < n; at += RAMINATE_SLICE_PAIRS) {
        /* Not under e->lock, which query-raminate takes with the BQL. */
        raminate_swapper_prepare(e->swapper,
                                 MIN(n - at, RAMINATE_SLICE_PAIRS));
        qemu_mutex_lock(&e->lock);
        if (e->stop) {
            qemu_mutex_unlock(&e->lock);
            break;
        }
        e->batch.plan = plan + at;
        e->batch.n = MIN(n - at, RAMINATE_SLICE_PAIRS);
        e->batch.ok = ok + at;
        qemu_event_reset(&e->batch_done);
        qemu_bh_schedule(e->batch_bh);
        qemu_mutex_unlock(&e->lock);
        qemu_event_wait(&e->batch_done);
        if (!e->batch.ran) {
            break;
        }
        tried += e->batch.n;
        trace_raminate_swap_slice(e->id, e->batch.n, e->batch.ns,
                                  sum->drain_ns - before->drain_ns,
                                  sum->pause_ns - before->pause_ns,
                                  sum->stop_ns - before->stop_ns);
        *ns += e->batch.ns;
    }
    return tried;
}

static void add_duration(RaminateDuration *d, uint64_t batches, uint64_t ns)
{
    d->last = ns;
    d->total += ns;
    d->max = MAX(d->max, ns);
    d->min = batches == 1 ? ns : MIN(d->min, ns);
}

static void engine_swap(RaminateEngine *e)
{
    g_autofree RmSwap *plan = NULL;
    g_autofree bool *ok = NULL;
    const RaminateSwapReport *r = &e->batch.r;
    RmPolicyStats stats;
    uint64_t ns;
    uint32_t done = 0;
    size_t n, tried;

    qemu_mutex_lock(&e->lock);
    plan = g_new(RmSwap, e->p.max_swaps);
    n = rm_policy_plan(e->policy, plan, e->p.max_swaps);
    rm_policy_stats(e->policy, now_ms(e), &stats);
    qemu_mutex_unlock(&e->lock);
    trace_raminate_plan(e->id, n, stats.hot_nvm_pages);
    if (!n) {
        return;
    }

    ok = g_new0(bool, n);
    tried = engine_run_batch(e, plan, n, ok, &ns);
    if (!tried) {
        return;
    }

    qemu_mutex_lock(&e->lock);
    for (size_t i = 0; i < n; i++) {
        rm_policy_swapped(e->policy, &plan[i], ok[i]);
        done += ok[i];
        if (ok[i] && e->placement) {
            e->placement[plan[i].hot] = RM_TIER_DRAM;
            e->placement[plan[i].cold] = RM_TIER_NVM;
        }
    }
    e->st.swaps += done;
    e->st.swaps_deferred += r->under_dma + r->no_room + n - tried;
    e->st.swaps_failed += tried - done - r->under_dma - r->no_room;
    e->st.live_swaps += r->live;
    for (int t = 0; t < MEMORY_TIER__MAX; t++) {
        e->st.swap_written[t] += r->written[t];
    }
    e->st.batches++;
    add_duration(&e->st.batch, e->st.batches, ns);
    add_duration(&e->st.pause, e->st.batches, r->pause_ns);
    qemu_mutex_unlock(&e->lock);
    trace_raminate_swap_batch(e->id, done, n - done, r->under_dma,
                              r->drain_ns, r->pause_ns, r->stop_ns,
                              r->copy_ns, r->remap_ns, r->mappings);
}

static void *engine_thread(void *opaque)
{
    RaminateEngine *e = opaque;
    g_autoptr(GArray) written = g_array_new(false, false, sizeof(uint32_t));
    RaminateClock clock = e->p.clock;
    int64_t now = now_ms(e);
    int64_t next_scan = now + e->p.scan_interval_ms;
    int64_t next_swap = now + e->p.swap_interval_ms;

    rcu_register_thread();
    qemu_mutex_lock(&e->lock);
    while (!e->stop) {
        now = now_ms(e);
        if (e->rebuild) {
            RmPolicy *fresh = engine_new_policy(e);

            if (fresh) {
                rm_policy_free(e->policy);
                e->policy = fresh;
            }
            e->rebuild = false;
        }
        /* Times on another clock mean nothing on this one. */
        if (clock != e->p.clock) {
            clock = e->p.clock;
            next_scan = now + e->p.scan_interval_ms;
            next_swap = now + e->p.swap_interval_ms;
        }
        /* Knob changes take effect from the next interval on. */
        next_scan = MIN(next_scan, now + e->p.scan_interval_ms);
        next_swap = MIN(next_swap, now + e->p.swap_interval_ms);
        if (now < next_scan) {
            engine_wait(e, next_scan, now);
            continue;
        }
        next_scan = now + e->p.scan_interval_ms;
        qemu_mutex_unlock(&e->lock);
        engine_scan(e, written);
        if (now >= next_swap) {
            next_swap = now + e->p.swap_interval_ms;
            engine_swap(e);
        }
        qemu_mutex_lock(&e->lock);
    }
    qemu_mutex_unlock(&e->lock);
    rcu_unregister_thread();
    return NULL;
}

/* Open @path for the trace of epochs timed on @clock. */
static bool engine_open_trace(RaminateEngine *e, const char *path,
                              RaminateClock clock, Error **errp)
{
    FILE *f = NULL;

    if (path && *path) {
        f = fopen(path, "a");
        if (!f) {
            error_setg_errno(errp, errno, "raminate: cannot open trace-file=%s",
                             path);
            return false;
        }
        fprintf(f, "# raminate trace v1 container=%s pages=%u page-size=%d "
                "clock=%s\n", e->id, e->npages, RAMINATE_PAGE_SIZE,
                RaminateClock_str(clock));
        fflush(f);
    }
    if (e->trace) {
        fclose(e->trace);
    }
    e->trace = f;
    g_free(e->trace_path);
    e->trace_path = g_strdup(path);
    return true;
}

/*
 * The placement file: one byte per container page, 0 in DRAM, 1 in NVM,
 * kept up to date after each swap batch for write counters to read live.
 */
static bool engine_open_placement(RaminateEngine *e, const char *path,
                                  Error **errp)
{
    uint8_t *map = NULL;

    if (path && *path) {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

        if (fd < 0 || ftruncate(fd, e->npages) < 0) {
            error_setg_errno(errp, errno, "raminate: cannot create "
                             "placement-file=%s", path);
            if (fd >= 0) {
                close(fd);
            }
            return false;
        }
        map = mmap(NULL, e->npages, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                   0);
        close(fd);
        if (map == MAP_FAILED) {
            error_setg_errno(errp, errno, "raminate: cannot map "
                             "placement-file=%s", path);
            return false;
        }
        for (uint32_t i = 0; i < e->npages; i++) {
            map[i] = raminate_swapper_tier(e->swapper, i) == MEMORY_TIER_NVM;
        }
    }
    if (e->placement) {
        munmap(e->placement, e->npages);
    }
    e->placement = map;
    g_free(e->placement_path);
    e->placement_path = g_strdup(path);
    return true;
}

/* Free what a stopped or never started engine holds. */
static void engine_free(RaminateEngine *e)
{
    ram_block_discard_require(false);
    engine_open_trace(e, NULL, 0, NULL);
    engine_open_placement(e, NULL, NULL);
    rm_policy_free(e->policy);
    g_free(e->id);
    g_free(e);
}

RaminateEngine *raminate_engine_start(const RaminateEngineConfig *cfg,
                                      const RaminateParams *params,
                                      Error **errp)
{
    RaminateEngine *e;

    if (qemu_target_page_size() != RAMINATE_PAGE_SIZE ||
        qemu_real_host_page_size() != RAMINATE_PAGE_SIZE) {
        error_setg(errp, "memory-backend-container '%s': raminate needs "
                   "4 KiB host and guest pages", cfg->id);
        return NULL;
    }
    /*
     * Moving pages is what discarding RAM is to a device that pins guest
     * memory for its whole life: its DMA would go on to the old frames.
     */
    if (ram_block_discard_require(true)) {
        error_setg(errp, "memory-backend-container '%s': raminate cannot "
                   "move pages that a device has pinned for DMA", cfg->id);
        error_append_hint(errp, "Passthrough devices (vfio-pci, iommufd, "
                          "vhost-vdpa) and confidential guests pin all guest "
                          "memory: set raminate=off on the container, or "
                          "remove them.\n");
        return NULL;
    }
    e = g_new0(RaminateEngine, 1);
    e->id = g_strdup(cfg->id);
    e->mr = cfg->mr;
    e->swapper = cfg->swapper;
    e->npages = raminate_swapper_npages(e->swapper);
    e->p = *params;
    e->p.trace_file = e->p.placement_file = NULL;
    e->tracker = raminate_tracker_resolve(params->tracker, errp);
    if (!e->tracker) {
        goto fail;
    }
    e->policy = engine_new_policy(e);
    if (!e->policy) {
        error_setg(errp, "raminate: out of memory for the placement policy");
        goto fail;
    }
    if (!engine_open_trace(e, params->trace_file, params->clock, errp) ||
        !engine_open_placement(e, params->placement_file, errp) ||
        !e->tracker->start(e->mr, errp)) {
        goto fail;
    }
    qemu_mutex_init(&e->lock);
    qemu_cond_init(&e->wake);
    qemu_event_init(&e->batch_done, false);
    e->batch_bh = aio_bh_new(iohandler_get_aio_context(), engine_batch_bh, e);
    e->guest_timer = timer_new_ms(QEMU_CLOCK_VIRTUAL, engine_guest_timer_cb, e);
    qemu_thread_create(&e->thread, "raminate", engine_thread, e,
                       QEMU_THREAD_JOINABLE);
    return e;

fail:
    error_prepend(errp, "memory-backend-container '%s': ", cfg->id);
    engine_free(e);
    return NULL;
}

void raminate_engine_stop(RaminateEngine *e)
{
    GLOBAL_STATE_CODE();
    qemu_mutex_lock(&e->lock);
    e->stop = true;
    qemu_cond_signal(&e->wake);
    qemu_mutex_unlock(&e->lock);
    /*
     * This is the main loop, so no batch is running: one scheduled will
     * not run now, and its thread must not wait for it.
     */
    qemu_bh_cancel(e->batch_bh);
    qemu_event_set(&e->batch_done);
    /* The thread may be waiting for the BQL to finish its epoch. */
    bql_unlock();
    qemu_thread_join(&e->thread);
    bql_lock();
    qemu_bh_delete(e->batch_bh);
    timer_free(e->guest_timer);
    e->tracker->stop();
    qemu_event_destroy(&e->batch_done);
    qemu_cond_destroy(&e->wake);
    qemu_mutex_destroy(&e->lock);
    engine_free(e);
}

bool raminate_engine_reconfigure(RaminateEngine *e,
                                 const RaminateParams *want, Error **errp)
{
    const RaminateTrackerOps *tracker;
    bool ok = true, new_trace;

    tracker = raminate_tracker_resolve(want->tracker, errp);
    if (!tracker ||
        (tracker != e->tracker && !tracker->start(e->mr, errp))) {
        return false;
    }
    qemu_mutex_lock(&e->lock);
    new_trace = g_strcmp0(want->trace_file, e->trace_path);
    if (new_trace) {
        ok = engine_open_trace(e, want->trace_file, want->clock, errp);
    }
    if (ok && g_strcmp0(want->placement_file, e->placement_path)) {
        ok = engine_open_placement(e, want->placement_file, errp);
    }
    if (ok) {
        /* The policy's times are on the old clock. */
        e->rebuild = want->placement != e->p.placement ||
                     want->cmq_levels != e->p.cmq_levels ||
                     want->clock != e->p.clock;
        /* The lines that follow are timed on the new clock. */
        if (e->trace && !new_trace && want->clock != e->p.clock) {
            fprintf(e->trace, "# clock=%s\n", RaminateClock_str(want->clock));
            fflush(e->trace);
        }
        e->p = *want;
        e->p.trace_file = e->p.placement_file = NULL;
        if (tracker != e->tracker) {
            e->tracker->stop();
            e->tracker = tracker;
        }
        rm_policy_set_lifetime(e->policy, want->lifetime_ms);
        qemu_cond_signal(&e->wake);
    } else if (tracker != e->tracker) {
        tracker->stop();
    }
    qemu_mutex_unlock(&e->lock);
    return ok;
}

void raminate_engine_get_stats(RaminateEngine *e, RaminateEngineStats *st)
{
    qemu_mutex_lock(&e->lock);
    *st = e->st;
    st->tracker = e->tracker->kind;
    rm_policy_stats(e->policy, now_ms(e), &st->pages);
    qemu_mutex_unlock(&e->lock);
}
