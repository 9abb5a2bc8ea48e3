/*
 * pagetag: fill guest RAM with page tags the host can find.
 *
 *   pagetag NONCE MB [wait]
 *
 * Takes MB MiB of anonymous memory, and writes into each of its pages a tag
 * naming the guest-physical frame the page sits in (read from
 * /proc/self/pagemap) at both ends of the page.  The host then proves from the
 * backing files where every guest frame lives (tests/host/layout-check.c).
 * Prints "TAGGED <pages> <nonce>" and, with "wait", keeps the memory until
 * the VM is stopped.
 *
 * Copyright (c) 2026 raminate developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../lib/frame-tag.h"

#define PAGE 4096UL

#define BATCH 4096

/* Frame numbers of BATCH pages from p on (0 where not present). */
static void pfns_of(int pagemap, const char *p, uint64_t *pfn, uint64_t n)
{
	off_t off = (uintptr_t)p / PAGE * sizeof(uint64_t);

	if (pread(pagemap, pfn, n * sizeof(uint64_t), off) !=
	    (ssize_t)(n * sizeof(uint64_t))) {
		memset(pfn, 0, n * sizeof(uint64_t));
		return;
	}
	for (uint64_t i = 0; i < n; i++)
		pfn[i] = pfn[i] >> 63 ? pfn[i] & ((1ULL << 55) - 1) : 0;
}

int main(int argc, char **argv)
{
	uint64_t nonce, pages, tagged = 0, moved = 0;
	int pagemap;
	char *mem;

	if (argc < 3) {
		fprintf(stderr, "usage: pagetag NONCE MB [wait]\n");
		return 2;
	}
	nonce = strtoull(argv[1], NULL, 0);
	pages = strtoull(argv[2], NULL, 0) * 1024 * 1024 / PAGE;
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	if (pagemap < 0) {
		perror("pagemap");
		return 1;
	}
	mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (mem == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	/* Keep frames where they are: no collapse into huge pages, no swap. */
	madvise(mem, pages * PAGE, MADV_NOHUGEPAGE);
	mlock(mem, pages * PAGE);

	for (uint64_t i = 0; i < pages; i += BATCH) {
		uint64_t n = pages - i < BATCH ? pages - i : BATCH;
		static uint64_t pfn[BATCH];

		pfns_of(pagemap, mem + i * PAGE, pfn, n);
		for (uint64_t j = 0; j < n; j++) {
			char *p = mem + (i + j) * PAGE;

			if (!pfn[j])
				continue;
			frame_tag_write((uint64_t *)p, nonce, pfn[j]);
			frame_tag_write((uint64_t *)(p + PAGE - 32), nonce,
					pfn[j]);
			tagged++;
		}
	}
	/* A frame that moved since it was tagged would be a false failure. */
	for (uint64_t i = 0; i < pages; i += BATCH) {
		uint64_t n = pages - i < BATCH ? pages - i : BATCH;
		static uint64_t pfn[BATCH];

		pfns_of(pagemap, mem + i * PAGE, pfn, n);
		for (uint64_t j = 0; j < n; j++) {
			uint64_t *t = (uint64_t *)(mem + (i + j) * PAGE);

			if (t[0] == FRAME_TAG_MAGIC && t[2] != pfn[j])
				moved++;
		}
	}
	printf("TAGGED %" PRIu64 " %" PRIu64 " moved %" PRIu64 "\n",
	       tagged, nonce, moved);
	fflush(stdout);
	if (argc > 3 && !strcmp(argv[3], "wait"))
		for (;;)
			pause();
	return moved ? 1 : 0;
}
