/*
 * stores: a known store pattern for the write-counter plugin.
 *
 *   stores N1 N2
 *
 * Faults in two pages, tells the write-counter plugin to start afresh (a
 * store of "RWSTART!"), then makes N1 8-byte stores to the first page and
 * N2 to the second, prints "PAGES <frame1> <frame2>" and waits, so that
 * the pages stay this program's until the VM is stopped.
 *
 * Copyright (c) 2026 raminate developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "raminate-writes.h"

/* Where the plugin's start marker is stored: anywhere will do. */
volatile uint64_t rwstart;

static uint64_t frame(int pagemap, const void *p)
{
	uint64_t e = 0;

	pread(pagemap, &e, 8, (uintptr_t)p / 4096 * 8);
	return e & ((1ULL << 55) - 1);
}

int main(int argc, char **argv)
{
	long n[2];
	volatile uint64_t *page[2];
	char *mem;
	int pagemap = open("/proc/self/pagemap", O_RDONLY);

	if (argc != 3 || pagemap < 0)
		return 2;
	n[0] = atol(argv[1]);
	n[1] = atol(argv[2]);
	mem = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (mem == MAP_FAILED)
		return 1;
	mlock(mem, 2 * 4096);
	rwstart = RAMINATE_WRITES_START;
	for (int p = 0; p < 2; p++) {
		page[p] = (volatile uint64_t *)(mem + p * 4096);
		for (long i = 0; i < n[p]; i++)
			page[p][i % 512] = i;
	}
	printf("PAGES %" PRIx64 " %" PRIx64 "\n", frame(pagemap, mem),
	       frame(pagemap, mem + 4096));
	fflush(stdout);
	for (;;)
		pause();
}
