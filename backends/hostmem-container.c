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
        c->engine = raminate_engine_start(c, errp);
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

    HostMemoryBackendContainer *c = MEMORY_BACKEND_CONTAINER(obj);

    /* Children map their sources shared. */
    MEMORY_BACKEND(obj)->share = true;
    c->params = (RaminateParams) {
        .enabled = true,
        .tracker = RAMINATE_TRACKER_AUTO,
        .placement = RAMINATE_POLICY_CMQ,
        .scan_interval_ms = 1000,
        .swap_interval_ms = 5000,
        .max_swaps = 1000,
        .cmq_levels = 8,
        .lifetime_ms = 5000,
    };
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

/* Apply a knob change to a running engine, or undo it. */
static bool container_knob_changed(HostMemoryBackendContainer *c,
                                   const RaminateParams *old, Error **errp)
{
    if (!c->engine || raminate_engine_reconfigure(c->engine, errp)) {
        return true;
    }
    c->params = *old;
    return false;
}

/* Name the container, once it has an id (not while -object is parsed). */
static void knob_error_owner(Object *obj, Error **errp)
{
    const char *id = object_get_canonical_path_component(obj);

    if (id) {
        error_prepend(errp, "memory-backend-container '%s': ", id);
    }
}

typedef struct KnobRange {
    const char *name;
    size_t offset;
    uint32_t min, max;
} KnobRange;

static const KnobRange knob_ranges[] = {
    { "scan-interval-ms", offsetof(RaminateParams, scan_interval_ms),
      10, 3600000 },
    { "swap-interval-ms", offsetof(RaminateParams, swap_interval_ms),
      10, 86400000 },
    { "max-swaps", offsetof(RaminateParams, max_swaps), 1, 1 << 20 },
    { "lifetime-ms", offsetof(RaminateParams, lifetime_ms), 1, 86400000 },
};

static void container_get_knob(Object *obj, Visitor *v, const char *name,
                               void *opaque, Error **errp)
{
    const KnobRange *k = opaque;
    RaminateParams *params = &MEMORY_BACKEND_CONTAINER(obj)->params;
    uint32_t value = *(uint32_t *)((char *)params + k->offset);

    visit_type_uint32(v, name, &value, errp);
}

static void container_set_knob(Object *obj, Visitor *v, const char *name,
                               void *opaque, Error **errp)
{
    HostMemoryBackendContainer *c = MEMORY_BACKEND_CONTAINER(obj);
    const KnobRange *k = opaque;
    RaminateParams old = c->params;
    uint32_t value;

    if (!visit_type_uint32(v, name, &value, errp)) {
        return;
    }
    if (value < k->min || value > k->max) {
        error_setg(errp, "%s=%u is out of range: use %u to %u", k->name,
                   value, k->min, k->max);
        knob_error_owner(obj, errp);
        return;
    }
    *(uint32_t *)((char *)&c->params + k->offset) = value;
    container_knob_changed(c, &old, errp);
}

static void container_get_levels(Object *obj, Visitor *v, const char *name,
                                 void *opaque, Error **errp)
{
    uint8_t value = MEMORY_BACKEND_CONTAINER(obj)->params.cmq_levels;

    visit_type_uint8(v, name, &value, errp);
}

static void container_set_levels(Object *obj, Visitor *v, const char *name,
                                 void *opaque, Error **errp)
{
    HostMemoryBackendContainer *c = MEMORY_BACKEND_CONTAINER(obj);
    RaminateParams old = c->params;
    uint8_t value;

    if (!visit_type_uint8(v, name, &value, errp)) {
        return;
    }
    if (value < 1 || value > RM_MAX_LEVELS) {
        error_setg(errp, "cmq-levels=%u is out of range: use 1 to %d", value,
                   RM_MAX_LEVELS);
        knob_error_owner(obj, errp);
        return;
    }
    c->params.cmq_levels = value;
    container_knob_changed(c, &old, errp);
}

static bool container_get_raminate(Object *obj, Error **errp)
{
    return MEMORY_BACKEND_CONTAINER(obj)->params.enabled;
}

static void container_set_raminate(Object *obj, bool value, Error **errp)
{
    HostMemoryBackendContainer *c = MEMORY_BACKEND_CONTAINER(obj);

    c->params.enabled = value;
    if (!container_update_engine(c, errp)) {
        c->params.enabled = false;
    }
}

