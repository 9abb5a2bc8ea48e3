/*
 * raminate: memory-backend-container
 *
 * One guest RAM object of @size whose bytes come from memory-backend-devmem
 * children that tile [0, size) exactly.  The container reserves one host
 * virtual range and each child maps its source into it at its offset, so
 * the rest of QEMU sees a normal memdev whose pages are the bytes of the
 * children's sources.
 *
 * Copyright (c) 2026 raminate developers
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/module.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "qapi/qapi-visit-qom.h"
#include "qapi/util.h"
#include "qapi/visitor.h"
#include "qom/object_interfaces.h"
#include "hw/qdev-core.h"
#include "system/system.h"
#include "hostmem-container.h"

/*
 * Align the reservation so that children can be mapped with huge pages
 * (device-dax regions are usually 2 MiB aligned).
 */
#define CONTAINER_ALIGN (2 * MiB)

const char *memory_backend_container_id(void *obj)
{
    const char *id = object_get_canonical_path_component(OBJECT(obj));

    return id ? id : "(unnamed)";
}

static void *reserve_range(void *at, size_t size)
{
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;

    return mmap(at, size, PROT_NONE, at ? flags | MAP_FIXED : flags, -1, 0);
}

static bool
container_backend_memory_alloc(HostMemoryBackend *backend, Error **errp)
{
    HostMemoryBackendContainer *c = MEMORY_BACKEND_CONTAINER(backend);
    g_autofree char *name = host_memory_backend_get_name(backend);
    size_t pagesize = qemu_real_host_page_size();
    uint8_t *area, *base;

    if (!backend->size) {
        error_setg(errp, "memory-backend-container '%s': size must be set "
                   "and non-zero", memory_backend_container_id(c));
        return false;
    }
    if (!QEMU_IS_ALIGNED(backend->size, pagesize)) {
        error_setg(errp, "memory-backend-container '%s': size 0x%" PRIx64
                   " is not a multiple of the host page size (0x%zx)",
                   memory_backend_container_id(c), backend->size, pagesize);
        return false;
    }
    if (backend->prealloc) {
        error_setg(errp, "memory-backend-container '%s': prealloc is not "
                   "supported: the memory comes from the devmem children; "
                   "drop prealloc=on", memory_backend_container_id(c));
        return false;
    }
    if (backend->policy != HOST_MEM_POLICY_DEFAULT) {
        error_setg(errp, "memory-backend-container '%s': policy is not "
                   "supported: the children's sources decide where the "
                   "memory is; drop policy= and host-nodes=",
                   memory_backend_container_id(c));
        return false;
    }

    area = reserve_range(NULL, backend->size + CONTAINER_ALIGN);
    if (area == MAP_FAILED) {
        error_setg_errno(errp, errno, "memory-backend-container '%s': cannot "
                         "reserve 0x%" PRIx64 " bytes of address space",
                         memory_backend_container_id(c), backend->size);
        return false;
    }
    base = QEMU_ALIGN_PTR_UP(area, CONTAINER_ALIGN);
    if (base > area) {
        munmap(area, base - area);
    }
    munmap(base + backend->size, area + CONTAINER_ALIGN - base);
    c->base = base;

    /*
     * Containers on the command line are checked once all objects exist
     * (see container_check_all); one created at run time stays unusable
     * until its children tile it.
     */
    if (phase_check(PHASE_MACHINE_READY)) {
        c->held_until_tiled = true;
        host_memory_backend_set_mapped(backend, true);
    }

    memory_region_init_ram_ptr(&backend->mr, OBJECT(backend), name,
                               backend->size, base);
    /* Before any device maps it: the swapper leaves mapped pages alone. */
    qemu_ram_track_dma(backend->mr.ram_block);
    /* Memory devices place and size the region by this; 0 would divide. */
    backend->mr.align = pagesize;
    return true;
}

static bool container_has_tier(HostMemoryBackendContainer *c, MemoryTier t)
{
    for (GList *l = c->children; l; l = l->next) {
        if (((HostMemoryBackendDevmem *)l->data)->tier == t) {
            return true;
        }
    }
    return false;
}

