// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <sys/ioctl.h>

#include "gdb/kvm_target.h"
#include "gdb/walk.h"
#include "gdb/x86_regs.h"

static int get_all(int fd, struct kvm_regs *r, struct kvm_sregs *s, struct kvm_fpu *f)
{
	if (ioctl(fd, KVM_GET_REGS, r) || ioctl(fd, KVM_GET_SREGS, s) || ioctl(fd, KVM_GET_FPU, f))
		return -errno;
	return 0;
}

static int get_regs(void *opaque, unsigned cpu, uint8_t file[GDB_REGS_SIZE])
{
	struct gdb_kvm_target *t = opaque;
	struct kvm_regs r;
	struct kvm_sregs s;
	struct kvm_fpu f;
	int e = get_all(t->vcpu_fds[cpu], &r, &s, &f);

	if (e)
		return e;
	gdb_x86_to_file(&r, &s, &f, file);
	return 0;
}

static int set_regs(void *opaque, unsigned cpu, const uint8_t file[GDB_REGS_SIZE])
{
	struct gdb_kvm_target *t = opaque;
	int fd = t->vcpu_fds[cpu];
	struct kvm_regs r;
	struct kvm_sregs s;
	struct kvm_fpu f;
	int e = get_all(fd, &r, &s, &f);

	if (e)
		return e;
	gdb_x86_from_file(file, &r, &s, &f);
	if (ioctl(fd, KVM_SET_REGS, &r) || ioctl(fd, KVM_SET_SREGS, &s) ||
	    ioctl(fd, KVM_SET_FPU, &f))
		return -errno;
	return 0;
}

/* Calls fn on each physically contiguous piece of [va, va+len) as cpu maps it. */
static int each_page(struct gdb_kvm_target *t, unsigned cpu, uint64_t va, size_t len,
		     int (*fn)(const struct guest_memory *, uint64_t, void *, size_t), void *buf)
{
	struct kvm_sregs s;
	struct gdb_paging pg;

	if (ioctl(t->vcpu_fds[cpu], KVM_GET_SREGS, &s))
		return -errno;
	pg = (struct gdb_paging){.cr0 = s.cr0, .cr3 = s.cr3, .cr4 = s.cr4, .efer = s.efer};
	while (len) {
		uint64_t gpa, left;
		size_t n;
		int e = gdb_translate(t->mem, &pg, va, &gpa, &left);

		if (e)
			return -EFAULT;
		n = left < len ? (size_t)left : len;
		if (fn(t->mem, gpa, buf, n))
			return -EFAULT;
		va += n;
		buf = (uint8_t *)buf + n;
		len -= n;
	}
	return 0;
}

static int rd(const struct guest_memory *gm, uint64_t gpa, void *buf, size_t n)
{
	return gm_read(gm, gpa, buf, n);
}

static int wr(const struct guest_memory *gm, uint64_t gpa, void *buf, size_t n)
{
	return gm_write(gm, gpa, buf, n);
}

static int read_mem(void *opaque, unsigned cpu, uint64_t va, void *buf, size_t len)
{
	return each_page(opaque, cpu, va, len, rd, buf);
}

static int write_mem(void *opaque, unsigned cpu, uint64_t va, const void *buf, size_t len)
{
	/* wr only reads through the pointer; each_page takes one type for both */
	return each_page(opaque, cpu, va, len, wr, (void *)buf);
}

int gdb_kvm_target_arm(struct gdb_kvm_target *t)
{
	for (unsigned i = 0; i < t->nr_cpus; i++) {
		struct kvm_guest_debug g;

		gdb_x86_guest_debug(&t->dbg, t->step_cpu == (int)i, &g);
		if (ioctl(t->vcpu_fds[i], KVM_SET_GUEST_DEBUG, &g))
			return -errno;
	}
	return 0;
}

static int set_debug(void *opaque, const struct gdb_debug *dbg)
{
	struct gdb_kvm_target *t = opaque;

	t->dbg = *dbg;
	return gdb_kvm_target_arm(t);
}

const struct gdb_target_ops gdb_kvm_target_ops = {
	.get_regs = get_regs,
	.set_regs = set_regs,
	.read_mem = read_mem,
	.write_mem = write_mem,
	.set_debug = set_debug,
};
