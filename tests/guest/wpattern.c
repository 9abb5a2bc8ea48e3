/*
 * wpattern: synthetic write patterns for the measurement workloads.
 *
 *   wpattern zipf MB SECONDS [ALPHA]
 *   wpattern phase MB HOT_MB PHASE_SECONDS SECONDS
 *
 * Takes MB of memory and rewrites whole pages of it for SECONDS:
 * zipf picks each page from a Zipf distribution (ALPHA, default 0.99) over
 * the pages in a random order, so that the hot pages are scattered; phase
 * rewrites a window of HOT_MB at a random place and moves it every
 * PHASE_SECONDS.  Prints "WPATTERN <pattern> <pages written>" at the end.
 *
 * Copyright (c) 2026 raminate developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "common.h"

#define PAGE 4096UL

static uint64_t rng = 88172645463325252ULL;

static uint64_t next_random(void)
{
	return xorshift64(&rng);
}

static void write_page(char *mem, uint64_t page, uint64_t stamp)
{
	uint64_t *p = (uint64_t *)(mem + page * PAGE);

	for (unsigned i = 0; i < PAGE / 8; i++)
		p[i] = stamp + i;
}

/* Zipf over @pages: cumulative weights, searched per pick. */
static uint64_t zipf(char *mem, uint64_t pages, double seconds, double alpha)
{
	double *cdf = malloc(pages * sizeof(*cdf)), sum = 0, end = now() + seconds;
	uint64_t *order = malloc(pages * sizeof(*order)), written = 0;

	if (!cdf || !order)
		return 0;
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t j = next_random() % (i + 1);

		order[i] = order[j];
		order[j] = i;
		sum += 1.0 / pow(i + 1, alpha);
		cdf[i] = sum;
	}
	while (now() < end) {
		for (int k = 0; k < 256; k++) {
			double u = (next_random() >> 11) * 0x1p-53 * sum;
			uint64_t lo = 0, hi = pages - 1;

			while (lo < hi) {
				uint64_t mid = (lo + hi) / 2;

				if (cdf[mid] < u)
					lo = mid + 1;
				else
					hi = mid;
			}
			write_page(mem, order[lo], written++);
		}
	}
	return written;
}

static uint64_t phase(char *mem, uint64_t pages, uint64_t hot,
		      double phase_seconds, double seconds)
{
	double t = now(), end = t + seconds, next = t;
	uint64_t base = 0, written = 0;

	while ((t = now()) < end) {
		if (t >= next) {
			base = next_random() % (pages - hot + 1);
			next = t + phase_seconds;
		}
		for (uint64_t i = 0; i < hot; i++)
			write_page(mem, base + i, written++);
	}
	return written;
}

int main(int argc, char **argv)
{
	uint64_t pages, written;
	char *mem;

	if (argc < 4 || (strcmp(argv[1], "zipf") && strcmp(argv[1], "phase")) ||
	    (!strcmp(argv[1], "phase") && argc != 6)) {
		fprintf(stderr, "usage: wpattern zipf MB SECONDS [ALPHA]\n"
			"       wpattern phase MB HOT_MB PHASE_SECONDS SECONDS\n");
		return 2;
	}
	pages = strtoull(argv[2], NULL, 0) * 1024 * 1024 / PAGE;
	mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (!pages || mem == MAP_FAILED) {
		perror("wpattern");
		return 1;
	}
	if (!strcmp(argv[1], "zipf")) {
		written = zipf(mem, pages, atof(argv[3]),
			       argc > 4 ? atof(argv[4]) : 0.99);
	} else {
		uint64_t hot = strtoull(argv[3], NULL, 0) * 1024 * 1024 / PAGE;

		if (!hot || hot > pages) {
			fprintf(stderr, "wpattern: HOT_MB must be 1 to MB\n");
			return 2;
		}
		written = phase(mem, pages, hot, atof(argv[4]), atof(argv[5]));
	}
	printf("WPATTERN %s %llu\n", argv[1], (unsigned long long)written);
	return 0;
}
