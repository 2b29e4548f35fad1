/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_VM_VM_H
#define CROSVM_VM_VM_H

/*
 * The VM core: builds a VM from its config, runs it (one event loop on the
 * main thread, one thread per vCPU) and tears it down in order. It reaches
 * devices only through the device table and the device host interface.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "arch/x86_64/board.h"
#include "config.h"
#include "control/server.h"
#include "devices/bus.h"
#include "devices/exit.h"
#include "devices/serial_stdin.h"
#include "devices/virtio/host.h"
#include "devices/virtio/table.h"
#include "kvm/kvm.h"
#include "memory/guest_memory.h"
#include "util/event_loop.h"
#include "vm/exit_stats.h"

struct vm;
struct gdb_stub;

struct vcpu {
	unsigned id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
	struct vm *vm;
	struct exit_stats stats; /* this vCPU's exits, counted by its own thread */
	atomic_bool held;	 /* stays parked while the VM runs (gdb steps another) */
};

/* One virtio device of the VM: its row, how to build it, and its host. */
struct vm_device {
	const struct virtio_row *row;
	struct virtio_spec spec;  /* its descriptors are the host's once it is made */
	void *owned;		  /* what the argument needs (a disk's description) */
	struct virtio_host *host; /* NULL until added */
};

#define VM_MAX_DEVICES (PCI_ROOT_SLOTS - 1) /* slot 0 is the host bridge */

struct vm {
	const struct vm_config *cfg;
	struct kvm kvm;
	struct guest_memory mem;
	struct bus pio;
	struct bus mmio;
	struct x86_legacy board;
	struct serial_stdin serial_in[SERIAL_PORTS]; /* each port's input (stdin, input=) */

	struct vm_device devices[VM_MAX_DEVICES];
	unsigned nr_devices;

	struct event_loop loop;
	struct event_source exit_src, signal_src, ctl_src;
	struct ctl_server ctl; /* -s: fd -1 without one */
	struct gdb_stub *gdb;  /* --gdb: NULL without one */
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
};

/* Builds and runs a VM from cfg; returns the process exit status. */
int vm_run(const struct vm_config *cfg);

/* Called by vCPUs and devices (any thread). */
void vm_request_exit(struct vm *vm, enum vm_exit_reason reason);

/* build.c: everything before the devices start; 0 or an exit status (reason logged). */
int vm_build(struct vm *vm, struct x86_entry *entry);

/* serial.c: the COM ports' outputs (into out) and inputs; 0 or an exit status (logged). */
int vm_serial_open(struct vm *vm, struct x86_serial_out out[SERIAL_PORTS]);
void vm_serial_close(struct x86_serial_out out[SERIAL_PORTS]); /* outputs not yet given away */
void vm_serial_stop_inputs(struct vm *vm);		       /* idempotent */

/* devices.c: the virtio devices from the table. */
int vm_devices_prepare(struct vm *vm); /* arguments, before any VM exists */
int vm_devices_add(struct vm *vm);     /* hosts on the PCI root and MMIO bus */
int vm_devices_start(struct vm *vm);   /* threads or jailed processes; 0 or -1 */
void vm_devices_stop(struct vm *vm);   /* each flushes what it must */
void vm_devices_free(struct vm *vm);

/* loop.c: stop signals, the exit eventfd and the control socket on the event loop. */
int vm_loop_init(struct vm *vm);
/* Runs the loop until a stop is requested; returns why. */
enum vm_exit_reason vm_loop_run(struct vm *vm);
void vm_loop_close(struct vm *vm);

/* control.c: answers one control-socket request (runs on the main thread). */
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
void vcpus_stop(struct vm *vm);
void vcpus_free(struct vm *vm);

#endif
