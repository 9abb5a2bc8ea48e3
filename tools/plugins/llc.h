/*
 * A write-back last-level cache model: which stores reach memory.
 *
 * Set-associative, LRU within a set, write-allocate.  A store marks its line
 * dirty; memory sees a write (of one line) when a dirty line is evicted or
 * flushed, and a read (of one line) on every miss, load or store.  Pure C, unit-tested alone (tests/unit/llc-test.c).
 *
 * Copyright (c) 2026 raminate developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef RAMINATE_LLC_H
#define RAMINATE_LLC_H

#include <stdbool.h>
#include <stdint.h>

typedef struct Llc Llc;

/* Called for each line written back to memory, with its address. */
typedef void (*LlcWriteback)(void *opaque, uint64_t line_addr);

/* @size bytes, @ways per set, @line bytes (powers of two); NULL if bad. */
Llc *llc_new(uint64_t size, unsigned ways, unsigned line,
             LlcWriteback wb, void *opaque);
void llc_free(Llc *c);
/*
 * A store of @len bytes at physical address @addr.  Returns the number of
 * lines it read from memory (misses).
 */
unsigned llc_store(Llc *c, uint64_t addr, unsigned len);
/* A load: allocates the line clean (it may evict a dirty one); as above. */
unsigned llc_load(Llc *c, uint64_t addr, unsigned len);
/* Write back every dirty line. */
void llc_flush(Llc *c);

#endif
