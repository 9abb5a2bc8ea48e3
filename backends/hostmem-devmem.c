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
#include "hostmem-container.h"

#include <sys/ioctl.h>
#include <linux/fs.h>
#include <sys/sysmacros.h>

#define DEVMEM_DEFAULT_PATH "/dev/mem"

/* /dev/mem is the character device 1:1 whatever its name. */
static bool is_dev_mem(const struct stat *st)
{
    return S_ISCHR(st->st_mode) && major(st->st_rdev) == 1 &&
           minor(st->st_rdev) == 1;
}

/*
 * The size of @fd's source, or 0 where the source does not say (/dev/mem:
 * its extent is checked against /proc/iomem instead).
 */
static bool source_size(int fd, const struct stat *st, uint64_t *size,
                        Error **errp)
{
    g_autofree char *sysfs = NULL;
    g_autofree char *text = NULL;

    *size = 0;
    if (S_ISREG(st->st_mode)) {
        *size = st->st_size;
    } else if (S_ISBLK(st->st_mode)) {
        if (ioctl(fd, BLKGETSIZE64, size) < 0) {
            error_setg_errno(errp, errno, "cannot read the block device size");
            return false;
        }
    } else if (S_ISCHR(st->st_mode) && !is_dev_mem(st)) {
        /* device-dax publishes its size in sysfs. */
        sysfs = g_strdup_printf("/sys/dev/char/%u:%u/size",
                                major(st->st_rdev), minor(st->st_rdev));
        if (g_file_get_contents(sysfs, &text, NULL, NULL)) {
            qemu_strtou64(text, NULL, 0, size);
        }
    } else if (!S_ISCHR(st->st_mode)) {
        error_setg(errp, "not a regular file, block or character device");
        return false;
    }
    return true;
}

typedef struct IomemCheck {
    uint64_t start, end;        /* inclusive, as /proc/iomem prints */
    bool hidden;                /* addresses read as 0: no CAP_SYS_ADMIN */
    char *system_ram;           /* first System RAM entry overlapping */
    bool persistent;            /* wholly inside persistent memory */
} IomemCheck;

/* Look up [start, end] in /proc/iomem. */
static void iomem_check(IomemCheck *ck)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    bool any_address = false;

    if (!g_file_get_contents("/proc/iomem", &text, NULL, NULL)) {
        ck->hidden = true;
        return;
    }
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        uint64_t s, e;
        char *name = strstr(*l, " : ");

        if (!name ||
            sscanf(g_strchug(*l), "%" SCNx64 "-%" SCNx64, &s, &e) != 2) {
            continue;
        }
        name += 3;
        any_address |= e != 0;
        if (s > ck->end || e < ck->start) {
            continue;
        }
        if (!strcmp(name, "System RAM") && !ck->system_ram) {
            ck->system_ram = g_strdup_printf("%" PRIx64 "-%" PRIx64, s, e);
        }
        if (g_str_has_prefix(name, "Persistent Memory") &&
            s <= ck->start && ck->end <= e) {
            ck->persistent = true;
        }
    }
    ck->hidden = !any_address;
}

static bool devmem_check_physical_range(HostMemoryBackendDevmem *d,
                                        const char *id, Error **errp)
{
    uint64_t size = MEMORY_BACKEND(d)->size;
    IomemCheck ck = { .start = d->phy_offset,
                      .end = d->phy_offset + size - 1 };

    iomem_check(&ck);
    if (!d->allow_system_ram) {
        if (ck.hidden) {
            error_setg(errp, "memory-backend-devmem '%s': cannot tell from "
                       "/proc/iomem whether [0x%" PRIx64 ", 0x%" PRIx64 ") "
                       "is host RAM: its addresses read as zero", id,
                       d->phy_offset, d->phy_offset + size);
            error_append_hint(errp, "Run QEMU as root (CAP_SYS_ADMIN), or "
                              "set allow-system-ram=on to skip the check.\n");
            g_free(ck.system_ram);
            return false;
        }
        if (ck.system_ram) {
            error_setg(errp, "memory-backend-devmem '%s': phy-offset=0x%"
                       PRIx64 " size=0x%" PRIx64 " overlaps host System RAM "
                       "(%s in /proc/iomem)", id, d->phy_offset, size,
                       ck.system_ram);
            error_append_hint(errp, "Mapping memory the host kernel uses "
                              "corrupts the host.  Reserve the range at boot "
                              "with memmap=<size>$<address>, or set "
                              "allow-system-ram=on if you know it is free.\n");
            g_free(ck.system_ram);
            return false;
        }
    }
    g_free(ck.system_ram);
    if (!d->has_tier && ck.persistent) {
        d->tier = MEMORY_TIER_NVM;
        d->has_tier = true;
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
    if (!source_size(d->fd, &st, &limit, errp)) {
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
    if (!memory_backend_container_attach(MEMORY_BACKEND_CONTAINER(parent), d,
                                         errp)) {
        return;
    }
    d->parent = MEMORY_BACKEND_CONTAINER(object_ref(parent));
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

static bool devmem_get_allow_system_ram(Object *obj, Error **errp)
{
    return MEMORY_BACKEND_DEVMEM(obj)->allow_system_ram;
}

static void devmem_set_allow_system_ram(Object *obj, bool value, Error **errp)
{
    if (devmem_check_settable(obj, "allow-system-ram", errp)) {
        MEMORY_BACKEND_DEVMEM(obj)->allow_system_ram = value;
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
    object_class_property_add_bool(oc, "allow-system-ram",
                                   devmem_get_allow_system_ram,
                                   devmem_set_allow_system_ram);
    object_class_property_set_description(oc, "allow-system-ram",
        "Map a /dev/mem range that /proc/iomem lists as System RAM "
        "(default: off)");
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
