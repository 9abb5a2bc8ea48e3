// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A minimal VM for the tests of raminate's KVM ioctls (see l2vm.h).
 *
 * Copyright (c) 2026 raminate developers
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "l2vm.h"

#define SYS_SIZE (2UL << 20)	/* slot 0 */
#define PML4_GPA 0x1000UL
#define TSS_GPA 0x8000UL
#define CODE_GPA 0x10000UL
#define PORT_DONE 0xe0

enum { OP_WRITE = 1, OP_READ, OP_CHECK };

/*
 * The guest program.  It reports for work with an OUT to PORT_DONE; the host
 * puts a command in its registers (rax op, rsi address, rcx count, rdi
 * stride, rdx value, r10 step) and lets it run to the next OUT.  Results come
 * back in r9 (read: xor of what was read) and r11 (check: mismatches).  No
 * stack, no interrupts: the guest writes nothing but what it is told to.
 */
extern const char guest_code[], guest_code_end[];
asm(".pushsection .rodata\n"
    "guest_code:\n"
    "1:	out %al, $0xe0\n"
    "	cmp $1, %rax\n"
    "	je 2f\n"
    "	cmp $2, %rax\n"
    "	je 4f\n"
    "	cmp $3, %rax\n"
    "	je 6f\n"
    "	hlt\n"
    "	jmp 1b\n"
    "2:	test %rcx, %rcx\n"		/* write */
    "	jz 1b\n"
    "3:	mov %rdx, (%rsi)\n"
    "	add %rdi, %rsi\n"
    "	dec %rcx\n"
    "	jnz 3b\n"
    "	jmp 1b\n"
    "4:	xor %r9, %r9\n"			/* read */
    "	test %rcx, %rcx\n"
    "	jz 1b\n"
    "5:	mov (%rsi), %r8\n"
    "	xor %r8, %r9\n"
    "	add %rdi, %rsi\n"
    "	dec %rcx\n"
    "	jnz 5b\n"
    "	jmp 1b\n"
    "6:	xor %r11, %r11\n"		/* check */
    "	test %rcx, %rcx\n"
    "	jz 1b\n"
    "7:	cmp %rdx, (%rsi)\n"
    "	je 8f\n"
    "	inc %r11\n"
    "8:	add %r10, %rdx\n"
    "	add %rdi, %rsi\n"
    "	dec %rcx\n"
    "	jnz 7b\n"
    "	jmp 1b\n"
    "guest_code_end:\n"
    ".popsection\n");

static int xioctl(int fd, unsigned long req, void *arg, const char *what)
{
	int r = ioctl(fd, req, arg);

	TEST_ASSERT(r >= 0, "%s: %s", what, strerror(errno));
	return r;
}

static void setup_page_tables(uint8_t *mem)
{
	uint64_t *pml4 = (uint64_t *)(mem + PML4_GPA);
	uint64_t *pdpt = pml4 + 512;
	uint64_t *pd = pdpt + 512;
	/* Present, writable, accessed (and for leaves dirty, 2 MiB). */
	const uint64_t table = 0x23, leaf = 0xe3;

	pml4[0] = (PML4_GPA + PAGE_SIZE) | table;
	for (int i = 0; i < 4; i++)
		pdpt[i] = (PML4_GPA + (2 + i) * PAGE_SIZE) | table;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | leaf;
}

static void set_seg(struct kvm_segment *s, uint16_t sel, uint8_t type,
		    bool code)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->l = code;
	s->db = !code;
	s->g = 1;
}

static void setup_vcpu(struct vm *vm)
{
	struct kvm_cpuid2 *cpuid;
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = CODE_GPA, .rflags = 2 };

	/* On 6.12, long mode in SREGS needs CPUID saying the CPU has it. */
	cpuid = calloc(1, sizeof(*cpuid) + 256 * sizeof(cpuid->entries[0]));
	cpuid->nent = 256;
	xioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid, "KVM_GET_SUPPORTED_CPUID");
	xioctl(vm->vcpu_fd, KVM_SET_CPUID2, cpuid, "KVM_SET_CPUID2");
	free(cpuid);

	xioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
	sregs.cr0 = 0x80000031;		/* PG, NE, ET, PE */
	sregs.cr3 = PML4_GPA;
	sregs.cr4 = 0x20;		/* PAE */
	sregs.efer = 0x500;		/* LMA, LME */
	set_seg(&sregs.cs, 0x8, 0xb, true);
	set_seg(&sregs.ds, 0x10, 0x3, false);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	memset(&sregs.tr, 0, sizeof(sregs.tr));
	sregs.tr.base = TSS_GPA;
	sregs.tr.limit = 0x67;
	sregs.tr.type = 0xb;
	sregs.tr.present = 1;
	sregs.tr.selector = 0x18;
	xioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");
	xioctl(vm->vcpu_fd, KVM_SET_REGS, &regs, "KVM_SET_REGS");
}

/* Run until the guest reports for work again. */
static void run_to_done(struct vm *vm)
{
	struct kvm_regs regs;

	xioctl(vm->vcpu_fd, KVM_RUN, NULL, "KVM_RUN");
	if (vm->run->exit_reason == KVM_EXIT_IO &&
	    vm->run->io.port == PORT_DONE)
		return;
	ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs);
	TEST_ASSERT(0, "unexpected exit %u (rip %#llx, rax %#llx)",
		    vm->run->exit_reason, regs.rip, regs.rax);
}

