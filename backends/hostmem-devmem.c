/*
 * raminate: memory-backend-devmem
 *
 * A range [phy-offset, phy-offset + size) of a mappable source, placed at
 * @offset inside a memory-backend-container.  The source is /dev/mem (a
 * physical address range, as in the RAMinate paper), a device-dax device
 * (real NVM or CXL memory) or a regular file standing in for physical memory.
 *
 * Copyright (c) 2026 raminate developers
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/module.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qom/object_interfaces.h"
#include "block/block.h"
#include "system/block-backend.h"
#include "hw/qdev-core.h"
#include "qobject/qdict.h"
#include "hostmem-container.h"

#include <sys/ioctl.h>
#include <linux/fs.h>
#include <sys/sysmacros.h>

#define DEVMEM_DEFAULT_PATH "/dev/mem"

/* /dev/mem is the character device 1:1 whatever its name. */
#define DEV_MEM_DEVICE makedev(1, 1)

static bool is_dev_mem(const struct stat *st)
{
    return S_ISCHR(st->st_mode) && st->st_rdev == DEV_MEM_DEVICE;
}

/* Attribute @name of a device-dax device, from sysfs; false if none. */
static bool dax_attribute(const struct stat *st, const char *name,
                          uint64_t *value)
{
    g_autofree char *sysfs = g_strdup_printf("/sys/dev/char/%u:%u/%s",
                                             major(st->st_rdev),
                                             minor(st->st_rdev), name);
    g_autofree char *text = NULL;

    return g_file_get_contents(sysfs, &text, NULL, NULL) &&
           qemu_strtou64(text, NULL, 0, value) == 0;
}

/*
 * The size of @fd's source, or 0 where the source does not say (/dev/mem:
 * its extent is checked against /proc/iomem instead), and the size of the
 * pages it maps in: device-dax maps in its align.
 */
static bool source_size(int fd, const struct stat *st, uint64_t *size,
                        uint64_t *page_size, Error **errp)
{
    *size = 0;
    *page_size = qemu_real_host_page_size();
    if (S_ISREG(st->st_mode)) {
        *size = st->st_size;
    } else if (S_ISBLK(st->st_mode)) {
        if (ioctl(fd, BLKGETSIZE64, size) < 0) {
            error_setg_errno(errp, errno, "cannot read the block device size");
            return false;
        }
    } else if (S_ISCHR(st->st_mode) && !is_dev_mem(st)) {
        /* device-dax publishes its size and align in sysfs. */
        if (!dax_attribute(st, "size", size)) {
            *size = 0;
        }
        dax_attribute(st, "align", page_size);
    } else if (!S_ISCHR(st->st_mode)) {
        error_setg(errp, "not a regular file, block or character device");
        return false;
    }
    return true;
}

/*
 * What /proc/iomem says of [start, end].  Spare memory is what the host
 * kernel set aside and no driver claims: a top-level Reserved, Soft
 * Reserved or Persistent Memory entry with no entry nested in it over the
 * range.  Anything else holds someone's data or registers.
 */
typedef struct IomemCheck {
    uint64_t start, end;        /* inclusive, as /proc/iomem prints */
    bool hidden;                /* addresses read as 0: no CAP_SYS_ADMIN */
    char *conflict;             /* the first thing there but spare memory */
    bool system_ram;            /* ... is System RAM */
    bool claimed;               /* ... is a driver's, inside spare memory */
    bool persistent;            /* wholly inside persistent memory */
} IomemCheck;

static bool iomem_is_spare(const char *name)
{
    return !strcmp(name, "Reserved") || !strcmp(name, "Soft Reserved") ||
           g_str_has_prefix(name, "Persistent Memory");
}

static void iomem_conflict(IomemCheck *ck, const char *what, uint64_t s,
                           uint64_t e)
{
    if (!ck->conflict) {
        ck->conflict = g_strdup_printf("%s (%" PRIx64 "-%" PRIx64 ")", what,
                                       s, e);
    }
}

