// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * KVM_SWAP_GFNS, tested against a running guest on /dev/mem-backed memory
 * (the L1 kernel reserves the range with memmap=; give it as PHYS:SIZE):
 *
 *   - a swap exchanges the two pages' frames and contents: each gfn keeps
 *     its data, in the guest and in the VMM's mapping, and the frames (read
 *     through a second mapping of the physical range) have traded places;
 *   - while the vCPU rewrites and checks every page in a loop, thousands of
 *     swaps go by and the guest never reads a wrong value;
 *   - a batch of 1000 pairs is timed (the vCPU runs meanwhile);
 *   - bad arguments (foreign or out-of-range gfns, the same page twice, a
 *     read-only slot, anonymous memory, too many pairs, a bad address)
 *     get errors and leave the pages as they were; a batch stops at its
 *     first bad pair with the pairs before it done;
 *   - frames that are not the VM's spare memory are never swapped, each
 *     kind with its error and both pages unchanged: a udmabuf's PFN map
 *     (page-cache pages a driver hands out) and, with --bar, /dev/mem over
 *     a PCI device's memory BAR that no driver claims.
 *
 *   swap_test --devmem PHYS:SIZE [--bar PHYS:SIZE] [--seconds S]
 *
 * Copyright (c) 2026 raminate developers
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/udmabuf.h>

#include "l2vm.h"

#define TAG 0x5a5a000000000000ULL
#define SLOT 1
#define RO_SLOT 2
#define ANON_SLOT 3
#define ALIAS_SLOT 4
#define UDMABUF_SLOT 5
#define BAR_SLOT 6
#define FOREIGN_SIZE (1UL << 20)	/* of the udmabuf and BAR slots */

static uint64_t npages;
static uint8_t *guest_view;	/* the memslot's mapping: what the guest sees */
static uint8_t *frame_view;	/* the same physical range, mapped again */
static uint64_t *frame_of;	/* the frame (page of the range) behind each gfn */

static uint64_t gfn(uint64_t page)
{
	return DATA_GPA / PAGE_SIZE + page;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int swap(struct vm *vm, struct kvm_gfn_pair *pairs, uint32_t n,
		uint32_t *done)
{
	struct kvm_swap_gfns s = { .pairs = (uintptr_t)pairs, .nr_pairs = n };
	int r = ioctl(vm->fd, KVM_SWAP_GFNS, &s) ? -errno : 0;

	*done = s.nr_done;
	return r;
}

/* Swap pages @a and @b of the data slot and track their frames. */
static void swap_pages(struct vm *vm, uint64_t a, uint64_t b)
{
	struct kvm_gfn_pair p = { { gfn(a), gfn(b) } };
	uint64_t f;
	uint32_t done;
	int r = swap(vm, &p, 1, &done);

	TEST_ASSERT(!r && done == 1, "swap %lu and %lu: %s", a, b, strerror(-r));
	f = frame_of[a];
	frame_of[a] = frame_of[b];
	frame_of[b] = f;
}

/*
 * Every page holds TAG | page at offset 8, in the guest's view at its gfn
 * and in the frame the swaps moved it to; the frames are a permutation.
 */
static void check_placement(const char *when)
{
	uint64_t moved = 0;

	for (uint64_t p = 0; p < npages; p++) {
		uint64_t g = *(uint64_t *)(guest_view + p * PAGE_SIZE + 8);
		uint64_t f = *(uint64_t *)(frame_view + frame_of[p] * PAGE_SIZE + 8);

		TEST_ASSERT(g == (TAG | p), "%s: gfn page %lu holds %#lx", when, p, g);
		TEST_ASSERT(f == (TAG | p),
			    "%s: frame %lu, which should hold page %lu, holds %#lx",
			    when, frame_of[p], p, f);
		moved += frame_of[p] != p;
	}
	printf("%s: all %lu pages hold their data, %lu in another frame\n",
	       when, npages, moved);
}

/* A single swap, seen from every side. */
static void one_swap(struct vm *vm)
{
	uint64_t a = 0, b = npages - 3;	/* the mapping's first and a late page */

	swap_pages(vm, a, b);
	TEST_ASSERT(frame_of[a] == b && frame_of[b] == a, "bookkeeping");
	TEST_ASSERT(guest_check(vm, DATA_GPA + 8, npages, PAGE_SIZE, TAG, 1) == 0,
		    "the guest reads wrong data after one swap");
	check_placement("one swap");
	swap_pages(vm, a, b);
}

struct churn {
	struct vm *vm;
	atomic_bool stop;
	uint64_t rounds, mismatches;
};

/* The vCPU, meanwhile: rewrite offset 0 of every page, then check it all. */
static void *vcpu_loop(void *opaque)
{
	struct churn *c = opaque;

	while (!atomic_load(&c->stop)) {
		uint64_t round = ++c->rounds << 16;

		guest_write(c->vm, DATA_GPA, npages, PAGE_SIZE, round);
		c->mismatches += guest_check(c->vm, DATA_GPA, npages, PAGE_SIZE,
					     round, 0);
		c->mismatches += guest_check(c->vm, DATA_GPA + 8, npages,
					     PAGE_SIZE, TAG, 1);
	}
	return NULL;
}

/* @n pairs of distinct pages. */
static void random_pairs(struct kvm_gfn_pair *pairs, uint64_t *pages,
			 uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t a = test_random() % npages, b;

		do {
			b = test_random() % npages;
		} while (b == a);
		pairs[i].gfn[0] = gfn(a);
		pairs[i].gfn[1] = gfn(b);
		pages[2 * i] = a;
		pages[2 * i + 1] = b;
	}
}

