/*
 * memcheck: keep writing checksummed data across memory and verify it.
 *
 *   memcheck NONCE MB WINDOW_PAGES SHIFT_MS SECONDS [HOT_MB [STOP_FILE]]
 *
 * Fills MB of memory with pages whose contents follow from (page, version),
 * then for SECONDS rewrites a window of WINDOW_PAGES pages with a new
 * version over and over, moving the window every SHIFT_MS through the
 * first HOT_MB (default: all) so that the write-hot set keeps changing,
 * and verifies every page about once a second and at the end.  With
 * STOP_FILE it goes on after SECONDS until that file exists: the host ends
 * the run once it has seen what it waits for (see guest-run --share).
 * Each page also carries pagetag's frame tag at both ends, so the host can
 * find it in the backing files.
 * Prints "FILLED pages=.." once memory is filled and the SECONDS start,
 * "MEMCHECK pages=.. writes=.. verifies=.. mismatches=.." at the end, then
 * waits until the VM is stopped.
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

#include "../lib/frame-tag.h"
#include "common.h"

#define PAGE 4096UL
#define WORDS (PAGE / 8)

static uint64_t nonce;

/* Words 0-3 and the last 4: the frame tag; 4-5: page and version. */
static void fill(uint64_t *w, uint64_t pfn, uint64_t page, uint64_t ver)
{
	uint64_t x = (page * 0x9e3779b97f4a7c15ULL) ^ (ver + 1) ^ nonce;

	frame_tag_write(w, nonce, pfn);
	frame_tag_write(w + WORDS - 4, nonce, pfn);
	w[4] = page;
	w[5] = ver;
	for (unsigned i = 6; i < WORDS - 4; i++)
		w[i] = xorshift64(&x);
}

static int check(const uint64_t *w, uint64_t pfn, uint64_t page, uint64_t ver)
{
	uint64_t x = (page * 0x9e3779b97f4a7c15ULL) ^ (ver + 1) ^ nonce;

	if (!frame_tag_ok(w, nonce, pfn) ||
	    !frame_tag_ok(w + WORDS - 4, nonce, pfn) ||
	    w[4] != page || w[5] != ver)
		return 0;
	for (unsigned i = 6; i < WORDS - 4; i++)
		if (w[i] != xorshift64(&x))
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	uint64_t pages, hot, window, writes = 0, verifies = 0, bad = 0;
	uint64_t start = 0;
	uint64_t *ver, *pfn;
	double shift, end, next_shift, next_verify;
	const char *stop_file;
	int done = 0;
	int pagemap;
	char *mem;

	if (argc < 6 || argc > 8) {
		fprintf(stderr, "usage: memcheck NONCE MB WINDOW_PAGES "
			"SHIFT_MS SECONDS [HOT_MB [STOP_FILE]]\n");
		return 2;
	}
	nonce = strtoull(argv[1], NULL, 0);
	pages = strtoull(argv[2], NULL, 0) * 1024 * 1024 / PAGE;
	stop_file = argc == 8 ? argv[7] : NULL;
	hot = argc >= 7 ? strtoull(argv[6], NULL, 0) * 1024 * 1024 / PAGE
			: pages;
	window = strtoull(argv[3], NULL, 0);
	shift = strtod(argv[4], NULL) / 1000;
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ver = calloc(pages, sizeof(*ver));
	pfn = calloc(pages, sizeof(*pfn));
	if (pagemap < 0 || mem == MAP_FAILED || !ver || !pfn || !window ||
	    hot > pages || window > hot) {
		perror("memcheck");
		return 1;
	}
	madvise(mem, pages * PAGE, MADV_NOHUGEPAGE);
	mlock(mem, pages * PAGE);
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t e = 0;

		pread(pagemap, &e, 8, ((uintptr_t)mem / PAGE + i) * 8);
		pfn[i] = e & ((1ULL << 55) - 1);
		fill((uint64_t *)(mem + i * PAGE), pfn[i], i, 0);
	}
	printf("FILLED pages=%" PRIu64 "\n", pages);
	fflush(stdout);
	end = now() + strtod(argv[5], NULL);
	next_shift = now() + shift;
	next_verify = now() + 1;
	while (!done) {
		for (uint64_t k = 0; k < window; k++) {
			uint64_t i = (start + k) % hot;

			fill((uint64_t *)(mem + i * PAGE), pfn[i], i, ++ver[i]);
			writes++;
		}
		if (now() >= next_shift) {
			start = (start + window) % hot;
			next_shift = now() + shift;
		}
		if (now() >= next_verify) {
			for (uint64_t i = 0; i < pages; i++)
				bad += !check((uint64_t *)(mem + i * PAGE),
					      pfn[i], i, ver[i]);
			verifies++;
			next_verify = now() + 1;
			/* Looked for once a second: a round trip to the host. */
			done = now() >= end &&
			       (!stop_file || !access(stop_file, F_OK));
		}
	}
	for (uint64_t i = 0; i < pages; i++)
		bad += !check((uint64_t *)(mem + i * PAGE), pfn[i], i, ver[i]);
	verifies++;
	printf("MEMCHECK pages=%" PRIu64 " writes=%" PRIu64 " verifies=%"
	       PRIu64 " mismatches=%" PRIu64 "\n", pages, writes, verifies, bad);
	fflush(stdout);
	for (;;)
		pause();
}