static void iomem_check(IomemCheck *ck)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    bool any_address = false, top_spare = false;
    uint64_t covered = ck->start;      /* spare memory found up to here */

    ck->persistent = true;
    if (!g_file_get_contents("/proc/iomem", &text, NULL, NULL)) {
        ck->hidden = true;
        return;
    }
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        bool nested = **l == ' ';
        char *name = strstr(g_strchug(*l), " : ");
        uint64_t s, e;

        if (!name || sscanf(*l, "%" SCNx64 "-%" SCNx64, &s, &e) != 2) {
            continue;
        }
        name += 3;
        any_address |= e != 0;
        if (!nested) {
            top_spare = iomem_is_spare(name);
        }
        if (s > ck->end || e < ck->start) {
            continue;
        }
        if (nested) {
            if (top_spare) {
                ck->claimed |= !ck->conflict;
                iomem_conflict(ck, name, s, e);
            }
            continue;
        }
        if (!top_spare) {
            ck->system_ram |= !ck->conflict && !strcmp(name, "System RAM");
            iomem_conflict(ck, name, s, e);
            continue;
        }
        if (s > covered) {
            iomem_conflict(ck, "nothing", covered, s - 1);
        }
        covered = MAX(covered, e + 1);
        ck->persistent &= g_str_has_prefix(name, "Persistent Memory");
    }
    if (covered <= ck->end) {
        iomem_conflict(ck, "nothing", covered, ck->end);
    }
    ck->hidden = !any_address;
    ck->persistent &= !ck->conflict;
}

static bool devmem_check_physical_range(HostMemoryBackendDevmem *d,
                                        const char *id, Error **errp)
{
    uint64_t size = MEMORY_BACKEND(d)->size;
    IomemCheck ck = { .start = d->phy_offset,
                      .end = d->phy_offset + size - 1 };
    g_autofree char *conflict = NULL;

    iomem_check(&ck);
    conflict = ck.conflict;
    if (!d->allow_any_range) {
        if (ck.hidden) {
            error_setg(errp, "memory-backend-devmem '%s': cannot tell from "
                       "/proc/iomem whether [0x%" PRIx64 ", 0x%" PRIx64 ") "
                       "is spare memory: its addresses read as zero", id,
                       d->phy_offset, d->phy_offset + size);
            error_append_hint(errp, "Run QEMU as root (CAP_SYS_ADMIN), or "
                              "set allow-any-range=on to skip the check.\n");
            return false;
        }
        if (ck.system_ram) {
            error_setg(errp, "memory-backend-devmem '%s': phy-offset=0x%"
                       PRIx64 " size=0x%" PRIx64 " overlaps host System RAM: "
                       "/proc/iomem has %s there", id, d->phy_offset, size,
                       conflict);
            error_append_hint(errp, "Mapping memory the host kernel uses "
                              "corrupts the host.  Reserve the range at boot "
                              "with memmap=<size>$<address>, or set "
                              "allow-any-range=on if you know it is free.\n");
            return false;
        }
        if (ck.claimed) {
            error_setg(errp, "memory-backend-devmem '%s': phy-offset=0x%"
                       PRIx64 " size=0x%" PRIx64 " is claimed by %s in "
                       "/proc/iomem", id, d->phy_offset, size, conflict);
            error_append_hint(errp, "A driver uses this memory: give its "
                              "device (e.g. /dev/daxX.Y) as path=, or free "
                              "the range; allow-any-range=on skips the "
                              "check.\n");
            return false;
        }
        if (conflict) {
            error_setg(errp, "memory-backend-devmem '%s': phy-offset=0x%"
                       PRIx64 " size=0x%" PRIx64 " is not spare memory: "
                       "/proc/iomem has %s there", id, d->phy_offset, size,
                       conflict);
            error_append_hint(errp, "Only what /proc/iomem lists as "
                              "Reserved, Soft Reserved or Persistent Memory, "
                              "unclaimed, holds nobody's data or registers: "
                              "reserve a range at boot with "
                              "memmap=<size>$<address>, or set "
                              "allow-any-range=on if you know this one is "
                              "free.\n");
            return false;
        }
    }
    if (!d->has_tier && ck.persistent) {
        d->tier = MEMORY_TIER_NVM;
        d->has_tier = true;
    }
    return true;
}

