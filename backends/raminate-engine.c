/*
 * raminate: the engine
 *
 * One thread per hybrid-memory container.  Every scan interval it collects
 * the pages written in the epoch (tracker) and feeds them to the placement
 * policy; every swap interval it asks the policy for a plan and carries it
 * out in one batch (swapper): KVM swaps what it can with the guest running,
 * the rest is swapped with the vCPUs paused.  Only that pause stops the
 * guest; tracking and planning run beside it.
 *
 * Locking: the engine thread takes the BQL to collect and to swap, and its
 * own lock, never both at once, to update the policy and the statistics.
 * The monitor, holding the BQL, takes the engine lock to read them.  The
 * tracker in force changes with both held.
 *
 * Copyright (c) 2026 raminate developers
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"
#include "qemu/thread.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-machine.h"
#include "qapi/qapi-visit-qom.h"
#include "qobject/qdict.h"
#include "monitor/hmp.h"
#include "monitor/monitor.h"
#include "system/cpus.h"
#include "exec/target_page.h"
#include "hostmem-container.h"
#include "raminate.h"
#include "trace.h"

#define PAGE 4096

struct RaminateEngine {
    HostMemoryBackendContainer *c;
    const char *id;
    uint32_t npages;
    RaminateSwapper *swapper;   /* the container's; swaps under the BQL */
    QemuThread thread;

    QemuMutex lock;             /* protects what follows */
    QemuCond wake;
    bool stop;
    bool rebuild;               /* policy kind or levels changed */
    RaminateParams p;           /* the knobs in force (no trace_file) */
    RaminateTracker tracker;
    RmPolicy *policy;
    char *trace_path;
    FILE *trace;
    char *placement_path;
    uint8_t *placement;         /* mapped placement-file: 1 = in NVM */
    uint64_t epochs, dirty_last, dirty_dram_last, dirty_total, dirty_dram;
    uint64_t swaps, swaps_failed, kvm_swaps, batches;
    RaminatePauseStats pause, batch;   /* .mean holds the sum */
};

static RmPolicyKind policy_kind(RaminatePolicy p)
{
    return p == RAMINATE_POLICY_CMQ ? RM_POLICY_CMQ :
           p == RAMINATE_POLICY_LRU ? RM_POLICY_LRU : RM_POLICY_NONE;
}

/* A policy over the pages as they are placed now. */
static RmPolicy *engine_new_policy(RaminateEngine *e)
{
    RmPolicyParams params = { .levels = e->p.cmq_levels,
                              .lifetime = e->p.lifetime_ms };
    g_autofree uint8_t *tier = g_new(uint8_t, e->npages);

    for (uint32_t i = 0; i < e->npages; i++) {
        tier[i] = raminate_swapper_tier(e->swapper, i) == MEMORY_TIER_NVM;
    }
    return rm_policy_new(policy_kind(e->p.placement), &params, e->npages, tier);
}

static uint32_t now_ms(void)
{
    return qemu_clock_get_ms(QEMU_CLOCK_REALTIME);
}

static void engine_scan(RaminateEngine *e, GArray *written)
{
    int64_t t0 = get_clock();
    uint64_t in_dram = 0;

    g_array_set_size(written, 0);
    bql_lock();
    raminate_tracker_collect(e->tracker, &e->c->parent_obj.mr, written);
    bql_unlock();

    qemu_mutex_lock(&e->lock);
    for (guint i = 0; i < written->len; i++) {
        uint32_t page = g_array_index(written, uint32_t, i);

        in_dram += rm_policy_tier(e->policy, page) == RM_TIER_DRAM;
    }
    rm_policy_update(e->policy, (uint32_t *)written->data, written->len,
                     now_ms());
    e->epochs++;
    e->dirty_last = written->len;
    e->dirty_dram_last = in_dram;
    e->dirty_total += written->len;
    e->dirty_dram += in_dram;
    if (e->trace) {
        fprintf(e->trace, "%" PRIu64 " %u %u", e->epochs, now_ms(),
                written->len);
        for (guint i = 0; i < written->len; i++) {
            fprintf(e->trace, " %u", g_array_index(written, uint32_t, i));
        }
        fputc('\n', e->trace);
        fflush(e->trace);
    }
    trace_raminate_scan(e->id, e->epochs, written->len, in_dram,
                        get_clock() - t0);
    qemu_mutex_unlock(&e->lock);
}

