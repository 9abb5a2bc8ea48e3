/*
 * raminate: memory-backend-container and memory-backend-devmem
 *
 * A container is one guest RAM object whose bytes come from its devmem
 * children.  It reserves one host virtual range of its size and each child
 * maps its source into that range at its offset, so that QEMU's view of
 * guest memory is always the bytes of the children's sources, and a later
 * page swap is a remap inside this one range.
 *
 * Copyright (c) 2026 raminate developers
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#ifndef RAMINATE_HOSTMEM_CONTAINER_H
#define RAMINATE_HOSTMEM_CONTAINER_H

#include "system/hostmem.h"
#include "qapi/qapi-types-qom.h"
#include "raminate.h"

#define TYPE_MEMORY_BACKEND_CONTAINER "memory-backend-container"
OBJECT_DECLARE_SIMPLE_TYPE(HostMemoryBackendContainer,
                           MEMORY_BACKEND_CONTAINER)

#define TYPE_MEMORY_BACKEND_DEVMEM "memory-backend-devmem"
OBJECT_DECLARE_SIMPLE_TYPE(HostMemoryBackendDevmem, MEMORY_BACKEND_DEVMEM)

struct HostMemoryBackendDevmem {
    HostMemoryBackend parent_obj;

    /* Properties */
    char *path;
    uint64_t phy_offset;
    uint64_t offset;
    char *parent_id;
    bool has_tier;
    MemoryTier tier;            /* effective tier once attached */
    bool allow_any_range;

    /* State once attached */
    int fd;                     /* the mapped source, kept for remapping */
    dev_t source_dev;           /* which memory fd is: device, or file's */
    ino_t source_ino;           /* file system and inode */
    uint64_t page_size;         /* the source maps pages of this size */
    HostMemoryBackendContainer *parent;
};

struct HostMemoryBackendContainer {
    HostMemoryBackend parent_obj;

    uint8_t *base;              /* reserved host range of the container size */
    GList *children;            /* HostMemoryBackendDevmem, by offset */
    /*
     * Until its children tile it, a container created at run time is marked
     * mapped, so that no device can take it as its memory in the meantime.
     */
    bool held_until_tiled;

    RaminateParams params;      /* the RAMinate knobs */
    RaminateEngine *engine;     /* running when enabled on a hybrid layout */
    /*
     * Where each page lives, once RAMinate has run: outlives the engine,
     * since pages stay where they were moved when it stops.
     */
    RaminateSwapper *swapper;
};

/* The id of an object, for messages. */
const char *memory_backend_container_id(void *obj);

/*
 * Place @child's source at its offset inside @c, after checking that it
 * lies within @c and overlaps no other child.
 */
bool memory_backend_container_attach(HostMemoryBackendContainer *c,
                                     HostMemoryBackendDevmem *child,
                                     Error **errp);

/* Remove @child from @c; its range is reserved again, without memory. */
void memory_backend_container_detach(HostMemoryBackendContainer *c,
                                     HostMemoryBackendDevmem *child);

/* Whether the children of @c cover [0, size) exactly; explains why not. */
bool memory_backend_container_check_tiled(HostMemoryBackendContainer *c,
                                          Error **errp);

/*
 * Whether @d's memory can take the block devices' I/O: /dev/mem memory
 * cannot take host direct I/O.  Checked once the machine is ready.
 */
bool memory_backend_devmem_check_direct_io(HostMemoryBackendDevmem *d,
                                           Error **errp);

#endif