static void note_swapped(const uint64_t *pages, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t a = pages[2 * i], b = pages[2 * i + 1], f = frame_of[a];

		frame_of[a] = frame_of[b];
		frame_of[b] = f;
	}
}

static void swaps_under_load(struct vm *vm, double seconds)
{
	struct churn c = { .vm = vm };
	struct kvm_gfn_pair pairs[1000];
	uint64_t pages[2000], swapped = 0;
	double t0, t, batch_ms;
	pthread_t vcpu;
	uint32_t done;
	int r;

	pthread_create(&vcpu, NULL, vcpu_loop, &c);
	/* One batch of 1000, timed, then batches of 64 until time is up. */
	random_pairs(pairs, pages, 1000);
	t = now();
	r = swap(vm, pairs, 1000, &done);
	batch_ms = (now() - t) * 1000;
	TEST_ASSERT(!r && done == 1000, "1000 pairs: %s after %u", strerror(-r), done);
	note_swapped(pages, 1000);
	swapped += 1000;
	t0 = now();
	while (now() - t0 < seconds) {
		random_pairs(pairs, pages, 64);
		r = swap(vm, pairs, 64, &done);
		TEST_ASSERT(!r && done == 64, "64 pairs: %s after %u", strerror(-r), done);
		note_swapped(pages, 64);
		swapped += 64;
	}
	atomic_store(&c.stop, true);
	pthread_join(vcpu, NULL);
	printf("under load: %lu swaps while the guest rewrote and checked all pages %lu times: %lu wrong reads\n",
	       swapped, c.rounds, c.mismatches);
	printf("1000 pairs in one call: %.2f ms (%.1f us per swap), the vCPU running\n",
	       batch_ms, batch_ms);
	TEST_ASSERT(c.mismatches == 0, "the guest read %lu wrong values", c.mismatches);
	TEST_ASSERT(c.rounds > 0, "the vCPU made no round");
	check_placement("after the swaps under load");
}

