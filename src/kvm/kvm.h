/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_KVM_KVM_H
#define CROSVM_KVM_KVM_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Thin typed wrappers over /dev/kvm; every call returns 0 or -errno. */
#define KVM_IRQCHIP_GSIS 24 /* IOAPIC pins; the first 16 also reach the PICs */
#define KVM_MAX_MSI_GSIS 64

struct kvm {
	int fd;
	int vm_fd;
	int vcpu_mmap_size;
	int max_vcpus;
	struct kvm_cpuid2 *supported_cpuid;
	/* MSI routes by GSI (from KVM_IRQCHIP_GSIS up); addr 0 = unused. */
	struct {
		uint64_t addr;
		uint32_t data;
		bool used;
	} msi[KVM_MAX_MSI_GSIS];
	unsigned nr_msi;
};

/* What the host's KVM can run, from the loaded modules (see kvm_host_kind()). */
enum kvm_host_kind { KVM_HOST_HW, KVM_HOST_PVM_ONLY, KVM_HOST_UNKNOWN };

/* Opens the device and checks the API; on failure fills err with a one-line reason. */
int kvm_open(struct kvm *kvm, const char *path, char *err, size_t errlen);
void kvm_close(struct kvm *kvm);
enum kvm_host_kind kvm_host_kind(void);

int kvm_create_vm(struct kvm *kvm);
int kvm_set_memory(struct kvm *kvm, uint32_t slot, uint64_t gpa, uint64_t size, void *host);
int kvm_irq_line(struct kvm *kvm, uint32_t gsi, bool level);
int kvm_create_vcpu(struct kvm *kvm, unsigned id);

/* Allocates a GSI for an MSI route (initially unrouted); returns it or -ENOSPC. */
int kvm_alloc_msi_gsi(struct kvm *kvm);
/* Points an allocated GSI at an MSI message and reinstalls the routing table. */
int kvm_set_msi_route(struct kvm *kvm, unsigned gsi, uint64_t addr, uint32_t data);
int kvm_irqfd(struct kvm *kvm, int fd, unsigned gsi);
/* Binds (or unbinds) a guest MMIO write of len bytes at addr to eventfd fd. */
int kvm_ioeventfd(struct kvm *kvm, uint64_t addr, uint32_t len, int fd, bool assign);

#endif
