/*
 * layout-check: prove from the backing files where every guest page lives.
 *
 *   layout-check --nonce N --expect PAGES
 *                --map GPA:SIZE:RAMOFF ...         guest-physical -> container
 *                --child PATH:PHYOFF:OFFSET:SIZE ...  container -> source file
 *                [--dump FILE:GPA ...]              a pmemsave of guest memory
 *                [--placement FILE]       raminate-save-placement output
 *
 * For every guest page of each --map range, reads the page's bytes at
 * PHYOFF + (container offset - OFFSET) in the child's PATH and looks for the
 * tag tests/guest/pagetag.c wrote: a tag must name the guest frame it is
 * found at, and the number of tags found must be PAGES.  Each --dump must
 * equal, byte for byte, the same guest range read from the source files.
 * With --placement, container page p lives in the storage of page slot[p].
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
#include <unistd.h>

#include "../lib/frame-tag.h"

#define PAGE 4096ULL
#define MAX 16

struct map { uint64_t gpa, size, ramoff; };
struct child { char *path; int fd; uint64_t phy, off, size; };

static struct map maps[MAX];
static struct child children[MAX];
static int nmaps, nchildren;
static uint32_t *slot;          /* --placement: storage of each page */
static uint64_t nslots;

static void die(const char *msg, const char *arg)
{
	fprintf(stderr, "layout-check: %s%s\n", msg, arg ? arg : "");
	exit(2);
}

/* The file and file offset holding guest-physical page @gpa. */
static struct child *locate(uint64_t gpa, uint64_t *foff)
{
	for (int m = 0; m < nmaps; m++) {
		uint64_t ramoff;

		if (gpa < maps[m].gpa || gpa >= maps[m].gpa + maps[m].size)
			continue;
		ramoff = maps[m].ramoff + (gpa - maps[m].gpa);
		if (slot) {
			if (ramoff / PAGE >= nslots)
				die("placement file too short", NULL);
			ramoff = (uint64_t)slot[ramoff / PAGE] * PAGE +
				 ramoff % PAGE;
		}
		for (int c = 0; c < nchildren; c++) {
			struct child *ch = &children[c];

			if (ramoff >= ch->off && ramoff < ch->off + ch->size) {
				*foff = ch->phy + (ramoff - ch->off);
				return ch;
			}
		}
		die("no child covers a mapped guest page", NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	uint64_t nonce = 0, expect = UINT64_MAX, found = 0, misplaced = 0;
	uint64_t checked = 0, dumped = 0, dump_bad = 0, in_child[MAX] = { 0 };
	static char page[PAGE], other[PAGE];

	for (int i = 1; i < argc; i++) {
		char *a = argv[i + 1];

		if (i + 1 >= argc)
			die("missing value for ", argv[i]);
		if (!strcmp(argv[i], "--nonce")) {
			nonce = strtoull(a, NULL, 0);
		} else if (!strcmp(argv[i], "--expect")) {
			expect = strtoull(a, NULL, 0);
		} else if (!strcmp(argv[i], "--map") && nmaps < MAX) {
			struct map *m = &maps[nmaps++];

			if (sscanf(a, "%" SCNi64 ":%" SCNi64 ":%" SCNi64,
				   &m->gpa, &m->size, &m->ramoff) != 3)
				die("bad --map ", a);
		} else if (!strcmp(argv[i], "--child") && nchildren < MAX) {
			struct child *c = &children[nchildren++];
			char *colon = strchr(a, ':');

			if (!colon || sscanf(colon + 1, "%" SCNi64 ":%" SCNi64
					     ":%" SCNi64, &c->phy, &c->off,
					     &c->size) != 3)
				die("bad --child ", a);
			c->path = strndup(a, colon - a);
			c->fd = open(c->path, O_RDONLY);
			if (c->fd < 0)
				die("cannot open ", c->path);
		} else if (!strcmp(argv[i], "--placement")) {
			FILE *f = fopen(a, "rb");

			if (!f || fseek(f, 0, SEEK_END))
				die("cannot read ", a);
			nslots = ftell(f) / sizeof(*slot);
			slot = malloc(nslots * sizeof(*slot));
			rewind(f);
			if (!slot || fread(slot, sizeof(*slot), nslots, f) !=
			    nslots)
				die("cannot read ", a);
			fclose(f);
		} else if (strcmp(argv[i], "--dump")) {
			die("unknown option ", argv[i]);
		}
		i++;
	}

	for (int m = 0; m < nmaps; m++) {
		for (uint64_t g = maps[m].gpa; g < maps[m].gpa + maps[m].size;
		     g += PAGE) {
			uint64_t t[4], e[4], foff;
			struct child *c = locate(g, &foff);

			checked++;
			if (pread(c->fd, t, sizeof(t), foff) != sizeof(t))
				die("short read from ", c->path);
			if (t[0] != FRAME_TAG_MAGIC || t[1] != nonce)
				continue;
			if (pread(c->fd, e, sizeof(e), foff + PAGE - 32) !=
			    sizeof(e))
				die("short read from ", c->path);
			if (frame_tag_ok(t, nonce, g / PAGE) &&
			    frame_tag_ok(e, nonce, g / PAGE)) {
				found++;
				in_child[c - children]++;
			} else {
				misplaced++;
				if (misplaced <= 5)
					fprintf(stderr, "misplaced: gpa 0x%" PRIx64
						" holds the tag of frame 0x%" PRIx64
						"\n", g, t[2]);
			}
		}
	}

	/* Second pass over the arguments: pmemsave dumps. */
	for (int i = 1; i + 1 < argc; i += 2) {
		uint64_t gpa;
		char *colon;
		int fd;

		if (strcmp(argv[i], "--dump"))
			continue;
		colon = strrchr(argv[i + 1], ':');
		if (!colon)
			die("bad --dump ", argv[i + 1]);
		gpa = strtoull(colon + 1, NULL, 0);
		*colon = 0;
		fd = open(argv[i + 1], O_RDONLY);
		if (fd < 0)
			die("cannot open ", argv[i + 1]);
		for (;; gpa += PAGE) {
			uint64_t foff;
			struct child *c;
			ssize_t n = read(fd, page, PAGE);

			if (n <= 0)
				break;
			c = locate(gpa, &foff);
			if (!c)
				die("dump covers an unmapped guest address", NULL);
			if (pread(c->fd, other, n, foff) != n)
				die("short read from ", c->path);
			dumped += n;
			if (memcmp(page, other, n))
				dump_bad++;
		}
		close(fd);
	}

	printf("guest pages checked %" PRIu64 ", tags found %" PRIu64
	       " (guest wrote %" PRIu64 "), misplaced %" PRIu64 "\n",
	       checked, found, expect, misplaced);
	for (int c = 0; c < nchildren; c++)
		printf("  %s: %" PRIu64 " tagged pages\n", children[c].path,
		       in_child[c]);
	printf("pmemsave bytes compared %" PRIu64 ", pages differing %" PRIu64
	       "\n", dumped, dump_bad);
	return found == expect && !misplaced && !dump_bad ? 0 : 1;
}
