/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal VM for the tests of raminate's KVM ioctls, in the manner of
 * tools/testing/selftests/kvm: one vCPU in 64-bit mode running a fixed
 * guest program that writes, reads or checks memory on the host's command.
 *
 * Guest-physical layout: slot 0 at 0 holds the page tables (4 GiB identity
 * mapped with 2 MiB pages, accessed and dirty bits preset so that the walker
 * writes nothing) and the program; data slots follow at DATA_GPA.
 *
 * Copyright (c) 2026 raminate developers
 */
#ifndef L2VM_H
#define L2VM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/kvm.h>

#define PAGE_SIZE 4096UL
#define DATA_GPA 0x40000000UL	/* the first data slot */

#define TEST_ASSERT(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, #cond);\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		exit(1);						\
	}								\
} while (0)

struct vm {
	int kvm_fd, fd, vcpu_fd, stats_fd;
	struct kvm_run *run;
	int nslots;
};

struct vm *vm_create(void);
/*
 * Add memory slot @slot at @gpa, @size bytes at @hva; returns the slot's
 * "address space << 16 | id" for KVM_TDP_HARVEST.
 */
uint32_t vm_add_slot(struct vm *vm, int slot, uint64_t gpa, void *hva,
		     uint64_t size, uint32_t flags);
void vm_remove_slot(struct vm *vm, int slot);

/* The guest program's commands; each returns when the guest is done. */
void guest_write(struct vm *vm, uint64_t gpa, uint64_t count,
		 uint64_t stride, uint64_t value);
uint64_t guest_read(struct vm *vm, uint64_t gpa, uint64_t count,
		    uint64_t stride);
/*
 * Count the pages among @count, @stride apart from @gpa, whose first
 * quadword is not @first + i * @step.
 */
uint64_t guest_check(struct vm *vm, uint64_t gpa, uint64_t count,
		     uint64_t stride, uint64_t first, uint64_t step);

/* A vCPU statistic (KVM_GET_STATS_FD), e.g. "pf_taken". */
uint64_t vcpu_stat(struct vm *vm, const char *name);

/* Anonymous memory, 4 KiB mapped (no THP) unless @huge. */
void *alloc_anon(uint64_t size, bool huge);
/* A shared mapping of physical memory from /dev/mem. */
void *map_devmem(uint64_t phys, uint64_t size);

/* A fixed pseudo-random sequence (xorshift), the same in every run. */
uint64_t test_random(void);

/* Parse "PHYS:SIZE" (hex or decimal, K/M/G suffixes on SIZE). */
void parse_range(const char *arg, uint64_t *phys, uint64_t *size);

#endif
