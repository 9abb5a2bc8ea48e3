/*
 * diskcheck: keep direct disk I/O in flight into and out of write-hot
 * memory, and check every byte of it.
 *
 *   diskcheck make-image FILE NONCE READ_BLOCKS WRITE_BLOCKS
 *   diskcheck check-image FILE NONCE READ_BLOCKS WRITE_BLOCKS
 *   diskcheck run NONCE DEV READ_BLOCKS WRITE_BLOCKS BUF_MB THREADS
 *                 WINDOW_PAGES SHIFT_MS SECONDS
 *
 * The disk holds 4 KiB blocks whose bytes follow from (block, version):
 * READ_BLOCKS blocks read back as written by make-image (version 0), then
 * WRITE_BLOCKS blocks that run rewrites.  run keeps THREADS O_DIRECT
 * requests in flight, each into or out of a page of a BUF_MB buffer, the
 * pages chosen in a window of WINDOW_PAGES that moves every SHIFT_MS: the
 * program writes each page just before its request, so the pages under
 * I/O are the write-hot ones a hybrid-memory hypervisor moves.  It checks
 * each page after each read, every page of the buffer about once a second
 * (a request landing in the wrong page shows there), and at the end reads
 * back every block it wrote.  It prints "DISKCHECK reads=.. writes=..
 * ioerrors=.. bad_reads=.. bad_pages=.. bad_blocks=.." and waits until the
 * VM is stopped.
 *
 * make-image writes a disk's initial contents; check-image counts the
 * blocks of an image (after a run) whose bytes are not those of any
 * version of that block, and prints "IMAGE blocks=.. bad=..".  Both run on
 * the host: the program is static.
 *
 * Copyright (c) 2026 raminate developers
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define PAGE 4096UL
#define WORDS (PAGE / 8)
#define BLOCK_MAGIC 0x524d4e54424c4b00ULL   /* "RMNTBLK" */
#define POISON_MAGIC 0x524d4e54504f4900ULL  /* "RMNTPOI" */

static uint64_t nonce;

/* The bytes of (magic, id, version): block contents, or a page's poison. */
static void fill(uint64_t *w, uint64_t magic, uint64_t id, uint64_t ver)
{
	uint64_t x = (id * 0x9e3779b97f4a7c15ULL) ^ (ver + 1) ^ nonce ^ magic;

	w[0] = magic;
	w[1] = nonce;
	w[2] = id;
	w[3] = ver;
	for (unsigned i = 4; i < WORDS; i++)
		w[i] = xorshift64(&x);
}

static int holds(const uint64_t *w, uint64_t magic, uint64_t id, uint64_t ver)
{
	uint64_t x = (id * 0x9e3779b97f4a7c15ULL) ^ (ver + 1) ^ nonce ^ magic;

	if (w[0] != magic || w[1] != nonce || w[2] != id || w[3] != ver)
		return 0;
	for (unsigned i = 4; i < WORDS; i++)
		if (w[i] != xorshift64(&x))
			return 0;
	return 1;
}

/* What a buffer page holds now: a poison version or a disk block. */
struct expect {
	uint64_t magic, id, ver;
};

static struct {
	int fd;
	char *buf;
	uint64_t pages, window, read_blocks, write_blocks;
	unsigned threads;
	double shift, end;
	volatile uint64_t start;        /* the window's first page */
} run;

struct worker {
	pthread_t thread;
	unsigned id;
	uint64_t rng, poison_ver;
	uint64_t reads, writes, ioerrors, bad_reads, bad_pages, bad_blocks;
	struct expect *expect;          /* of the pages this worker owns */
	uint64_t *block_ver;            /* of the write blocks it owns */
};

/* Worker @w owns pages w->id, w->id + threads, ... */
static uint64_t page_index(struct worker *w, uint64_t k)
{
	return k * run.threads + w->id;
}

static uint64_t *page_of(struct worker *w, uint64_t k)
{
	return (uint64_t *)(run.buf + page_index(w, k) * PAGE);
}