static bool devmem_is_dev_mem(HostMemoryBackendDevmem *d)
{
    return d->source_dev == DEV_MEM_DEVICE && !d->source_ino;
}

/*
 * Host direct I/O pins the pages it reads into or writes from, and
 * /dev/mem memory has no struct pages to pin: every such request into
 * it fails, and the guest sees I/O errors (seen with FUSE direct I/O).
 */
static void devmem_refuse_direct_io(HostMemoryBackendDevmem *d,
                                    const char *drive, Error **errp)
{
    error_setg(errp, "memory-backend-devmem '%s': /dev/mem memory "
               "cannot take host direct I/O, and drive '%s' has "
               "cache.direct=on: the guest would see I/O errors",
               memory_backend_container_id(d), drive);
    error_append_hint(errp, "Set cache=writeback or cache=writethrough on "
                      "the drive, or give the memory as device-dax "
                      "(path=/dev/daxX.Y).\n");
}

bool memory_backend_devmem_check_direct_io(HostMemoryBackendDevmem *d,
                                           Error **errp)
{
    BlockBackend *blk = NULL;

    if (!devmem_is_dev_mem(d)) {
        return true;
    }
    while ((blk = blk_all_next(blk))) {
        if (blk_bs(blk) && (bdrv_get_flags(blk_bs(blk)) & BDRV_O_NOCACHE)) {
            devmem_refuse_direct_io(d, blk_name(blk), errp);
            return false;
        }
    }
    return true;
}

/* Every child attached to a container, to keep their ranges apart. */
static GList *attached_children;

static bool devmem_check_overlap(HostMemoryBackendDevmem *d, const char *id,
                                 Error **errp)
{
    uint64_t size = MEMORY_BACKEND(d)->size;

    for (GList *l = attached_children; l; l = l->next) {
        HostMemoryBackendDevmem *o = l->data;
        uint64_t osize = MEMORY_BACKEND(o)->size;

        if (o->source_dev == d->source_dev &&
            o->source_ino == d->source_ino &&
            d->phy_offset < o->phy_offset + osize &&
            o->phy_offset < d->phy_offset + size) {
            error_setg(errp, "memory-backend-devmem '%s': [0x%" PRIx64
                       ", 0x%" PRIx64 ") of path=%s is mapped by '%s' of "
                       "container '%s' already ([0x%" PRIx64 ", 0x%" PRIx64
                       ") of path=%s)", id, d->phy_offset,
                       d->phy_offset + size, d->path,
                       memory_backend_container_id(o),
                       memory_backend_container_id(o->parent), o->phy_offset,
                       o->phy_offset + osize, o->path);
            error_append_hint(errp, "Two children on the same memory "
                              "overwrite each other's guest data: give each "
                              "its own range with phy-offset= and size=.\n");
            return false;
        }
    }
    return true;
}

static bool devmem_open(HostMemoryBackendDevmem *d, const char *id,
                        Error **errp)
{
    uint64_t size = MEMORY_BACKEND(d)->size;
    uint64_t limit;
    struct stat st;

    if (stat(d->path, &st) < 0) {
        error_setg_errno(errp, errno, "memory-backend-devmem '%s': cannot "
                         "open path=%s", id, d->path);
        return false;
    }
    /* Check before opening: the check is what protects the host. */
    if (is_dev_mem(&st) && !devmem_check_physical_range(d, id, errp)) {
        return false;
    }
    d->fd = qemu_open_old(d->path, O_RDWR | O_CLOEXEC);
    if (d->fd < 0) {
        error_setg_errno(errp, errno, "memory-backend-devmem '%s': cannot "
                         "open path=%s", id, d->path);
        if (is_dev_mem(&st)) {
            error_append_hint(errp, "/dev/mem needs root with CAP_SYS_RAWIO "
                              "and a host kernel with CONFIG_DEVMEM. To use "
                              "a file or a device-dax region instead, set "
                              "path=.\n");
        }
        return false;
    }
    /* A device is the same memory by any node name; a file by inode. */
    d->source_dev = S_ISREG(st.st_mode) ? st.st_dev : st.st_rdev;
    d->source_ino = S_ISREG(st.st_mode) ? st.st_ino : 0;
    if (!source_size(d->fd, &st, &limit, &d->page_size, errp)) {
        error_prepend(errp, "memory-backend-devmem '%s': path=%s: ", id,
                      d->path);
        return false;
    }
    if (limit && (d->phy_offset > limit || size > limit - d->phy_offset)) {
        error_setg(errp, "memory-backend-devmem '%s': phy-offset=0x%" PRIx64
                   " size=0x%" PRIx64 " ends past the end of path=%s "
                   "(0x%" PRIx64 " bytes)", id, d->phy_offset, size, d->path,
                   limit);
        if (S_ISREG(st.st_mode)) {
            error_append_hint(errp, "Grow the file (truncate -s 0x%" PRIx64
                              " %s) or fix phy-offset= and size=.\n",
                              d->phy_offset + size, d->path);
        }
        return false;
    }
    return true;
}