static void add_duration(RaminatePauseStats *st, uint64_t batches,
                         uint64_t ns)
{
    st->last = ns;
    st->mean += ns;
    st->max = MAX(st->max, ns);
    st->min = batches == 1 ? ns : MIN(st->min, ns);
}

static void engine_swap(RaminateEngine *e)
{
    g_autofree RmSwap *plan = NULL;
    g_autofree bool *ok = NULL;
    size_t n, room, live;
    uint32_t done = 0;
    int64_t t0, t1, t_pause = 0, t_stopped = 0, t_swapped = 0, t_resumed = 0;
    uint64_t mappings = 0, copy_ns, remap_ns;
    RmPolicyStats stats;

    qemu_mutex_lock(&e->lock);
    plan = g_new(RmSwap, e->p.max_swaps);
    n = rm_policy_plan(e->policy, plan, e->p.max_swaps);
    rm_policy_stats(e->policy, now_ms(), &stats);
    qemu_mutex_unlock(&e->lock);
    trace_raminate_plan(e->id, n, stats.hot_nvm_pages);
    if (!n) {
        return;
    }

    ok = g_new0(bool, n);
    bql_lock();
    t0 = get_clock();
    live = raminate_swapper_swap_live(e->swapper, plan, n, ok);
    /* Stay clear of vm.max_map_count: a failed remap costs a retry. */
    room = live == n ? 0 : MIN(n - live,
                               raminate_swapper_headroom(e->swapper,
                                                         &mappings));
    if (room) {
        t_pause = get_clock();
        pause_all_vcpus();
        t_stopped = get_clock();
        for (size_t i = 0; i < n && room; i++) {
            int err;

            if (ok[i]) {
                continue;
            }
            room--;
            err = raminate_swapper_swap(e->swapper, plan[i].hot, plan[i].cold);
            ok[i] = !err;
            if (err) {
                trace_raminate_swap_fail(e->id, plan[i].hot, plan[i].cold,
                                         -err);
            }
        }
        t_swapped = get_clock();
        resume_all_vcpus();
        t_resumed = get_clock();
    }
    t1 = get_clock();
    bql_unlock();
    raminate_swapper_take_times(e->swapper, &copy_ns, &remap_ns);

    qemu_mutex_lock(&e->lock);
    for (size_t i = 0; i < n; i++) {
        rm_policy_swapped(e->policy, &plan[i], ok[i]);
        done += ok[i];
        if (ok[i] && e->placement) {
            e->placement[plan[i].hot] = RM_TIER_DRAM;
            e->placement[plan[i].cold] = RM_TIER_NVM;
        }
    }
    e->swaps += done;
    e->swaps_failed += n - done;
    e->kvm_swaps += live;
    e->batches++;
    add_duration(&e->batch, e->batches, t1 - t0);
    add_duration(&e->pause, e->batches, t_resumed - t_pause);
    qemu_mutex_unlock(&e->lock);
    /* Stopping and resuming the vCPUs is what the pause costs beyond swaps. */
    trace_raminate_swap_batch(e->id, done, n - done, t_resumed - t_pause,
                              (t_resumed - t_pause) - (t_swapped - t_stopped),
                              copy_ns, remap_ns, mappings);
}