/* A swapper over the sources of @c's children. */
static RaminateSwapper *container_new_swapper(HostMemoryBackendContainer *c,
                                              Error **errp)
{
    g_autofree RaminateSource *src = g_new0(RaminateSource,
                                            g_list_length(c->children));
    unsigned nsrc = 0;

    for (GList *l = c->children; l; l = l->next) {
        HostMemoryBackendDevmem *d = l->data;

        src[nsrc++] = (RaminateSource) {
            .fd = d->fd, .phy_offset = d->phy_offset,
            .offset = d->offset, .size = MEMORY_BACKEND(d)->size,
            .page_size = d->page_size, .tier = d->tier,
        };
    }
    return raminate_swapper_new(memory_backend_container_id(c), c->base,
                                MEMORY_BACKEND(c)->size, src, nsrc, errp);
}

/*
 * Run RAMinate exactly when it is enabled on a tiled container that has
 * both DRAM and NVM, once the machine (and so the accelerator) is ready.
 */
static bool container_update_engine(HostMemoryBackendContainer *c,
                                    Error **errp)
{
    bool want = c->params.enabled && phase_check(PHASE_MACHINE_READY) &&
                container_has_tier(c, MEMORY_TIER_DRAM) &&
                container_has_tier(c, MEMORY_TIER_NVM) &&
                memory_backend_container_check_tiled(c, NULL);

    if (want && !c->engine) {
        RaminateEngineConfig cfg = {
            .id = memory_backend_container_id(c),
            .mr = &c->parent_obj.mr,
        };

        if (!c->swapper) {
            c->swapper = container_new_swapper(c, errp);
            if (!c->swapper) {
                error_prepend(errp, "memory-backend-container '%s': ",
                              cfg.id);
                return false;
            }
        }
        cfg.swapper = c->swapper;
        c->engine = raminate_engine_start(&cfg, &c->params, errp);
        return c->engine != NULL;
    }
    if (!want && c->engine) {
        raminate_engine_stop(c->engine);
        c->engine = NULL;
    }
    return true;
}