/*
 * memory_backend_devmem_check_direct_io() sees the drives there are at
 * start; a device hot-plugged
 * later may bring one with direct I/O.  hide_device runs before device_add
 * creates the device, and an error there fails the device_add.
 */
static bool devmem_refuse_direct_io_device(DeviceListener *listener,
                                           const QDict *opts, bool from_json,
                                           Error **errp)
{
    const char *drive = qdict_get_try_str(opts, "drive");
    BlockBackend *blk;
    BlockDriverState *bs;

    if (!drive) {
        return false;
    }
    blk = blk_by_name(drive);
    bs = blk ? blk_bs(blk) : bdrv_find_node(drive);
    if (!bs || !(bdrv_get_flags(bs) & BDRV_O_NOCACHE)) {
        return false;
    }
    for (GList *l = attached_children; l; l = l->next) {
        if (devmem_is_dev_mem(l->data)) {
            devmem_refuse_direct_io(l->data, drive, errp);
            break;
        }
    }
    return false;
}

static DeviceListener devmem_direct_io_listener = {
    .hide_device = devmem_refuse_direct_io_device,
};
static bool devmem_direct_io_listener_registered;

static void devmem_complete(UserCreatable *uc, Error **errp)
{
    HostMemoryBackendDevmem *d = MEMORY_BACKEND_DEVMEM(uc);
    HostMemoryBackend *backend = MEMORY_BACKEND(uc);
    const char *id = memory_backend_container_id(d);
    size_t pagesize = qemu_real_host_page_size();
    Object *parent;

    if (!backend->size) {
        error_setg(errp, "memory-backend-devmem '%s': size must be set and "
                   "non-zero", id);
        return;
    }
    if (!QEMU_IS_ALIGNED(backend->size | d->phy_offset | d->offset,
                         pagesize)) {
        error_setg(errp, "memory-backend-devmem '%s': %s=0x%" PRIx64 " is not "
                   "a multiple of the host page size (0x%zx)", id,
                   !QEMU_IS_ALIGNED(backend->size, pagesize) ? "size" :
                   !QEMU_IS_ALIGNED(d->phy_offset, pagesize) ? "phy-offset" :
                   "offset",
                   !QEMU_IS_ALIGNED(backend->size, pagesize) ? backend->size :
                   !QEMU_IS_ALIGNED(d->phy_offset, pagesize) ? d->phy_offset :
                   d->offset, pagesize);
        return;
    }
    if (!backend->share) {
        error_setg(errp, "memory-backend-devmem '%s': share=off is not "
                   "supported: the range is always mapped shared", id);
        return;
    }
    if (backend->prealloc || backend->policy != HOST_MEM_POLICY_DEFAULT) {
        error_setg(errp, "memory-backend-devmem '%s': prealloc= and policy= "
                   "do not apply to a devmem range; drop them", id);
        return;
    }
    if (!d->parent_id) {
        error_setg(errp, "memory-backend-devmem '%s': parent is not set", id);
        error_append_hint(errp, "Name the memory-backend-container this "
                          "range belongs to, e.g. parent=dmcon0.\n");
        return;
    }
    parent = object_resolve_path_component(object_get_objects_root(),
                                           d->parent_id);
    if (!parent) {
        error_setg(errp, "memory-backend-devmem '%s': parent=%s: no such "
                   "object", id, d->parent_id);
        error_append_hint(errp, "Create the memory-backend-container before "
                          "its children.\n");
        return;
    }
    if (!object_dynamic_cast(parent, TYPE_MEMORY_BACKEND_CONTAINER)) {
        error_setg(errp, "memory-backend-devmem '%s': parent=%s is a %s, "
                   "not a memory-backend-container", id, d->parent_id,
                   object_get_typename(parent));
        return;
    }
    if (!devmem_open(d, id, errp)) {
        return;
    }
    if (!d->has_tier) {
        d->tier = d->offset == 0 ? MEMORY_TIER_DRAM : MEMORY_TIER_NVM;
    }
    if (!devmem_check_overlap(d, id, errp) ||
        !memory_backend_container_attach(MEMORY_BACKEND_CONTAINER(parent), d,
                                         errp)) {
        return;
    }
    d->parent = MEMORY_BACKEND_CONTAINER(object_ref(parent));
    attached_children = g_list_prepend(attached_children, d);
    if (devmem_is_dev_mem(d) && !devmem_direct_io_listener_registered) {
        device_listener_register(&devmem_direct_io_listener);
        devmem_direct_io_listener_registered = true;
    }
    /* The range belongs to its container: no device may use it directly. */
    host_memory_backend_set_mapped(backend, true);
}

