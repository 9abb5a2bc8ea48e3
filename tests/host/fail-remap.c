/*
 * fail-remap: an LD_PRELOAD library that makes some of QEMU's one-page
 * MAP_FIXED remaps of shared memory (the remap swapper's) fail the worst
 * way the kernel may fail them: the page's old mapping is gone too, and
 * mmap returns ENOMEM (as when vm.max_map_count is reached mid-remap).
 *
 *   FAIL_REMAP_EVERY=N   of every N such remaps, the last FAIL_REMAP_RUN
 *                        fail (default 1); unset or 0: none fail
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
    unsigned long every = env_ulong("FAIL_REMAP_EVERY", 0);
    unsigned long run = env_ulong("FAIL_REMAP_RUN", 1);

    if (every && len == 4096 && (flags & MAP_FIXED) && (flags & MAP_SHARED) &&
        atomic_fetch_add(&remaps, 1) % every >= every - run) {
        munmap(addr, len);
        errno = ENOMEM;
        return MAP_FAILED;
    }
    return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
    __attribute__((alias("mmap")));
