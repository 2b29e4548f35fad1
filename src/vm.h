/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_VM_H
#define CROSVM_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "config.h"
#include "control/server.h"
#include "devices/acpi_pm.h"
#include "devices/bus.h"
#include "devices/cmos.h"
#include "devices/exit.h"
#include "devices/i8042.h"
#include "devices/pci/pci_root.h"
#include "devices/serial.h"
#include "kvm/kvm.h"
#include "memory/guest_memory.h"
#include "virtio_host.h"

struct vm;

struct vcpu {
	unsigned id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
	struct vm *vm;
};

struct vm {
	const struct vm_config *cfg;
	struct kvm kvm;
	struct guest_memory mem;
	struct bus pio;
	struct bus mmio;

	struct serial serial[SERIAL_PORTS];
	struct cmos cmos;
	struct i8042 i8042;
	struct acpi_pm acpi_pm;
	struct pci_root pci;
	struct virtio_host *virtio[PCI_ROOT_SLOTS];
	unsigned nr_virtio;
	struct virtio_host *disk[MAX_DISKS]; /* by index: /dev/vda is 0 */
	struct virtio_host *balloon;	     /* NULL with --no-balloon */

	struct ctl_server ctl; /* -s: fd -1 without one */
	bool suspended;	       /* main thread only */

	unsigned nr_vcpus;
	struct vcpu *vcpus;

	/* Suspend: vCPUs park on pause_cond while paused (crosvm suspend/resume). */
	pthread_mutex_t pause_lock;
	pthread_cond_t pause_cond;
	atomic_bool paused;
	unsigned nr_parked;

	_Atomic int exit_reason; /* enum vm_exit_reason; the first request wins */
	atomic_bool stopping;
	struct timespec stop_asked; /* when the control socket asked for a stop */
	int exit_evt;		    /* eventfd: a vCPU or device asked the VM to stop */
	int rx_space_evt;	    /* eventfd: the stdin serial port has room again */
	int stdin_port;		    /* index of the port fed from stdin, or -1 */
};

/* Builds and runs a VM from cfg; returns the process exit status. */
int vm_run(const struct vm_config *cfg);

/* Called by vCPUs and devices (any thread). */
void vm_request_exit(struct vm *vm, enum vm_exit_reason reason);

/* MMIO from a vCPU: PCI BARs first, then the MMIO bus. */
void vm_mmio(struct vm *vm, uint64_t addr, uint8_t *data, uint32_t len, bool write);

/* vm_control.c: answers one control-socket request (runs on the main thread). */
void vm_control(void *opaque, const struct ctl_msg *req, struct ctl_msg *resp);

/* vcpu.c */
int vcpu_create(struct vm *vm, struct vcpu *v, unsigned id);
int vcpu_start(struct vcpu *v);
/* Makes a running KVM_RUN return promptly and never re-enter. */
void vcpu_kick(struct vcpu *v);
void vcpu_signals_init(void);
/* Parks every vCPU outside KVM_RUN (returns 0 once all are parked, -ETIMEDOUT) / lets them go. */
int vcpus_pause(struct vm *vm);
void vcpus_resume(struct vm *vm);

#endif