static int container_get_tracker(Object *obj, Error **errp)
{
    return MEMORY_BACKEND_CONTAINER(obj)->params.tracker;
}

static void container_set_tracker(Object *obj, int value, Error **errp)
{
    HostMemoryBackendContainer *c = MEMORY_BACKEND_CONTAINER(obj);
    RaminateParams old = c->params;

    c->params.tracker = value;
    container_knob_changed(c, &old, errp);
}

static int container_get_placement(Object *obj, Error **errp)
{
    return MEMORY_BACKEND_CONTAINER(obj)->params.placement;
}

static void container_set_placement(Object *obj, int value, Error **errp)
{
    HostMemoryBackendContainer *c = MEMORY_BACKEND_CONTAINER(obj);
    RaminateParams old = c->params;

    c->params.placement = value;
    container_knob_changed(c, &old, errp);
}

static char *container_get_trace_file(Object *obj, Error **errp)
{
    return g_strdup(MEMORY_BACKEND_CONTAINER(obj)->params.trace_file);
}

static char *container_get_placement_file(Object *obj, Error **errp)
{
    return g_strdup(MEMORY_BACKEND_CONTAINER(obj)->params.placement_file);
}

/* Set the file name at @field of the knobs; the engine opens it. */
static void container_set_file(Object *obj, size_t field, const char *value,
                               Error **errp)
{
    HostMemoryBackendContainer *c = MEMORY_BACKEND_CONTAINER(obj);
    char **slot = (char **)((char *)&c->params + field);
    RaminateParams old = c->params;
    char *fresh = g_strdup(value);

    *slot = fresh;
    if (container_knob_changed(c, &old, errp)) {
        g_free(*(char **)((char *)&old + field));
    } else {
        g_free(fresh);
    }
}

static void container_set_trace_file(Object *obj, const char *value,
                                     Error **errp)
{
    container_set_file(obj, offsetof(RaminateParams, trace_file), value, errp);
}

static void container_set_placement_file(Object *obj, const char *value,
                                         Error **errp)
{
    container_set_file(obj, offsetof(RaminateParams, placement_file), value,
                       errp);
}

static void container_class_init_knobs(ObjectClass *oc)
{
    object_class_property_add_bool(oc, "raminate", container_get_raminate,
                                   container_set_raminate);
    object_class_property_set_description(oc, "raminate",
        "Keep write-hot pages in DRAM (default: on)");
    object_class_property_add_enum(oc, "tracker", "RaminateTracker",
                                   &RaminateTracker_lookup,
                                   container_get_tracker,
                                   container_set_tracker);
    object_class_property_set_description(oc, "tracker",
        "How writes are tracked: auto, tcg, kvm-dirty-log or kvm-raminate "
        "(default: auto)");
    object_class_property_add_enum(oc, "placement", "RaminatePolicy",
                                   &RaminatePolicy_lookup,
                                   container_get_placement,
                                   container_set_placement);
    object_class_property_set_description(oc, "placement",
        "Placement policy: cmq, lru or none (default: cmq)");
    for (size_t i = 0; i < ARRAY_SIZE(knob_ranges); i++) {
        static const char *const desc[] = {
            "Epoch length in ms (default: 1000)",
            "Swap interval in ms (default: 5000)",
            "Most page pairs swapped per interval (default: 1000)",
            "CMQ life time in ms (default: 5000)",
        };

        object_class_property_add(oc, knob_ranges[i].name, "uint32",
                                  container_get_knob, container_set_knob,
                                  NULL, (void *)&knob_ranges[i]);
        object_class_property_set_description(oc, knob_ranges[i].name,
                                              desc[i]);
    }
    object_class_property_add(oc, "cmq-levels", "uint8", container_get_levels,
                              container_set_levels, NULL, NULL);
    object_class_property_set_description(oc, "cmq-levels",
        "CMQ queue levels, 1 to 32 (default: 8)");
    object_class_property_add_str(oc, "trace-file", container_get_trace_file,
                                  container_set_trace_file);
    object_class_property_set_description(oc, "trace-file",
        "Append each epoch's written pages to this file");
    object_class_property_add_str(oc, "placement-file",
                                  container_get_placement_file,
                                  container_set_placement_file);
    object_class_property_set_description(oc, "placement-file",
        "Keep each page's tier here, live: a byte per page, 1 = NVM");
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
