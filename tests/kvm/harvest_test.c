// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * KVM_TDP_HARVEST, tested against a running guest:
 *
 *   - across many epochs, the dirty bitmap is exactly the pages the guest
 *     wrote in the epoch, and none it only read; the accessed bitmap is
 *     exactly the pages it wrote or read since accessed bits were last
 *     harvested;
 *   - harvesting costs the guest no page faults, where dirty logging
 *     (KVM_GET_DIRTY_LOG on the same pattern) costs one per written page;
 *   - a 2 MiB mapping reports all of its 512 pages;
 *   - the same on /dev/mem-backed memory (--devmem PHYS:SIZE), the
 *     hybrid-memory case;
 *   - bad arguments get errors;
 *   - with --no-tdp (kvm_amd npt=0: shadow paging, no TDP dirty bits),
 *     the capability is 0 and the ioctl fails with EOPNOTSUPP.
 *
 *   harvest_test [--devmem PHYS:SIZE] [--epochs N] [--no-tdp]
 *
 * Copyright (c) 2026 raminate developers
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sys/ioctl.h>

#include "l2vm.h"

#define NPAGES 4096UL
#define WORDS (NPAGES / 64)
/* Data slot k: 256 MiB apart from DATA_GPA, inside the identity map. */
#define SLOT_GPA(k) (DATA_GPA + (k) * (256UL << 20))

static int harvest(struct vm *vm, uint32_t slot, uint64_t first,
		   uint64_t num, uint64_t *dirty, uint64_t *accessed)
{
	struct kvm_tdp_harvest h = {
		.slot = slot, .first_page = first, .num_pages = num,
		.dirty_bitmap = (uintptr_t)dirty,
		.accessed_bitmap = (uintptr_t)accessed,
		.flags = accessed ? KVM_TDP_HARVEST_ACCESSED : 0,
	};

	return ioctl(vm->fd, KVM_TDP_HARVEST, &h) ? -errno : 0;
}

static void set_bit(uint64_t *map, uint64_t i)
{
	map[i / 64] |= 1ULL << (i % 64);
}

static uint64_t count_bits(const uint64_t *map, uint64_t words)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < words; i++)
		n += __builtin_popcountll(map[i]);
	return n;
}

/* The first page that differs between two bitmaps, or -1. */
static long first_difference(const uint64_t *a, const uint64_t *b,
			     uint64_t words)
{
	for (uint64_t i = 0; i < words; i++)
		if (a[i] != b[i])
			return i * 64 + __builtin_ctzll(a[i] ^ b[i]);
	return -1;
}

/*
 * In each epoch the guest writes one quadword in a random set of pages and
 * reads a random set of others; the harvest must say exactly which.
 * Returns the page faults the epochs took.
 */
static uint64_t epochs(struct vm *vm, uint32_t slot, uint64_t gpa, int n,
		       const char *what)
{
	uint64_t dirty[WORDS], accessed[WORDS], want_w[WORDS], want_a[WORDS] = { 0 };
	uint64_t faults = vcpu_stat(vm, "pf_taken"), written = 0;
	long d;

	for (int e = 0; e < n; e++) {
		bool with_accessed = e % 2;

		memset(want_w, 0, sizeof(want_w));
		for (uint64_t p = 0; p < NPAGES; p++) {
			uint64_t r = test_random() % 8;
			uint64_t off = (test_random() % 512) * 8;

			if (r == 0) {		/* written */
				guest_write(vm, gpa + p * PAGE_SIZE + off, 1, 8,
					    e);
				set_bit(want_w, p);
				set_bit(want_a, p);
				written++;
			} else if (r == 1) {	/* read only */
				guest_read(vm, gpa + p * PAGE_SIZE + off, 1, 8);
				set_bit(want_a, p);
			}
		}
		TEST_ASSERT(!harvest(vm, slot, 0, NPAGES, dirty,
				     with_accessed ? accessed : NULL),
			    "%s: harvest: %s", what, strerror(errno));
		d = first_difference(dirty, want_w, WORDS);
		TEST_ASSERT(d < 0,
			    "%s, epoch %d: page %ld reported %s (%lu reported, %lu written)",
			    what, e, d, dirty[d / 64] >> d % 64 & 1 ?
			    "written but was not" : "clean but was written",
			    count_bits(dirty, WORDS), count_bits(want_w, WORDS));
		d = with_accessed ? first_difference(accessed, want_a, WORDS) : -1;
		TEST_ASSERT(d < 0,
			    "%s, epoch %d: page %ld: accessed bit wrong (%lu reported, %lu touched)",
			    what, e, d, count_bits(accessed, WORDS),
			    count_bits(want_a, WORDS));
		/* Accessed bits gather until a harvest takes them. */
		if (with_accessed)
			memset(want_a, 0, sizeof(want_a));
	}
	faults = vcpu_stat(vm, "pf_taken") - faults;
	printf("%s: %d epochs, %lu page writes, exact; %lu page faults\n",
	       what, n, written, faults);
	return faults;
}