static bool devmem_can_be_deleted(UserCreatable *uc)
{
    HostMemoryBackendDevmem *d = MEMORY_BACKEND_DEVMEM(uc);

    /* Pulling memory from under a running guest would lose its data. */
    return !d->parent || d->parent->held_until_tiled ||
           !host_memory_backend_is_mapped(MEMORY_BACKEND(d->parent));
}

static void devmem_instance_init(Object *obj)
{
    HostMemoryBackendDevmem *d = MEMORY_BACKEND_DEVMEM(obj);

    d->path = g_strdup(DEVMEM_DEFAULT_PATH);
    d->fd = -1;
    MEMORY_BACKEND(obj)->share = true;
}

static void devmem_instance_finalize(Object *obj)
{
    HostMemoryBackendDevmem *d = MEMORY_BACKEND_DEVMEM(obj);

    if (d->parent) {
        attached_children = g_list_remove(attached_children, d);
        memory_backend_container_detach(d->parent, d);
        object_unref(OBJECT(d->parent));
    }
    if (d->fd >= 0) {
        close(d->fd);
    }
    g_free(d->path);
    g_free(d->parent_id);
}

/* Properties describe the mapping, so they are fixed once it exists. */
static bool devmem_check_settable(Object *obj, const char *name, Error **errp)
{
    if (MEMORY_BACKEND_DEVMEM(obj)->fd >= 0) {
        error_setg(errp, "memory-backend-devmem '%s': cannot change %s "
                   "after creation", memory_backend_container_id(obj), name);
        return false;
    }
    return true;
}

static char *devmem_get_path(Object *obj, Error **errp)
{
    return g_strdup(MEMORY_BACKEND_DEVMEM(obj)->path);
}

static void devmem_set_path(Object *obj, const char *value, Error **errp)
{
    HostMemoryBackendDevmem *d = MEMORY_BACKEND_DEVMEM(obj);

    if (devmem_check_settable(obj, "path", errp)) {
        g_free(d->path);
        d->path = g_strdup(value);
    }
}

static char *devmem_get_parent(Object *obj, Error **errp)
{
    return g_strdup(MEMORY_BACKEND_DEVMEM(obj)->parent_id);
}

static void devmem_set_parent(Object *obj, const char *value, Error **errp)
{
    HostMemoryBackendDevmem *d = MEMORY_BACKEND_DEVMEM(obj);

    if (devmem_check_settable(obj, "parent", errp)) {
        g_free(d->parent_id);
        d->parent_id = g_strdup(value);
    }
}