static uint64_t owned_pages(struct worker *w)
{
	return (run.pages - w->id + run.threads - 1) / run.threads;
}

static uint64_t owned_blocks(struct worker *w)
{
	return (run.write_blocks - w->id + run.threads - 1) / run.threads;
}

static void verify_pages(struct worker *w)
{
	for (uint64_t k = 0; k < owned_pages(w); k++) {
		struct expect *e = &w->expect[k];

		w->bad_pages += !holds(page_of(w, k), e->magic, e->id, e->ver);
	}
}

/* A page of this worker's inside the window. */
static uint64_t pick_page(struct worker *w)
{
	uint64_t first = run.start + xorshift64(&w->rng) % run.window;
	uint64_t k = (first % run.pages) / run.threads;

	return k < owned_pages(w) ? k : 0;
}

static void one_request(struct worker *w)
{
	uint64_t k = pick_page(w);
	uint64_t *p = page_of(w, k);
	struct expect *e = &w->expect[k];
	ssize_t n;

	if (xorshift64(&w->rng) % 4 || !owned_blocks(w)) {
		uint64_t b = xorshift64(&w->rng) % run.read_blocks;

		/* Write the page first: it is the hot one. */
		fill(p, POISON_MAGIC, page_index(w, k), ++w->poison_ver);
		*e = (struct expect) { POISON_MAGIC, page_index(w, k),
				       w->poison_ver };
		n = pread(run.fd, p, PAGE, b * PAGE);
		if (n != PAGE) {
			w->ioerrors++;
			return;
		}
		*e = (struct expect) { BLOCK_MAGIC, b, 0 };
		w->bad_reads += !holds(p, BLOCK_MAGIC, b, 0);
		w->reads++;
	} else {
		uint64_t j = xorshift64(&w->rng) % owned_blocks(w);
		uint64_t b = run.read_blocks + j * run.threads + w->id;

		fill(p, BLOCK_MAGIC, b, w->block_ver[j] + 1);
		*e = (struct expect) { BLOCK_MAGIC, b, w->block_ver[j] + 1 };
		n = pwrite(run.fd, p, PAGE, b * PAGE);
		if (n != PAGE) {
			w->ioerrors++;
			return;
		}
		w->block_ver[j]++;
		w->writes++;
	}
}

static void *worker_main(void *opaque)
{
	struct worker *w = opaque;
	double next_verify = now() + 1;

	while (now() < run.end) {
		one_request(w);
		if (now() >= next_verify) {
			verify_pages(w);
			next_verify = now() + 1;
		}
	}
	verify_pages(w);
	/* Read back what it wrote, through its first page. */
	for (uint64_t j = 0; j < owned_blocks(w); j++) {
		uint64_t b = run.read_blocks + j * run.threads + w->id;
		uint64_t *p = page_of(w, 0);

		if (pread(run.fd, p, PAGE, b * PAGE) != PAGE)
			w->ioerrors++;
		else
			w->bad_blocks += !holds(p, BLOCK_MAGIC, b,
						w->block_ver[j]);
	}
	return NULL;
}