static void bad_arguments(struct vm *vm)
{
	uint64_t ro = gfn(0) + (256UL << 20) / PAGE_SIZE;
	uint64_t anon = ro + (256UL << 20) / PAGE_SIZE;
	uint64_t alias = anon + (256UL << 20) / PAGE_SIZE;
	struct kvm_gfn_pair p[3];
	struct kvm_swap_gfns s;
	uint32_t done;
	struct {
		const char *what;
		uint64_t a, b;
		int want;
	} cases[] = {
		{ "a gfn in no memslot", gfn(1), 0x7ffff000, -EINVAL },
		{ "a gfn past the slot's end", gfn(1), gfn(npages), -EINVAL },
		{ "the same page twice", gfn(1), gfn(1), -EINVAL },
		{ "the same page under two gfns", gfn(1), alias + 1, -EINVAL },
		{ "a read-only slot", gfn(1), ro, -EPERM },
		{ "anonymous memory", gfn(1), anon, -EOPNOTSUPP },
		{ "slot 0 (anonymous)", 0x10, gfn(1), -EOPNOTSUPP },
	};
	unsigned i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p[0].gfn[0] = cases[i].a;
		p[0].gfn[1] = cases[i].b;
		r = swap(vm, p, 1, &done);
		TEST_ASSERT(r == cases[i].want && done == 0,
			    "%s: got %d (%s), %u done; want %d", cases[i].what, r,
			    strerror(-r), done, cases[i].want);
	}

	/* A batch stops at its first bad pair, the pairs before it done. */
	p[0] = (struct kvm_gfn_pair) { { gfn(2), gfn(3) } };
	p[1] = (struct kvm_gfn_pair) { { gfn(4), gfn(4) } };
	p[2] = (struct kvm_gfn_pair) { { gfn(6), gfn(7) } };
	r = swap(vm, p, 3, &done);
	TEST_ASSERT(r == -EINVAL && done == 1, "good, bad, good: %d, %u done", r, done);
	note_swapped((uint64_t[]) { 2, 3 }, 1);

	r = swap(vm, p, KVM_SWAP_GFNS_MAX_PAIRS + 1, &done);
	TEST_ASSERT(r == -E2BIG && !done, "too many pairs: %d", r);
	r = swap(vm, (void *)8, 1000, &done);
	TEST_ASSERT(r == -EFAULT && !done, "a bad address: %d", r);
	s = (struct kvm_swap_gfns) { .pairs = (uintptr_t)p, .nr_pairs = 1, .flags = 1 };
	TEST_ASSERT(ioctl(vm->fd, KVM_SWAP_GFNS, &s) && errno == EINVAL, "flags");
	s = (struct kvm_swap_gfns) { .pairs = (uintptr_t)p, .nr_pairs = 1, .padding = { 1 } };
	TEST_ASSERT(ioctl(vm->fd, KVM_SWAP_GFNS, &s) && errno == EINVAL, "padding");
	printf("bad arguments: %zu cases and 5 batches, each the expected error\n",
	       sizeof(cases) / sizeof(cases[0]));
	check_placement("after the bad arguments");
}