static gint child_by_offset(gconstpointer a, gconstpointer b)
{
    const HostMemoryBackendDevmem *x = a, *y = b;

    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

bool memory_backend_container_attach(HostMemoryBackendContainer *c,
                                     HostMemoryBackendDevmem *child,
                                     Error **errp)
{
    uint64_t csize = MEMORY_BACKEND(c)->size;
    uint64_t size = MEMORY_BACKEND(child)->size;
    const char *cid = memory_backend_container_id(c);
    const char *id = memory_backend_container_id(child);
    void *p;
    GList *l;

    if (child->offset >= csize || size > csize - child->offset) {
        error_setg(errp, "memory-backend-devmem '%s': offset=0x%" PRIx64
                   " size=0x%" PRIx64 " ends past the end of its parent "
                   "'%s' (size=0x%" PRIx64 ")", id, child->offset, size,
                   cid, csize);
        error_append_hint(errp, "Children must tile [0, size) of the "
                          "container: fix offset= or size=.\n");
        return false;
    }
    for (l = c->children; l; l = l->next) {
        HostMemoryBackendDevmem *o = l->data;
        uint64_t osize = MEMORY_BACKEND(o)->size;

        if (child->offset < o->offset + osize &&
            o->offset < child->offset + size) {
            error_setg(errp, "memory-backend-devmem '%s': [0x%" PRIx64
                       ", 0x%" PRIx64 ") overlaps '%s' [0x%" PRIx64
                       ", 0x%" PRIx64 ") in container '%s'", id,
                       child->offset, child->offset + size,
                       memory_backend_container_id(o), o->offset,
                       o->offset + osize, cid);
            error_append_hint(errp, "Each byte of a container comes from "
                              "exactly one child: fix offset= or size=.\n");
            return false;
        }
    }

    p = mmap(c->base + child->offset, size, PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_FIXED, child->fd, child->phy_offset);
    if (p == MAP_FAILED) {
        int err = errno;

        /* A failed MAP_FIXED may have unmapped part of the reservation. */
        reserve_range(c->base + child->offset, size);
        error_setg_errno(errp, err, "memory-backend-devmem '%s': cannot map "
                         "%s [0x%" PRIx64 ", 0x%" PRIx64 ")", id, child->path,
                         child->phy_offset, child->phy_offset + size);
        if (err == EPERM || err == EACCES) {
            error_append_hint(errp, "For /dev/mem: QEMU needs CAP_SYS_RAWIO, "
                              "and a host kernel with CONFIG_STRICT_DEVMEM "
                              "maps only ranges it does not use as RAM: "
                              "reserve one at boot with "
                              "memmap=<size>$<address>.\n");
        } else if (err == EINVAL) {
            error_append_hint(errp, "device-dax needs phy-offset=, offset= "
                              "and size= aligned to the device's align "
                              "(/sys/bus/dax/devices/DEV/align).\n");
        }
        return false;
    }

    c->children = g_list_insert_sorted(c->children, child, child_by_offset);
    if (!container_update_engine(c, errp)) {
        c->children = g_list_remove(c->children, child);
        reserve_range(c->base + child->offset, size);
        return false;
    }
    if (c->held_until_tiled && memory_backend_container_check_tiled(c, NULL)) {
        c->held_until_tiled = false;
        host_memory_backend_set_mapped(MEMORY_BACKEND(c), false);
    }
    return true;
}

void memory_backend_container_detach(HostMemoryBackendContainer *c,
                                     HostMemoryBackendDevmem *child)
{
    if (c->engine) {
        raminate_engine_stop(c->engine);
        c->engine = NULL;
    }
    reserve_range(c->base + child->offset, MEMORY_BACKEND(child)->size);
    c->children = g_list_remove(c->children, child);
    if (c->swapper) {
        /*
         * Pages moved by RAMinate may live in the departing child: put the
         * others back home.  The container is unused (or deletion would
         * have been refused), so its bytes do not matter.
         */
        raminate_swapper_free(c->swapper);
        c->swapper = NULL;
        for (GList *l = c->children; l; l = l->next) {
            HostMemoryBackendDevmem *o = l->data;

            if (mmap(c->base + o->offset, MEMORY_BACKEND(o)->size,
                     PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, o->fd,
                     o->phy_offset) == MAP_FAILED) {
                reserve_range(c->base + o->offset, MEMORY_BACKEND(o)->size);
            }
        }
    }
}

bool memory_backend_container_check_tiled(HostMemoryBackendContainer *c,
                                          Error **errp)
{
    uint64_t csize = MEMORY_BACKEND(c)->size;
    uint64_t end = 0;
    GList *l;

    if (!c->children) {
        error_setg(errp, "memory-backend-container '%s' has no children",
                   memory_backend_container_id(c));
        error_append_hint(errp, "Add memory-backend-devmem objects with "
                          "parent=%s that cover [0, 0x%" PRIx64 ").\n",
                          memory_backend_container_id(c), csize);
        return false;
    }
    /* Children are sorted by offset and do not overlap. */
    for (l = c->children; l; l = l->next) {
        HostMemoryBackendDevmem *o = l->data;

        if (o->offset != end) {
            break;
        }
        end = o->offset + MEMORY_BACKEND(o)->size;
    }
    if (end == csize) {
        return true;
    }
    error_setg(errp, "memory-backend-container '%s' (size=0x%" PRIx64 "): "
               "no child covers [0x%" PRIx64 ", 0x%" PRIx64 ")",
               memory_backend_container_id(c), csize, end,
               l ? ((HostMemoryBackendDevmem *)l->data)->offset : csize);
    error_append_hint(errp, "Add a memory-backend-devmem with parent=%s,"
                      "offset=0x%" PRIx64 " or fix the children's offset= "
                      "and size= so that they add up to the container's "
                      "size.\n", memory_backend_container_id(c), end);
    return false;
}

static int container_check_one(Object *obj, void *opaque)
{
    HostMemoryBackendContainer *c = (HostMemoryBackendContainer *)
        object_dynamic_cast(obj, TYPE_MEMORY_BACKEND_CONTAINER);
    Error *err = NULL;

    if (!c) {
        return 0;
    }
    for (GList *l = c->children; l; l = l->next) {
        if (!memory_backend_devmem_check_direct_io(l->data, &err)) {
            error_report_err(err);
            return -1;
        }
    }
    if ((!c->held_until_tiled &&
         !memory_backend_container_check_tiled(c, &err)) ||
        !container_update_engine(c, &err)) {
        error_report_err(err);
        return -1;
    }
    return 0;
}

/*
 * Children are created after their container, so a container given on the
 * command line can only be checked once every -object exists.  This runs
 * before the first reset, when nothing has touched guest memory yet, and
 * once the accelerator is known, so RAMinate starts here too.
 */
static void container_check_all(Notifier *n, void *unused)
{
    if (object_child_foreach(object_get_objects_root(),
                             container_check_one, NULL)) {
        exit(EXIT_FAILURE);
    }
}

static Notifier container_check_notifier = {
    .notify = container_check_all,
};

static bool container_backend_can_be_deleted(UserCreatable *uc)
{
    HostMemoryBackendContainer *c = MEMORY_BACKEND_CONTAINER(uc);

    /* Children hold the container; delete them first. */
    return !c->children && (c->held_until_tiled ||
                            !host_memory_backend_is_mapped(&c->parent_obj));
}

static void container_backend_instance_init(Object *obj)
{
    static bool notifier_added;

    /*
     * Children map their sources shared.  The knobs have their defaults
     * already: QOM set them from the knob table before instance_init.
     */
    MEMORY_BACKEND(obj)->share = true;
    if (!notifier_added && !phase_check(PHASE_MACHINE_READY)) {
        notifier_added = true;
        qemu_add_machine_init_done_notifier(&container_check_notifier);
    }
}

static void container_backend_instance_finalize(Object *obj)
{
    HostMemoryBackendContainer *c = MEMORY_BACKEND_CONTAINER(obj);

    if (c->engine) {
        raminate_engine_stop(c->engine);
    }
    raminate_swapper_free(c->swapper);
    if (c->base) {
        munmap(c->base, MEMORY_BACKEND(obj)->size);
    }
    g_free(c->params.trace_file);
    g_free(c->params.placement_file);
}

/* --- RAMinate knobs ---------------------------------------------------- */

/* Apply a knob change to a running engine, or fail without it. */
static bool container_reconfigure_engine(HostMemoryBackendContainer *c,
                                         Error **errp)
{
    return !c->engine ||
           raminate_engine_reconfigure(c->engine, &c->params, errp);
}

static const char *policy_summary(int value)
{
    return rm_policy_find(RaminatePolicy_str(value))->summary;
}

static const char *clock_summary(int value)
{
    static const char *const summary[RAMINATE_CLOCK__MAX] = {
        [RAMINATE_CLOCK_REALTIME] = "host time",
        [RAMINATE_CLOCK_VIRTUAL] = "guest time; with -icount, instructions",
    };

    return summary[value];
}

typedef enum KnobType {
    KNOB_BOOL,
    KNOB_ENUM,
    KNOB_UINT8,
    KNOB_UINT32,
    KNOB_STR,
} KnobType;

/*
 * A knob: a container property over a field of RaminateParams.  This table
 * is the one place a knob's name, type, range, default and description are
 * written: class_init registers the properties from it with their
 * defaults, which QOM sets before instance_init, prints in
 * "-object memory-backend-container,help" and reports through
 * qom-list-properties (where scripts read them).
 */
typedef struct RaminateKnob {
    const char *name;
    KnobType type;
    size_t offset;              /* in RaminateParams */
    uint32_t min, max;          /* numbers: the accepted range */
    uint32_t def;               /* the default, but for strings */
    const char *qapi_type;      /* enums: the QAPI type and its values */
    const QEnumLookup *lookup;
    const char *(*value_summary)(int value);  /* enums, if they have one */
    /* Make a change take effect, or fail without it. */
    bool (*apply)(HostMemoryBackendContainer *c, Error **errp);
    const char *description;
} RaminateKnob;

#define FIELD(f) offsetof(RaminateParams, f)

static const RaminateKnob knobs[] = {
    { "raminate", KNOB_BOOL, FIELD(enabled), .def = true,
      .apply = container_update_engine,
      .description = "Keep write-hot pages in DRAM" },
    { "tracker", KNOB_ENUM, FIELD(tracker), .def = RAMINATE_TRACKER_AUTO,
      .qapi_type = "RaminateTracker", .lookup = &RaminateTracker_lookup,
      .apply = container_reconfigure_engine,
      .description = "How writes are tracked" },
    { "placement", KNOB_ENUM, FIELD(placement), .def = RAMINATE_POLICY_CMQ,
      .qapi_type = "RaminatePolicy", .lookup = &RaminatePolicy_lookup,
      .value_summary = policy_summary, .apply = container_reconfigure_engine,
      .description = "Placement policy" },
    { "scan-interval-ms", KNOB_UINT32, FIELD(scan_interval_ms),
      10, 3600000, 1000, .apply = container_reconfigure_engine,
      .description = "Epoch length in ms" },
    { "swap-interval-ms", KNOB_UINT32, FIELD(swap_interval_ms),
      10, 86400000, 5000, .apply = container_reconfigure_engine,
      .description = "Swap interval in ms" },
    { "max-swaps", KNOB_UINT32, FIELD(max_swaps), 1, 1 << 20, 1000,
      .apply = container_reconfigure_engine,
      .description = "Most page pairs swapped per interval" },
    { "cmq-levels", KNOB_UINT8, FIELD(cmq_levels), 1, RM_MAX_LEVELS, 8,
      .apply = container_reconfigure_engine,
      .description = "CMQ queue levels" },
    { "lifetime-ms", KNOB_UINT32, FIELD(lifetime_ms), 1, 86400000, 5000,
      .apply = container_reconfigure_engine,
      .description = "CMQ life time in ms" },
    { "clock", KNOB_ENUM, FIELD(clock), .def = RAMINATE_CLOCK_REALTIME,
      .qapi_type = "RaminateClock", .lookup = &RaminateClock_lookup,
      .value_summary = clock_summary, .apply = container_reconfigure_engine,
      .description = "Clock of the intervals and the life time" },
    { "trace-file", KNOB_STR, FIELD(trace_file),
      .apply = container_reconfigure_engine,
      .description = "Append each epoch's written pages to this file" },
    { "placement-file", KNOB_STR, FIELD(placement_file),
      .apply = container_reconfigure_engine,
      .description = "Keep each page's tier here, live: a byte per page, "
                     "1 = NVM" },
};

static void *knob_field(HostMemoryBackendContainer *c, const RaminateKnob *k)
{
    return (char *)&c->params + k->offset;
}

static void container_get_knob(Object *obj, Visitor *v, const char *name,
                               void *opaque, Error **errp)
{
    const RaminateKnob *k = opaque;
    void *field = knob_field(MEMORY_BACKEND_CONTAINER(obj), k);
    g_autofree char *str = NULL;
    int value;

    switch (k->type) {
    case KNOB_BOOL:
        visit_type_bool(v, name, field, errp);
        break;
    case KNOB_ENUM:
        value = *(int *)field;
        visit_type_enum(v, name, &value, k->lookup, errp);
        break;
    case KNOB_UINT8:
        visit_type_uint8(v, name, field, errp);
        break;
    case KNOB_UINT32:
        visit_type_uint32(v, name, field, errp);
        break;
    case KNOB_STR:
        str = g_strdup(*(char **)field ?: "");
        visit_type_str(v, name, &str, errp);
        break;
    }
}

/* Whether @value is in @k's range; explains why not. */
static bool knob_in_range(Object *obj, const RaminateKnob *k, uint32_t value,
                          Error **errp)
{
    const char *id = object_get_canonical_path_component(obj);

    if (value >= k->min && value <= k->max) {
        return true;
    }
    error_setg(errp, "%s=%u is out of range: use %u to %u", k->name, value,
               k->min, k->max);
    /* Name the container, once it has an id (not while -object is parsed). */
    if (id) {
        error_prepend(errp, "memory-backend-container '%s': ", id);
    }
    return false;
}

/* Read the knob's new value from @v into @field; false on a bad value. */
static bool knob_visit(Object *obj, const RaminateKnob *k, Visitor *v,
                       void *field, Error **errp)
{
    uint8_t u8;
    uint32_t u32;
    int value;

    switch (k->type) {
    case KNOB_BOOL:
        return visit_type_bool(v, k->name, field, errp);
    case KNOB_ENUM:
        if (!visit_type_enum(v, k->name, &value, k->lookup, errp)) {
            return false;
        }
        *(int *)field = value;
        return true;
    case KNOB_UINT8:
        if (!visit_type_uint8(v, k->name, &u8, errp) ||
            !knob_in_range(obj, k, u8, errp)) {
            return false;
        }
        *(uint8_t *)field = u8;
        return true;
    case KNOB_UINT32:
        if (!visit_type_uint32(v, k->name, &u32, errp) ||
            !knob_in_range(obj, k, u32, errp)) {
            return false;
        }
        *(uint32_t *)field = u32;
        return true;
    case KNOB_STR:
        return visit_type_str(v, k->name, field, errp);
    }
    g_assert_not_reached();
}

static void container_set_knob(Object *obj, Visitor *v, const char *name,
                               void *opaque, Error **errp)
{
    HostMemoryBackendContainer *c = MEMORY_BACKEND_CONTAINER(obj);
    const RaminateKnob *k = opaque;
    void *field = knob_field(c, k);
    RaminateParams old = c->params;

    if (!knob_visit(obj, k, v, field, errp)) {
        c->params = old;
        return;
    }
    if (!k->apply(c, errp)) {
        if (k->type == KNOB_STR) {
            g_free(*(char **)field);
        }
        c->params = old;
        return;
    }
    if (k->type == KNOB_STR) {
        g_free(*(char **)((char *)&old + k->offset));
    }
}

/* The knob's description, with its range or values. */
static char *knob_description(const RaminateKnob *k)
{
    GString *s = g_string_new(k->description);

    if (k->type == KNOB_UINT8 || k->type == KNOB_UINT32) {
        g_string_append_printf(s, ", %u to %u", k->min, k->max);
    }
    for (int i = 0; k->type == KNOB_ENUM && i < k->lookup->size; i++) {
        g_string_append(s, i == 0 ? ": " :
                           i == k->lookup->size - 1 ? " or " : ", ");
        g_string_append(s, k->lookup->array[i]);
        if (k->value_summary) {
            g_string_append_printf(s, " (%s)", k->value_summary(i));
        }
    }
    return g_string_free(s, false);
}

static void container_class_init_knobs(ObjectClass *oc)
{
    static const char *const type_names[] = {
        [KNOB_BOOL] = "bool", [KNOB_UINT8] = "uint8",
        [KNOB_UINT32] = "uint32", [KNOB_STR] = "str",
    };

    /* The placement= values are the policy library's names. */
    for (int i = 0; i < RAMINATE_POLICY__MAX; i++) {
        assert(rm_policy_find(RaminatePolicy_str(i)));
    }
    for (size_t i = 0; i < ARRAY_SIZE(knobs); i++) {
        const RaminateKnob *k = &knobs[i];
        g_autofree char *desc = knob_description(k);
        ObjectProperty *op;

        op = object_class_property_add(oc, k->name,
                                       k->qapi_type ?: type_names[k->type],
                                       container_get_knob, container_set_knob,
                                       NULL, (void *)k);
        object_class_property_set_description(oc, k->name, desc);
        switch (k->type) {
        case KNOB_BOOL:
            object_property_set_default_bool(op, k->def);
            break;
        case KNOB_ENUM:
            object_property_set_default_str(op,
                                            qapi_enum_lookup(k->lookup,
                                                             k->def));
            break;
        case KNOB_UINT8:
        case KNOB_UINT32:
            object_property_set_default_uint(op, k->def);
            break;
        case KNOB_STR:
            break;
        }
    }
}

static void container_backend_class_init(ObjectClass *oc, void *data)
{
    HostMemoryBackendClass *bc = MEMORY_BACKEND_CLASS(oc);
    UserCreatableClass *ucc = USER_CREATABLE_CLASS(oc);

    bc->alloc = container_backend_memory_alloc;
    ucc->can_be_deleted = container_backend_can_be_deleted;
    container_class_init_knobs(oc);
}

static const TypeInfo container_backend_info = {
    .name = TYPE_MEMORY_BACKEND_CONTAINER,
    .parent = TYPE_MEMORY_BACKEND,
    .instance_init = container_backend_instance_init,
    .instance_finalize = container_backend_instance_finalize,
    .class_init = container_backend_class_init,
    .instance_size = sizeof(HostMemoryBackendContainer),
};

static void register_types(void)
{
    type_register_static(&container_backend_info);
}

type_init(register_types);