struct vm *vm_create(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	uint8_t *sys;
	int run_size;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	TEST_ASSERT(vm->kvm_fd >= 0, "/dev/kvm: %s", strerror(errno));
	vm->fd = xioctl(vm->kvm_fd, KVM_CREATE_VM, 0, "KVM_CREATE_VM");
	sys = alloc_anon(SYS_SIZE, false);
	setup_page_tables(sys);
	memcpy(sys + CODE_GPA, guest_code, guest_code_end - guest_code);
	vm_add_slot(vm, 0, 0, sys, SYS_SIZE, 0);

	vm->vcpu_fd = xioctl(vm->fd, KVM_CREATE_VCPU, 0, "KVM_CREATE_VCPU");
	run_size = xioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, NULL,
			  "KVM_GET_VCPU_MMAP_SIZE");
	vm->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu_fd, 0);
	TEST_ASSERT(vm->run != MAP_FAILED, "mmap kvm_run: %s", strerror(errno));
	setup_vcpu(vm);
	vm->stats_fd = xioctl(vm->vcpu_fd, KVM_GET_STATS_FD, NULL,
			      "KVM_GET_STATS_FD");
	run_to_done(vm);
	return vm;
}

uint32_t vm_add_slot(struct vm *vm, int slot, uint64_t gpa, void *hva,
		     uint64_t size, uint32_t flags)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (uintptr_t)hva,
	};

	xioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r,
	       "KVM_SET_USER_MEMORY_REGION");
	return slot;
}

void vm_remove_slot(struct vm *vm, int slot)
{
	struct kvm_userspace_memory_region r = { .slot = slot };

	xioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r,
	       "KVM_SET_USER_MEMORY_REGION (delete)");
}

static struct kvm_regs command(struct vm *vm, uint64_t op, uint64_t gpa,
			       uint64_t count, uint64_t stride,
			       uint64_t value, uint64_t step)
{
	struct kvm_regs regs;

	xioctl(vm->vcpu_fd, KVM_GET_REGS, &regs, "KVM_GET_REGS");
	regs.rax = op;
	regs.rsi = gpa;
	regs.rcx = count;
	regs.rdi = stride;
	regs.rdx = value;
	regs.r10 = step;
	xioctl(vm->vcpu_fd, KVM_SET_REGS, &regs, "KVM_SET_REGS");
	run_to_done(vm);
	xioctl(vm->vcpu_fd, KVM_GET_REGS, &regs, "KVM_GET_REGS");
	return regs;
}

void guest_write(struct vm *vm, uint64_t gpa, uint64_t count,
		 uint64_t stride, uint64_t value)
{
	command(vm, OP_WRITE, gpa, count, stride, value, 0);
}

uint64_t guest_read(struct vm *vm, uint64_t gpa, uint64_t count,
		    uint64_t stride)
{
	return command(vm, OP_READ, gpa, count, stride, 0, 0).r9;
}

uint64_t guest_check(struct vm *vm, uint64_t gpa, uint64_t count,
		     uint64_t stride, uint64_t first, uint64_t step)
{
	return command(vm, OP_CHECK, gpa, count, stride, first, step).r11;
}

uint64_t vcpu_stat(struct vm *vm, const char *name)
{
	struct kvm_stats_header h;
	size_t desc_size;
	char *descs;
	uint64_t value = 0;
	bool found = false;

	TEST_ASSERT(pread(vm->stats_fd, &h, sizeof(h), 0) == sizeof(h),
		    "stats header");
	desc_size = sizeof(struct kvm_stats_desc) + h.name_size;
	descs = malloc(desc_size * h.num_desc);
	TEST_ASSERT(pread(vm->stats_fd, descs, desc_size * h.num_desc,
			  h.desc_offset) == (ssize_t)(desc_size * h.num_desc),
		    "stats descriptors");
	for (uint32_t i = 0; i < h.num_desc && !found; i++) {
		struct kvm_stats_desc *d = (void *)(descs + i * desc_size);

		if (strcmp(d->name, name))
			continue;
		TEST_ASSERT(pread(vm->stats_fd, &value, sizeof(value),
				  h.data_offset + d->offset) == sizeof(value),
			    "stat %s", name);
		found = true;
	}
	free(descs);
	TEST_ASSERT(found, "no vCPU statistic %s", name);
	return value;
}

void *alloc_anon(uint64_t size, bool huge)
{
	/* Aligned to 2 MiB, so that a huge page can back it. */
	uint64_t align = 2UL << 20;
	uint8_t *p = mmap(NULL, size + align, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	TEST_ASSERT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	p = (uint8_t *)(((uintptr_t)p + align - 1) & ~(align - 1));
	madvise(p, size, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	return p;
}

void *map_devmem(uint64_t phys, uint64_t size)
{
	int fd = open("/dev/mem", O_RDWR | O_CLOEXEC);
	void *p;

	TEST_ASSERT(fd >= 0, "/dev/mem: %s", strerror(errno));
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, phys);
	TEST_ASSERT(p != MAP_FAILED, "mmap /dev/mem at %#lx: %s",
		    (unsigned long)phys, strerror(errno));
	close(fd);
	return p;
}

uint64_t test_random(void)
{
	static uint64_t x = 0x2545f4914f6cdd1dULL;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	switch (*end) {
	case 'G': v <<= 10; /* fall through */
	case 'M': v <<= 10; /* fall through */
	case 'K': v <<= 10;
	}
	return v;
}

void parse_range(const char *arg, uint64_t *phys, uint64_t *size)
{
	const char *colon = strchr(arg, ':');

	TEST_ASSERT(colon, "%s: give PHYS:SIZE", arg);
	*phys = strtoull(arg, NULL, 0);
	*size = parse_size(colon + 1);
	TEST_ASSERT(*size && !(*phys % PAGE_SIZE) && !(*size % PAGE_SIZE),
		    "%s: PHYS and SIZE must be whole pages", arg);
}