static int do_run(char **argv)
{
	uint64_t buf_mb = strtoull(argv[4], NULL, 0);
	struct worker *w;
	uint64_t t[6] = { 0 };

	run.read_blocks = strtoull(argv[2], NULL, 0);
	run.write_blocks = strtoull(argv[3], NULL, 0);
	run.threads = strtoul(argv[5], NULL, 0);
	run.window = strtoull(argv[6], NULL, 0);
	run.shift = strtod(argv[7], NULL) / 1000;
	run.pages = buf_mb * 1024 * 1024 / PAGE;
	run.fd = open(argv[1], O_RDWR | O_DIRECT);
	if (run.fd < 0)         /* 9p: uncached anyway */
		run.fd = open(argv[1], O_RDWR);
	run.buf = mmap(NULL, run.pages * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	w = calloc(run.threads, sizeof(*w));
	if (run.fd < 0 || run.buf == MAP_FAILED || !w || !run.threads ||
	    !run.read_blocks || !run.window || run.window > run.pages ||
	    run.threads > run.pages) {
		perror("diskcheck run");
		return 1;
	}
	madvise(run.buf, run.pages * PAGE, MADV_NOHUGEPAGE);
	mlock(run.buf, run.pages * PAGE);
	for (unsigned i = 0; i < run.threads; i++) {
		w[i].id = i;
		w[i].rng = nonce + i * 7919 + 1;
		w[i].expect = calloc(owned_pages(&w[i]), sizeof(struct expect));
		w[i].block_ver = calloc(owned_blocks(&w[i]) + 1,
					sizeof(uint64_t));
		for (uint64_t k = 0; k < owned_pages(&w[i]); k++) {
			uint64_t page = page_index(&w[i], k);

			fill(page_of(&w[i], k), POISON_MAGIC, page, 0);
			w[i].expect[k] = (struct expect) { POISON_MAGIC, page,
							   0 };
		}
	}
	printf("FILLED pages=%" PRIu64 "\n", run.pages);
	fflush(stdout);
	run.end = now() + strtod(argv[8], NULL);
	for (unsigned i = 0; i < run.threads; i++)
		pthread_create(&w[i].thread, NULL, worker_main, &w[i]);
	while (now() < run.end) {
		usleep(run.shift * 1e6);
		run.start = (run.start + run.window) % run.pages;
	}
	for (unsigned i = 0; i < run.threads; i++) {
		pthread_join(w[i].thread, NULL);
		t[0] += w[i].reads;
		t[1] += w[i].writes;
		t[2] += w[i].ioerrors;
		t[3] += w[i].bad_reads;
		t[4] += w[i].bad_pages;
		t[5] += w[i].bad_blocks;
	}
	printf("DISKCHECK reads=%" PRIu64 " writes=%" PRIu64 " ioerrors=%"
	       PRIu64 " bad_reads=%" PRIu64 " bad_pages=%" PRIu64
	       " bad_blocks=%" PRIu64 "\n", t[0], t[1], t[2], t[3], t[4], t[5]);
	fflush(stdout);
	for (;;)
		pause();
}

/* make-image, or check-image: the blocks of no version of themselves. */
static int do_image(const char *path, int make, uint64_t rb, uint64_t wb)
{
	uint64_t w[WORDS], bad = 0;
	int fd = open(path, make ? O_RDWR | O_CREAT | O_TRUNC : O_RDONLY,
		      0644);

	if (fd < 0) {
		perror(path);
		return 1;
	}
	for (uint64_t b = 0; b < rb + wb; b++) {
		if (make) {
			fill(w, BLOCK_MAGIC, b, 0);
			if (pwrite(fd, w, PAGE, b * PAGE) != PAGE) {
				perror(path);
				return 1;
			}
		} else if (pread(fd, w, PAGE, b * PAGE) != PAGE ||
			   !holds(w, BLOCK_MAGIC, b, w[3]) ||
			   (b < rb && w[3] != 0)) {
			bad++;
		}
	}
	if (!make)
		printf("IMAGE blocks=%" PRIu64 " bad=%" PRIu64 "\n", rb + wb,
		       bad);
	return close(fd) != 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && (!strcmp(argv[1], "make-image") ||
			  !strcmp(argv[1], "check-image"))) {
		nonce = strtoull(argv[3], NULL, 0);
		return do_image(argv[2], argv[1][0] == 'm',
				strtoull(argv[4], NULL, 0),
				strtoull(argv[5], NULL, 0));
	}
	if (argc == 11 && !strcmp(argv[1], "run")) {
		nonce = strtoull(argv[2], NULL, 0);
		return do_run(argv + 2);
	}
	fprintf(stderr, "usage: diskcheck make-image|check-image FILE NONCE "
		"READ_BLOCKS WRITE_BLOCKS\n"
		"       diskcheck run NONCE DEV READ_BLOCKS WRITE_BLOCKS BUF_MB "
		"THREADS WINDOW_PAGES SHIFT_MS SECONDS\n");
	return 2;
}