static void devmem_get_u64(Object *obj, Visitor *v, const char *name,
                           void *opaque, Error **errp)
{
    uint64_t *field = (uint64_t *)((char *)obj + (uintptr_t)opaque);

    visit_type_size(v, name, field, errp);
}

static void devmem_set_u64(Object *obj, Visitor *v, const char *name,
                           void *opaque, Error **errp)
{
    uint64_t *field = (uint64_t *)((char *)obj + (uintptr_t)opaque);
    uint64_t value;

    if (devmem_check_settable(obj, name, errp) &&
        visit_type_size(v, name, &value, errp)) {
        *field = value;
    }
}

static int devmem_get_tier(Object *obj, Error **errp)
{
    return MEMORY_BACKEND_DEVMEM(obj)->tier;
}

static void devmem_set_tier(Object *obj, int value, Error **errp)
{
    HostMemoryBackendDevmem *d = MEMORY_BACKEND_DEVMEM(obj);

    if (devmem_check_settable(obj, "tier", errp)) {
        d->tier = value;
        d->has_tier = true;
    }
}

static bool devmem_get_allow_any_range(Object *obj, Error **errp)
{
    return MEMORY_BACKEND_DEVMEM(obj)->allow_any_range;
}

static void devmem_set_allow_any_range(Object *obj, bool value, Error **errp)
{
    if (devmem_check_settable(obj, "allow-any-range", errp)) {
        MEMORY_BACKEND_DEVMEM(obj)->allow_any_range = value;
    }
}

static void devmem_class_init(ObjectClass *oc, void *data)
{
    UserCreatableClass *ucc = USER_CREATABLE_CLASS(oc);

    /* No memory of its own: the range is mapped into its container. */
    ucc->complete = devmem_complete;
    ucc->can_be_deleted = devmem_can_be_deleted;

    object_class_property_add_str(oc, "path", devmem_get_path,
                                  devmem_set_path);
    object_class_property_set_description(oc, "path",
        "File or device to map: /dev/mem (default), /dev/daxX.Y, or a "
        "regular file standing in for physical memory");
    object_class_property_add(oc, "phy-offset", "size", devmem_get_u64,
        devmem_set_u64, NULL,
        (void *)offsetof(HostMemoryBackendDevmem, phy_offset));
    object_class_property_set_description(oc, "phy-offset",
        "Start of the range within path (default: 0)");
    object_class_property_add(oc, "offset", "size", devmem_get_u64,
        devmem_set_u64, NULL,
        (void *)offsetof(HostMemoryBackendDevmem, offset));
    object_class_property_set_description(oc, "offset",
        "Position of the range inside the parent container (default: 0)");
    object_class_property_add_str(oc, "parent", devmem_get_parent,
                                  devmem_set_parent);
    object_class_property_set_description(oc, "parent",
        "Id of the memory-backend-container this range belongs to");
    object_class_property_add_enum(oc, "tier", "MemoryTier",
                                   &MemoryTier_lookup, devmem_get_tier,
                                   devmem_set_tier);
    object_class_property_set_description(oc, "tier",
        "dram or nvm; default: nvm for /dev/mem persistent memory, else dram "
        "at offset 0 and nvm elsewhere");
    object_class_property_add_bool(oc, "allow-any-range",
                                   devmem_get_allow_any_range,
                                   devmem_set_allow_any_range);
    object_class_property_set_description(oc, "allow-any-range",
        "Map a /dev/mem range that /proc/iomem does not list as spare "
        "memory (unclaimed Reserved, Soft Reserved or Persistent Memory); "
        "for experts (default: off)");
}

static const TypeInfo devmem_backend_info = {
    .name = TYPE_MEMORY_BACKEND_DEVMEM,
    .parent = TYPE_MEMORY_BACKEND,
    .instance_init = devmem_instance_init,
    .instance_finalize = devmem_instance_finalize,
    .class_init = devmem_class_init,
    .instance_size = sizeof(HostMemoryBackendDevmem),
};

static void register_types(void)
{
    type_register_static(&devmem_backend_info);
}

type_init(register_types);