static void *engine_thread(void *opaque)
{
    RaminateEngine *e = opaque;
    g_autoptr(GArray) written = g_array_new(false, false, sizeof(uint32_t));
    int64_t next_scan, next_swap;

    rcu_register_thread();
    qemu_mutex_lock(&e->lock);
    next_scan = qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + e->p.scan_interval_ms;
    next_swap = qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + e->p.swap_interval_ms;
    while (!e->stop) {
        int64_t now = qemu_clock_get_ms(QEMU_CLOCK_REALTIME);

        if (e->rebuild) {
            RmPolicy *fresh = engine_new_policy(e);

            if (fresh) {
                rm_policy_free(e->policy);
                e->policy = fresh;
            }
            e->rebuild = false;
        }
        /* Knob changes take effect from the next interval on. */
        next_scan = MIN(next_scan, now + e->p.scan_interval_ms);
        next_swap = MIN(next_swap, now + e->p.swap_interval_ms);
        if (now < next_scan) {
            qemu_cond_timedwait(&e->wake, &e->lock, next_scan - now);
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

static bool engine_open_trace(RaminateEngine *e, const char *path,
                              Error **errp)
{
    FILE *f = NULL;

    if (path && *path) {
        f = fopen(path, "a");
        if (!f) {
            error_setg_errno(errp, errno, "raminate: cannot open trace-file=%s",
                             path);
            return false;
        }
        fprintf(f, "# raminate trace v1 container=%s pages=%u page-size=%d\n",
                e->id, e->npages, PAGE);
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

RaminateEngine *raminate_engine_start(HostMemoryBackendContainer *c,
                                      Error **errp)
{
    RaminateEngine *e = g_new0(RaminateEngine, 1);
    g_autofree RaminateSource *src = g_new0(RaminateSource,
                                            g_list_length(c->children));
    unsigned nsrc = 0;

    if (qemu_target_page_size() != PAGE || qemu_real_host_page_size() != PAGE) {
        error_setg(errp, "raminate: needs 4 KiB host and guest pages");
        g_free(e);
        return NULL;
    }
    e->c = c;
    e->id = memory_backend_container_id(c);
    e->npages = MEMORY_BACKEND(c)->size / PAGE;
    e->p = c->params;
    e->p.trace_file = e->p.placement_file = NULL;
    if (!raminate_tracker_resolve(c->params.tracker, &e->tracker, errp)) {
        g_free(e);
        return NULL;
    }
    if (!c->swapper) {
        for (GList *l = c->children; l; l = l->next) {
            HostMemoryBackendDevmem *d = l->data;

            src[nsrc++] = (RaminateSource) {
                .fd = d->fd, .phy_offset = d->phy_offset,
                .offset = d->offset, .size = MEMORY_BACKEND(d)->size,
                .tier = d->tier,
            };
        }
        c->swapper = raminate_swapper_new(c->base, MEMORY_BACKEND(c)->size,
                                          src, nsrc, errp);
    }
    e->swapper = c->swapper;
    e->policy = e->swapper ? engine_new_policy(e) : NULL;
    if (e->swapper && !e->policy) {
        error_setg(errp, "raminate: out of memory for the placement policy");
    }
    if (!e->policy || !engine_open_trace(e, c->params.trace_file, errp) ||
        !engine_open_placement(e, c->params.placement_file, errp) ||
        !raminate_tracker_start(e->tracker, &c->parent_obj.mr, errp)) {
        error_prepend(errp, "memory-backend-container '%s': ", e->id);
        rm_policy_free(e->policy);
        g_free(e);
        return NULL;
    }
    qemu_mutex_init(&e->lock);
    qemu_cond_init(&e->wake);
    qemu_thread_create(&e->thread, "raminate", engine_thread, e,
                       QEMU_THREAD_JOINABLE);
    return e;
}

void raminate_engine_stop(RaminateEngine *e)
{
    qemu_mutex_lock(&e->lock);
    e->stop = true;
    qemu_cond_signal(&e->wake);
    qemu_mutex_unlock(&e->lock);
    /* The thread may be waiting for the BQL to finish its epoch. */
    bql_unlock();
    qemu_thread_join(&e->thread);
    bql_lock();
    raminate_tracker_stop(e->tracker);
    if (e->trace) {
        fclose(e->trace);
    }
    g_free(e->trace_path);
    engine_open_placement(e, NULL, NULL);
    rm_policy_free(e->policy);
    qemu_cond_destroy(&e->wake);
    qemu_mutex_destroy(&e->lock);
    g_free(e);
}

bool raminate_engine_reconfigure(RaminateEngine *e, Error **errp)
{
    const RaminateParams *want = &e->c->params;
    RaminateTracker tracker;
    bool ok = true;

    if (!raminate_tracker_resolve(want->tracker, &tracker, errp) ||
        (tracker != e->tracker &&
         !raminate_tracker_start(tracker, &e->c->parent_obj.mr, errp))) {
        return false;
    }
    qemu_mutex_lock(&e->lock);
    if (g_strcmp0(want->trace_file, e->trace_path)) {
        ok = engine_open_trace(e, want->trace_file, errp);
    }
    if (ok && g_strcmp0(want->placement_file, e->placement_path)) {
        ok = engine_open_placement(e, want->placement_file, errp);
    }
    if (ok) {
        e->rebuild = want->placement != e->p.placement ||
                     want->cmq_levels != e->p.cmq_levels;
        e->p = *want;
        e->p.trace_file = e->p.placement_file = NULL;
        if (tracker != e->tracker) {
            raminate_tracker_stop(e->tracker);
            e->tracker = tracker;
        }
        rm_policy_set_lifetime(e->policy, want->lifetime_ms);
        qemu_cond_signal(&e->wake);
    } else if (tracker != e->tracker) {
        raminate_tracker_stop(tracker);
    }
    qemu_mutex_unlock(&e->lock);
    return ok;
}

/* --- monitor ---------------------------------------------------------- */

static int add_info(Object *obj, void *opaque)
{
    RaminateInfoList ***tail = opaque;
    HostMemoryBackendContainer *c = (HostMemoryBackendContainer *)
        object_dynamic_cast(obj, TYPE_MEMORY_BACKEND_CONTAINER);
    RaminateEngine *e;
    RaminateInfo *info;
    RmPolicyStats stats = { 0 };

    if (!c) {
        return 0;
    }
    e = c->engine;
    info = g_new0(RaminateInfo, 1);
    info->id = g_strdup(memory_backend_container_id(c));
    info->enabled = e != NULL;
    info->tracker = c->params.tracker;
    info->placement = c->params.placement;
    info->scan_interval_ms = c->params.scan_interval_ms;
    info->swap_interval_ms = c->params.swap_interval_ms;
    info->max_swaps = c->params.max_swaps;
    info->cmq_levels = c->params.cmq_levels;
    info->lifetime_ms = c->params.lifetime_ms;
    info->pause_ns = g_new0(RaminatePauseStats, 1);
    info->batch_ns = g_new0(RaminatePauseStats, 1);
    info->swapper = c->swapper ? raminate_swapper_method(c->swapper)
                               : RAMINATE_SWAP_METHOD_REMAP;
    if (e) {
        qemu_mutex_lock(&e->lock);
        rm_policy_stats(e->policy, now_ms(), &stats);
        info->tracker = e->tracker;
        info->epochs = e->epochs;
        info->dirty_pages = e->dirty_last;
        info->dirty_dram_pages = e->dirty_dram_last;
        info->dirty_total = e->dirty_total;
        info->dirty_dram_total = e->dirty_dram;
        info->swaps = e->swaps;
        info->swaps_failed = e->swaps_failed;
        info->kvm_swaps = e->kvm_swaps;
        info->batches = e->batches;
        *info->pause_ns = e->pause;
        *info->batch_ns = e->batch;
        info->pause_ns->mean = e->batches ? e->pause.mean / e->batches : 0;
        info->batch_ns->mean = e->batches ? e->batch.mean / e->batches : 0;
        qemu_mutex_unlock(&e->lock);
    }
    info->dram_pages = stats.dram_pages;
    info->nvm_pages = stats.nvm_pages;
    info->hot_nvm_pages = stats.hot_nvm_pages;
    QAPI_LIST_APPEND(*tail, info);
    return 0;
}

RaminateInfoList *qmp_query_raminate(Error **errp)
{
    RaminateInfoList *list = NULL, **tail = &list;

    object_child_foreach(object_get_objects_root(), add_info, &tail);
    return list;
}

void qmp_raminate_save_placement(const char *id, const char *filename,
                                 Error **errp)
{
    Object *obj = object_resolve_path_component(object_get_objects_root(), id);
    HostMemoryBackendContainer *c;
    g_autofree uint32_t *slots = NULL;
    uint32_t npages;

    c = obj ? (HostMemoryBackendContainer *)
              object_dynamic_cast(obj, TYPE_MEMORY_BACKEND_CONTAINER) : NULL;
    if (!c) {
        error_setg(errp, "raminate-save-placement: '%s' is not a "
                   "memory-backend-container", id);
        return;
    }
    npages = MEMORY_BACKEND(c)->size / PAGE;
    slots = g_new(uint32_t, npages);
    /* Swaps happen under the BQL, which we hold: a consistent picture. */
    for (uint32_t i = 0; i < npages; i++) {
        slots[i] = cpu_to_le32(c->swapper ?
                               raminate_swapper_storage(c->swapper, i) : i);
    }
    if (!g_file_set_contents(filename, (char *)slots,
                             npages * sizeof(*slots), NULL)) {
        error_setg(errp, "raminate-save-placement: cannot write %s",
                   filename);
    }
}

void hmp_info_raminate(Monitor *mon, const QDict *qdict)
{
    g_autoptr(RaminateInfoList) list = qmp_query_raminate(NULL);

    for (RaminateInfoList *l = list; l; l = l->next) {
        RaminateInfo *i = l->value;

        monitor_printf(mon, "%s: %s, tracker %s, placement %s\n", i->id,
                       i->enabled ? "on" : "off",
                       RaminateTracker_str(i->tracker),
                       RaminatePolicy_str(i->placement));
        monitor_printf(mon, "  scan %u ms, swap %u ms, max-swaps %u, "
                       "cmq-levels %u, lifetime %u ms\n",
                       i->scan_interval_ms, i->swap_interval_ms,
                       i->max_swaps, i->cmq_levels, i->lifetime_ms);
        monitor_printf(mon, "  epochs %" PRIu64 ", written last epoch %"
                       PRIu64 " (%" PRIu64 " in DRAM), in all %" PRIu64
                       " (%" PRIu64 " in DRAM)\n", i->epochs, i->dirty_pages,
                       i->dirty_dram_pages, i->dirty_total,
                       i->dirty_dram_total);
        monitor_printf(mon, "  pages: %" PRIu64 " DRAM, %" PRIu64 " NVM, %"
                       PRIu64 " hot in NVM\n", i->dram_pages, i->nvm_pages,
                       i->hot_nvm_pages);
        monitor_printf(mon, "  swaps %" PRIu64 " (%" PRIu64 " by KVM), "
                       "failed %" PRIu64 ", in %" PRIu64 " batches, swapper "
                       "%s\n", i->swaps, i->kvm_swaps, i->swaps_failed,
                       i->batches, RaminateSwapMethod_str(i->swapper));
        monitor_printf(mon, "  per batch (us): pause last %" PRIu64 " min %"
                       PRIu64 " mean %" PRIu64 " max %" PRIu64 "; time last %"
                       PRIu64 " mean %" PRIu64 " max %" PRIu64 "\n",
                       i->pause_ns->last / 1000, i->pause_ns->min / 1000,
                       i->pause_ns->mean / 1000, i->pause_ns->max / 1000,
                       i->batch_ns->last / 1000, i->batch_ns->mean / 1000,
                       i->batch_ns->max / 1000);
    }
}