/* Map every page and take the first harvest, which may over-report. */
static void prime(struct vm *vm, uint32_t slot, uint64_t gpa)
{
	uint64_t dirty[WORDS], accessed[WORDS];

	guest_write(vm, gpa, NPAGES, PAGE_SIZE, 1);
	TEST_ASSERT(!harvest(vm, slot, 0, NPAGES, dirty, accessed),
		    "first harvest: %s", strerror(errno));
	TEST_ASSERT(count_bits(dirty, WORDS) == NPAGES,
		    "first harvest after writing all %lu pages: %lu dirty",
		    NPAGES, count_bits(dirty, WORDS));
}

/* Without TDP dirty bits there is nothing to harvest. */
static void unsupported(struct vm *vm)
{
	uint64_t map[1];
	int cap = ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_TDP_HARVEST);

	vm_add_slot(vm, 1, SLOT_GPA(0), alloc_anon(64 * PAGE_SIZE, false),
		    64 * PAGE_SIZE, 0);
	guest_write(vm, SLOT_GPA(0), 64, PAGE_SIZE, 1);
	TEST_ASSERT(cap == 0, "KVM_CAP_TDP_HARVEST is %d without TDP", cap);
	TEST_ASSERT(harvest(vm, 1, 0, 64, map, NULL) == -EOPNOTSUPP,
		    "harvest without TDP: %s, want EOPNOTSUPP", strerror(errno));
	printf("without TDP: KVM_CAP_TDP_HARVEST 0, KVM_TDP_HARVEST EOPNOTSUPP\n");
}

/* The same pattern through dirty logging, for its fault count. */
static uint64_t dirty_log_faults(struct vm *vm, int slot, uint64_t gpa,
				 void *mem, int n)
{
	uint64_t bitmap[WORDS], faults, written = 0;
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

	vm_add_slot(vm, slot, gpa, mem, NPAGES * PAGE_SIZE,
		    KVM_MEM_LOG_DIRTY_PAGES);
	guest_write(vm, gpa, NPAGES, PAGE_SIZE, 1);
	TEST_ASSERT(!ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log), "KVM_GET_DIRTY_LOG");
	faults = vcpu_stat(vm, "pf_taken");
	for (int e = 0; e < n; e++) {
		for (uint64_t p = 0; p < NPAGES; p++) {
			if (test_random() % 8 == 0) {
				guest_write(vm, gpa + p * PAGE_SIZE, 1, 8, e);
				written++;
			}
		}
		TEST_ASSERT(!ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log),
			    "KVM_GET_DIRTY_LOG");
	}
	faults = vcpu_stat(vm, "pf_taken") - faults;
	printf("dirty log: %d epochs, %lu page writes; %lu page faults\n", n,
	       written, faults);
	vm_remove_slot(vm, slot);
	return faults;
}

static void huge_mapping(struct vm *vm, int slot, uint64_t gpa)
{
	uint64_t dirty[512 / 64];
	uint8_t *mem = alloc_anon(2UL << 20, true);
	char line[256];
	FILE *f;
	long huge_kb = -1;

	memset(mem, 1, 2UL << 20);
	/* Whether the host backs it with a huge page: smaps says. */
	f = fopen("/proc/self/smaps", "r");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			huge_kb = (lo <= (uintptr_t)mem && (uintptr_t)mem < hi) ? 0 : -1;
		else if (huge_kb == 0 && sscanf(line, "AnonHugePages: %ld", &huge_kb) == 1)
			break;
	}
	if (f)
		fclose(f);
	if (huge_kb < 2048) {
		printf("huge mapping: skipped, the host gave no transparent huge page\n");
		return;
	}
	vm_add_slot(vm, slot, gpa, mem, 2UL << 20, 0);
	guest_read(vm, gpa, 512, PAGE_SIZE);
	harvest(vm, slot, 0, 512, dirty, NULL);
	guest_write(vm, gpa + 77 * PAGE_SIZE, 1, 8, 7);
	TEST_ASSERT(!harvest(vm, slot, 0, 512, dirty, NULL), "harvest: %s",
		    strerror(errno));
	TEST_ASSERT(count_bits(dirty, 512 / 64) == 512,
		    "one write into a 2 MiB mapping: %lu pages reported, want all 512",
		    count_bits(dirty, 512 / 64));
	printf("huge mapping: one write reports all 512 pages it maps\n");
	vm_remove_slot(vm, slot);
}

