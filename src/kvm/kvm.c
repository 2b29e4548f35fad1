// SPDX-License-Identifier: BSD-3-Clause
#include "kvm/kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define KVM_CPUID_MAX 256

static int xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do {
		r = ioctl(fd, req, arg);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

enum kvm_host_kind kvm_host_kind(void)
{
	if (!access("/sys/module/kvm_intel", F_OK) || !access("/sys/module/kvm_amd", F_OK))
		return KVM_HOST_HW;
	if (!access("/sys/module/kvm_pvm", F_OK))
		return KVM_HOST_PVM_ONLY;
	return KVM_HOST_UNKNOWN;
}

int kvm_open(struct kvm *kvm, const char *path, char *err, size_t errlen)
{
	int r;

	memset(kvm, 0, sizeof(*kvm));
	kvm->vm_fd = -1;
	kvm->fd = open(path, O_RDWR | O_CLOEXEC);
	if (kvm->fd < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot open %s: %s%s", path, strerror(-r),
			 r == -ENOENT ? " (is KVM enabled on this host?)" : "");
		return r;
	}
	r = ioctl(kvm->fd, KVM_GET_API_VERSION, 0);
	if (r != KVM_API_VERSION) {
		snprintf(err, errlen, "%s speaks KVM API %d, need %d", path, r, KVM_API_VERSION);
		kvm_close(kvm);
		return -EINVAL;
	}
	kvm->vcpu_mmap_size = ioctl(kvm->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (kvm->vcpu_mmap_size <= 0) {
		snprintf(err, errlen, "KVM_GET_VCPU_MMAP_SIZE failed");
		kvm_close(kvm);
		return -EINVAL;
	}
	kvm->max_vcpus = ioctl(kvm->fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (kvm->max_vcpus <= 0)
		kvm->max_vcpus = ioctl(kvm->fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (kvm->max_vcpus <= 0)
		kvm->max_vcpus = 4;

	kvm->supported_cpuid = calloc(1, sizeof(*kvm->supported_cpuid) +
						 KVM_CPUID_MAX * sizeof(struct kvm_cpuid_entry2));
	if (!kvm->supported_cpuid) {
		snprintf(err, errlen, "out of memory");
		kvm_close(kvm);
		return -ENOMEM;
	}
	kvm->supported_cpuid->nent = KVM_CPUID_MAX;
	r = xioctl(kvm->fd, KVM_GET_SUPPORTED_CPUID, kvm->supported_cpuid);
	if (r < 0) {
		snprintf(err, errlen, "KVM_GET_SUPPORTED_CPUID: %s", strerror(-r));
		kvm_close(kvm);
		return r;
	}
	return 0;
}

void kvm_close(struct kvm *kvm)
{
	if (kvm->vm_fd >= 0)
		close(kvm->vm_fd);
	if (kvm->fd >= 0)
		close(kvm->fd);
	free(kvm->supported_cpuid);
	kvm->supported_cpuid = NULL;
	kvm->fd = kvm->vm_fd = -1;
}

int kvm_create_vm(struct kvm *kvm)
{
	int r = xioctl(kvm->fd, KVM_CREATE_VM, 0);

	if (r < 0)
		return r;
	kvm->vm_fd = r;
	fcntl(r, F_SETFD, FD_CLOEXEC);
	return 0;
}

int kvm_set_memory(struct kvm *kvm, uint32_t slot, uint64_t gpa, uint64_t size, void *host)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};

	return xioctl(kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region);
}

int kvm_irq_line(struct kvm *kvm, uint32_t gsi, bool level)
{
	struct kvm_irq_level irq = {.irq = gsi, .level = level};

	return xioctl(kvm->vm_fd, KVM_IRQ_LINE, &irq);
}

int kvm_create_vcpu(struct kvm *kvm, unsigned id)
{
	int r = xioctl(kvm->vm_fd, KVM_CREATE_VCPU, (void *)(uintptr_t)id);

	if (r >= 0)
		fcntl(r, F_SETFD, FD_CLOEXEC);
	return r;
}

int kvm_alloc_msi_gsi(struct kvm *kvm)
{
	if (kvm->nr_msi >= KVM_MAX_MSI_GSIS)
		return -ENOSPC;
	kvm->msi[kvm->nr_msi].used = true;
	return (int)(KVM_IRQCHIP_GSIS + kvm->nr_msi++);
}

/*
 * KVM_SET_GSI_ROUTING replaces the whole table, so it always carries KVM's
 * default irqchip routes (GSI n -> IOAPIC pin n, and PIC pin n below 16) too.
 */
static int install_routes(struct kvm *kvm)
{
	size_t max = 16 + KVM_IRQCHIP_GSIS + KVM_MAX_MSI_GSIS;
	struct kvm_irq_routing *r = calloc(1, sizeof(*r) + max * sizeof(r->entries[0]));
	unsigned n = 0;
	int ret;

	if (!r)
		return -ENOMEM;
	for (unsigned gsi = 0; gsi < KVM_IRQCHIP_GSIS; gsi++) {
		if (gsi < 16) {
			r->entries[n].gsi = gsi;
			r->entries[n].type = KVM_IRQ_ROUTING_IRQCHIP;
			r->entries[n].u.irqchip.irqchip =
				gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE;
			r->entries[n].u.irqchip.pin = gsi % 8;
			n++;
		}
		r->entries[n].gsi = gsi;
		r->entries[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		r->entries[n].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		r->entries[n].u.irqchip.pin = gsi;
		n++;
	}
	for (unsigned i = 0; i < kvm->nr_msi; i++) {
		if (!kvm->msi[i].addr)
			continue;
		r->entries[n].gsi = KVM_IRQCHIP_GSIS + i;
		r->entries[n].type = KVM_IRQ_ROUTING_MSI;
		r->entries[n].u.msi.address_lo = (uint32_t)kvm->msi[i].addr;
		r->entries[n].u.msi.address_hi = (uint32_t)(kvm->msi[i].addr >> 32);
		r->entries[n].u.msi.data = kvm->msi[i].data;
		n++;
	}
	r->nr = n;
	ret = xioctl(kvm->vm_fd, KVM_SET_GSI_ROUTING, r);
	free(r);
	return ret < 0 ? ret : 0;
}

int kvm_set_msi_route(struct kvm *kvm, unsigned gsi, uint64_t addr, uint32_t data)
{
	unsigned i = gsi - KVM_IRQCHIP_GSIS;

	if (gsi < KVM_IRQCHIP_GSIS || i >= kvm->nr_msi)
		return -EINVAL;
	kvm->msi[i].addr = addr;
	kvm->msi[i].data = data;
	return install_routes(kvm);
}

int kvm_irqfd(struct kvm *kvm, int fd, unsigned gsi)
{
	struct kvm_irqfd irqfd = {.fd = (uint32_t)fd, .gsi = gsi};
	int r = xioctl(kvm->vm_fd, KVM_IRQFD, &irqfd);

	return r < 0 ? r : 0;
}

int kvm_ioeventfd(struct kvm *kvm, uint64_t addr, uint32_t len, int fd, bool assign)
{
	struct kvm_ioeventfd io = {
		.addr = addr,
		.len = len,
		.fd = fd,
		.flags = assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN,
	};
	int r = xioctl(kvm->vm_fd, KVM_IOEVENTFD, &io);

	return r < 0 ? r : 0;
}
