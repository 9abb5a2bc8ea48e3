/*
 * raminate: query-raminate, raminate-save-placement and info raminate
 *
 * What the monitor shows of each memory-backend-container: its knobs, and
 * the statistics of its engine and swapper where they run.
 *
 * Copyright (c) 2026 raminate developers
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-machine.h"
#include "qapi/util.h"
#include "qobject/qdict.h"
#include "monitor/hmp.h"
#include "monitor/monitor.h"
#include "hostmem-container.h"
#include "raminate.h"

static RaminatePauseStats *pause_stats(const RaminateDuration *d,
                                       uint64_t batches)
{
    RaminatePauseStats *ps = g_new0(RaminatePauseStats, 1);

    ps->last = d->last;
    ps->min = d->min;
    ps->max = d->max;
    ps->mean = batches ? d->total / batches : 0;
    return ps;
}

static int add_info(Object *obj, void *opaque)
{
    RaminateInfoList ***tail = opaque;
    HostMemoryBackendContainer *c = (HostMemoryBackendContainer *)
        object_dynamic_cast(obj, TYPE_MEMORY_BACKEND_CONTAINER);
    RaminateEngineStats st = { 0 };
    RaminateInfo *info;

    if (!c) {
        return 0;
    }
    if (c->engine) {
        raminate_engine_get_stats(c->engine, &st);
    } else {
        st.tracker = c->params.tracker;
    }
    info = g_new0(RaminateInfo, 1);
    info->id = g_strdup(memory_backend_container_id(c));
    info->enabled = c->engine != NULL;
    info->tracker = st.tracker;
    info->placement = c->params.placement;
    info->scan_interval_ms = c->params.scan_interval_ms;
    info->swap_interval_ms = c->params.swap_interval_ms;
    info->max_swaps = c->params.max_swaps;
    info->cmq_levels = c->params.cmq_levels;
    info->lifetime_ms = c->params.lifetime_ms;
    info->clock = c->params.clock;
    info->epochs = st.epochs;
    info->dirty_pages = st.dirty_last;
    info->dirty_dram_pages = st.dirty_dram_last;
    info->dirty_total = st.dirty_total;
    info->dirty_dram_total = st.dirty_dram_total;
    info->dram_pages = st.pages.dram_pages;
    info->nvm_pages = st.pages.nvm_pages;
    info->hot_nvm_pages = st.pages.hot_nvm_pages;
    info->swaps = st.swaps;
    info->swaps_failed = st.swaps_failed;
    info->swaps_deferred = st.swaps_deferred;
    info->kvm_swaps = st.live_swaps;
    info->batches = st.batches;
    info->pause_ns = pause_stats(&st.pause, st.batches);
    info->batch_ns = pause_stats(&st.batch, st.batches);
    info->swap_dram_write_bytes = st.swap_written[MEMORY_TIER_DRAM];
    info->swap_nvm_write_bytes = st.swap_written[MEMORY_TIER_NVM];
    info->swapper = c->swapper ?
        qapi_enum_parse(&RaminateSwapMethod_lookup,
                        raminate_swapper_name(c->swapper), -1, &error_abort) :
        RAMINATE_SWAP_METHOD_REMAP;
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
    npages = MEMORY_BACKEND(c)->size / RAMINATE_PAGE_SIZE;
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
                       "cmq-levels %u, lifetime %u ms, clock %s\n",
                       i->scan_interval_ms, i->swap_interval_ms,
                       i->max_swaps, i->cmq_levels, i->lifetime_ms,
                       RaminateClock_str(i->clock));
        monitor_printf(mon, "  epochs %" PRIu64 ", written last epoch %"
                       PRIu64 " (%" PRIu64 " in DRAM), in all %" PRIu64
                       " (%" PRIu64 " in DRAM)\n", i->epochs, i->dirty_pages,
                       i->dirty_dram_pages, i->dirty_total,
                       i->dirty_dram_total);
        monitor_printf(mon, "  pages: %" PRIu64 " DRAM, %" PRIu64 " NVM, %"
                       PRIu64 " hot in NVM\n", i->dram_pages, i->nvm_pages,
                       i->hot_nvm_pages);
        monitor_printf(mon, "  swaps %" PRIu64 " (%" PRIu64 " by KVM), "
                       "failed %" PRIu64 ", deferred %" PRIu64 ", in %" PRIu64
                       " batches, swapper %s\n", i->swaps, i->kvm_swaps,
                       i->swaps_failed, i->swaps_deferred, i->batches,
                       RaminateSwapMethod_str(i->swapper));
        monitor_printf(mon, "  the swaps wrote %" PRIu64 " bytes into DRAM, %"
                       PRIu64 " into NVM\n", i->swap_dram_write_bytes,
                       i->swap_nvm_write_bytes);
        monitor_printf(mon, "  per batch (us): pause last %" PRIu64 " min %"
                       PRIu64 " mean %" PRIu64 " max %" PRIu64 "; time last %"
                       PRIu64 " mean %" PRIu64 " max %" PRIu64 "\n",
                       i->pause_ns->last / 1000, i->pause_ns->min / 1000,
                       i->pause_ns->mean / 1000, i->pause_ns->max / 1000,
                       i->batch_ns->last / 1000, i->batch_ns->mean / 1000,
                       i->batch_ns->max / 1000);
    }
}