static void bad_arguments(struct vm *vm, uint32_t slot)
{
	uint64_t map[WORDS];
	struct kvm_tdp_harvest h;
	struct {
		const char *what;
		uint32_t slot, flags;
		uint64_t first, num, pad;
		void *bitmap;
		int want;
	} cases[] = {
		{ "no such slot", 77, 0, 0, 1, 0, map, -ENOENT },
		{ "slot id too big", 0xffff, 0, 0, 1, 0, map, -EINVAL },
		{ "address space 7", 7 << 16 | slot, 0, 0, 1, 0, map, -EINVAL },
		{ "first page past the end", slot, 0, NPAGES + 1, 1, 0, map, -EINVAL },
		{ "too many pages", slot, 0, 1, NPAGES, 0, map, -EINVAL },
		{ "huge page count", slot, 0, 0, ~0ULL, 0, map, -EINVAL },
		{ "unknown flag", slot, 2, 0, 1, 0, map, -EINVAL },
		{ "padding", slot, 0, 0, 1, 1, map, -EINVAL },
		{ "bad bitmap address", slot, 0, 0, NPAGES, 0, (void *)8, -EFAULT },
		{ "no pages", slot, 0, 0, 0, 0, map, 0 },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r;

		memset(&h, 0, sizeof(h));
		h.slot = cases[i].slot;
		h.flags = cases[i].flags;
		h.first_page = cases[i].first;
		h.num_pages = cases[i].num;
		h.padding[0] = cases[i].pad;
		h.dirty_bitmap = (uintptr_t)cases[i].bitmap;
		r = ioctl(vm->fd, KVM_TDP_HARVEST, &h) ? -errno : 0;
		TEST_ASSERT(r == cases[i].want, "%s: got %d (%s), want %d",
			    cases[i].what, r, strerror(-r), cases[i].want);
	}
	printf("bad arguments: %zu cases, each the expected error\n",
	       sizeof(cases) / sizeof(cases[0]));
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "devmem", required_argument, NULL, 'd' },
		{ "epochs", required_argument, NULL, 'e' },
		{ "no-tdp", no_argument, NULL, 'n' },
		{ 0 }
	};
	uint64_t phys = 0, size = 0, harvest_faults, log_faults;
	int n = 40, c, cap;
	bool no_tdp = false;
	struct vm *vm;
	void *mem;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			parse_range(optarg, &phys, &size);
		else if (c == 'e')
			n = atoi(optarg);
		else if (c == 'n')
			no_tdp = true;
		else
			return 2;
	}

	vm = vm_create();
	if (no_tdp) {
		unsupported(vm);
		printf("PASS\n");
		return 0;
	}
	cap = ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_TDP_HARVEST);
	TEST_ASSERT(cap == 1, "KVM_CAP_TDP_HARVEST is %d", cap);

	mem = alloc_anon(NPAGES * PAGE_SIZE, false);
	vm_add_slot(vm, 1, SLOT_GPA(0), mem, NPAGES * PAGE_SIZE, 0);
	prime(vm, 1, SLOT_GPA(0));
	harvest_faults = epochs(vm, 1, SLOT_GPA(0), n, "harvest (anonymous memory)");
	log_faults = dirty_log_faults(vm, 2, SLOT_GPA(1),
				      alloc_anon(NPAGES * PAGE_SIZE, false), n);
	TEST_ASSERT(harvest_faults == 0,
		    "harvesting made the guest fault %lu times", harvest_faults);
	TEST_ASSERT(log_faults > 0, "dirty logging took no faults: the comparison means nothing");
	bad_arguments(vm, 1);
	huge_mapping(vm, 3, SLOT_GPA(2));

	if (size) {
		TEST_ASSERT(size >= NPAGES * PAGE_SIZE, "--devmem: give at least %lu bytes",
			    NPAGES * PAGE_SIZE);
		vm_add_slot(vm, 4, SLOT_GPA(3), map_devmem(phys, size),
			    NPAGES * PAGE_SIZE, 0);
		prime(vm, 4, SLOT_GPA(3));
		TEST_ASSERT(epochs(vm, 4, SLOT_GPA(3), n,
				   "harvest (/dev/mem)") == 0,
			    "harvesting /dev/mem-backed memory made the guest fault");
	}
	printf("PASS\n");
	return 0;
}