/* A udmabuf of FOREIGN_SIZE, mapped: a PFN map of a memfd's pages. */
static uint8_t *map_udmabuf(void)
{
	struct udmabuf_create create = { .flags = UDMABUF_FLAGS_CLOEXEC,
					 .size = FOREIGN_SIZE };
	int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	int memfd = memfd_create("swap_test", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	int buf;
	void *p;

	TEST_ASSERT(dev >= 0, "/dev/udmabuf: %s", strerror(errno));
	TEST_ASSERT(memfd >= 0 && !ftruncate(memfd, FOREIGN_SIZE) &&
		    !fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK),
		    "a sealed memfd: %s", strerror(errno));
	create.memfd = memfd;
	buf = ioctl(dev, UDMABUF_CREATE, &create);
	TEST_ASSERT(buf >= 0, "UDMABUF_CREATE: %s", strerror(errno));
	p = mmap(NULL, FOREIGN_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	TEST_ASSERT(p != MAP_FAILED, "mmap a udmabuf: %s", strerror(errno));
	close(buf);
	close(memfd);
	close(dev);
	return p;
}

/*
 * Pages of @view at @slot_gpa, written and so mapped, are not swapped with a
 * page of the VM's /dev/mem memory: the swap fails with @want and neither
 * page changes.
 */
static void foreign_frames(struct vm *vm, const char *what, uint8_t *view,
			   uint64_t slot_gpa, int want)
{
	uint64_t foreign = slot_gpa / PAGE_SIZE + 1, mark = TAG | 0xf0f0;
	struct kvm_gfn_pair p = { { gfn(1), foreign } };
	uint64_t *word = (uint64_t *)(view + PAGE_SIZE + 8);
	uint32_t done;
	int r;

	*word = mark;
	r = swap(vm, &p, 1, &done);
	TEST_ASSERT(r == want && done == 0, "%s: got %d (%s), %u done; want %d",
		    what, r, strerror(-r), done, want);
	TEST_ASSERT(*word == mark, "%s: its page changed: %#lx", what, *word);
	printf("%s: refused (%s), both pages unchanged\n", what, strerror(-r));
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "devmem", required_argument, NULL, 'd' },
		{ "bar", required_argument, NULL, 'b' },
		{ "seconds", required_argument, NULL, 's' },
		{ 0 }
	};
	uint64_t phys = 0, size = 0, bar = 0, bar_size = 0;
	uint8_t *foreign;
	double seconds = 10;
	struct vm *vm;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			parse_range(optarg, &phys, &size);
		else if (c == 'b')
			parse_range(optarg, &bar, &bar_size);
		else if (c == 's')
			seconds = atof(optarg);
		else
			return 2;
	}
	TEST_ASSERT(size, "give --devmem PHYS:SIZE, a range the kernel reserved (memmap=)");

	vm = vm_create();
	TEST_ASSERT(ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_SWAP_GFNS) == 1,
		    "no KVM_CAP_SWAP_GFNS");
	npages = size / PAGE_SIZE;
	guest_view = map_devmem(phys, size);
	frame_view = map_devmem(phys, size);
	frame_of = calloc(npages, sizeof(*frame_of));
	for (uint64_t p = 0; p < npages; p++) {
		frame_of[p] = p;
		memset(guest_view + p * PAGE_SIZE, 0, PAGE_SIZE);
		*(uint64_t *)(guest_view + p * PAGE_SIZE + 8) = TAG | p;
	}
	vm_add_slot(vm, SLOT, DATA_GPA, guest_view, size, 0);
	vm_add_slot(vm, RO_SLOT, DATA_GPA + (256UL << 20), alloc_anon(1 << 20, false),
		    1 << 20, KVM_MEM_READONLY);
	vm_add_slot(vm, ANON_SLOT, DATA_GPA + (512UL << 20), alloc_anon(1 << 20, false),
		    1 << 20, 0);
	vm_add_slot(vm, ALIAS_SLOT, DATA_GPA + (768UL << 20), guest_view, 1 << 20, 0);

	TEST_ASSERT(guest_check(vm, DATA_GPA + 8, npages, PAGE_SIZE, TAG, 1) == 0,
		    "the guest does not see the pages' data");
	one_swap(vm);
	bad_arguments(vm);

	foreign = map_udmabuf();
	vm_add_slot(vm, UDMABUF_SLOT, DATA_GPA + (1024UL << 20), foreign,
		    FOREIGN_SIZE, 0);
	foreign_frames(vm, "a udmabuf", foreign, DATA_GPA + (1024UL << 20),
		       -EOPNOTSUPP);
	if (bar_size) {
		TEST_ASSERT(bar_size >= FOREIGN_SIZE, "--bar: at least 1 MiB");
		foreign = map_devmem(bar, FOREIGN_SIZE);
		vm_add_slot(vm, BAR_SLOT, DATA_GPA + (1280UL << 20), foreign,
			    FOREIGN_SIZE, 0);
		foreign_frames(vm, "/dev/mem over a PCI BAR", foreign,
			       DATA_GPA + (1280UL << 20), -EACCES);
	}
	check_placement("after the foreign frames");
	swaps_under_load(vm, seconds);
	printf("PASS\n");
	return 0;
}
