/*
 * fail-remap: an LD_PRELOAD library that makes some of QEMU's one-page
 * MAP_FIXED remaps of shared memory (the remap swapper's) fail with
 * ENOMEM, in one of the two ways the kernel may fail them.
 *
 *   FAIL_REMAP_EVERY=N   of every N such remaps, the last FAIL_REMAP_RUN
 *                        fail (default 1); unset or 0: none fail
 *   FAIL_REMAP_KEEP=1    a failed remap keeps the page's old mapping, and
 *                        the next remap of the same page fails too (as at
 *                        vm.max_map_count: the split that failed fails
 *                        again); else the old mapping is gone too (the
 *                        worst a failed MAP_FIXED may do)
 *
 * Copyright (c) 2026 raminate developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static unsigned long env_ulong(const char *name, unsigned long dflt)
{
    const char *v = getenv(name);

    return v && *v ? strtoul(v, NULL, 0) : dflt;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    static atomic_ulong remaps;
    static void *_Atomic kept;      /* the page whose remap failed last */
    unsigned long every = env_ulong("FAIL_REMAP_EVERY", 0);
    unsigned long run = env_ulong("FAIL_REMAP_RUN", 1);
    unsigned long keep = env_ulong("FAIL_REMAP_KEEP", 0);

    if (every && len == 4096 && (flags & MAP_FIXED) && (flags & MAP_SHARED)) {
        if (keep && atomic_exchange(&kept, NULL) == addr) {
            errno = ENOMEM;
            return MAP_FAILED;
        }
        if (atomic_fetch_add(&remaps, 1) % every >= every - run) {
            if (keep) {
                atomic_store(&kept, addr);
            } else {
                munmap(addr, len);
            }
            errno = ENOMEM;
            return MAP_FAILED;
        }
    }
    return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
    __attribute__((alias("mmap")));
