/*
 * hotset: a known write-hot set that starts in NVM.
 *
 *   hotset NONCE TOTAL_MB HOT_PAGES NVM_START_MB SECONDS
 *
 * Takes TOTAL_MB of memory and picks as its hot set the first HOT_PAGES of
 * its pages whose guest frame lies at or above NVM_START_MB (in NVM when the
 * DRAM child is the first NVM_START_MB of RAM).  Tags each hot page with
 * its frame (as pagetag does, with a "hot" marker) and rewrites the hot set
 * for SECONDS, printing "HOT <pages> <nonce>" once the set is chosen and
 * "DONE <passes>" at the end.  The host then finds the hot pages' bytes in
 * the DRAM backing file.
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
#include <time.h>
#include <unistd.h>

#include "common.h"

#define PAGE 4096UL
#define HOT_MAGIC 0x484f545345542121ULL /* "HOTSET!!" */

int main(int argc, char **argv)
{
	uint64_t nonce, pages, want, nvm_pfn, passes = 0, n = 0;
	uint64_t **hot;
	double end;
	int pagemap;
	char *mem;

	if (argc != 6) {
		fprintf(stderr, "usage: hotset NONCE TOTAL_MB HOT_PAGES "
			"NVM_START_MB SECONDS\n");
		return 2;
	}
	nonce = strtoull(argv[1], NULL, 0);
	pages = strtoull(argv[2], NULL, 0) * 1024 * 1024 / PAGE;
	want = strtoull(argv[3], NULL, 0);
	nvm_pfn = strtoull(argv[4], NULL, 0) * 1024 * 1024 / PAGE;
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	hot = calloc(want, sizeof(*hot));
	if (pagemap < 0 || mem == MAP_FAILED || !hot) {
		perror("hotset");
		return 1;
	}
	madvise(mem, pages * PAGE, MADV_NOHUGEPAGE);
	mlock(mem, pages * PAGE);
	for (uint64_t i = 0; i < pages && n < want; i++) {
		uint64_t e, *t = (uint64_t *)(mem + i * PAGE);

		if (pread(pagemap, &e, 8, (uintptr_t)t / PAGE * 8) != 8 ||
		    !(e >> 63) || (e & ((1ULL << 55) - 1)) < nvm_pfn)
			continue;
		t[0] = HOT_MAGIC;
		t[1] = nonce;
		t[2] = e & ((1ULL << 55) - 1);
		hot[n++] = t;
	}
	printf("HOT %" PRIu64 " %" PRIu64 "\n", n, nonce);
	fflush(stdout);
	end = now() + strtod(argv[5], NULL);
	while (now() < end) {
		for (uint64_t i = 0; i < n; i++)
			hot[i][3] = passes;
		passes++;
		usleep(20000);
	}
	printf("DONE %" PRIu64 "\n", passes);
	return 0;
}
