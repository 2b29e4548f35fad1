// SPDX-License-Identifier: BSD-3-Clause
/* One thread per vCPU: KVM_RUN and the exits that need userspace (port I/O, MMIO). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "arch/x86_64/regs.h"
#include "gdb/gdb.h"
#include "util/log.h"
#include "vm/vm.h"
#ifdef CROSVM_HAVE_SECCOMP
#include "vm/seccomp.h"
#endif

#define SIG_VCPU_KICK SIGUSR1

static void kick_handler(int sig)
{
	(void)sig;
}

void vcpu_signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIG_VCPU_KICK, &sa, NULL);
}

int vcpu_create(struct vm *vm, struct vcpu *v, unsigned id)
{
	void *run;

	v->vm = vm;
	v->id = id;
	v->fd = kvm_create_vcpu(&vm->kvm, id);
	if (v->fd < 0)
		return v->fd;
	run = mmap(NULL, (size_t)vm->kvm.vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd,
		   0);
	if (run == MAP_FAILED)
		return -errno;
	v->run = run;
	return 0;
}

static void handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;

	for (uint32_t i = 0; i < run->io.count; i++) {
		if (run->io.direction == KVM_EXIT_IO_OUT)
			bus_write(&v->vm->pio, run->io.port, data, run->io.size);
		else
			bus_read(&v->vm->pio, run->io.port, data, run->io.size);
		data += run->io.size;
	}
}

static void handle_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint32_t len = run->mmio.len > 8 ? 8 : run->mmio.len;

	if (run->mmio.is_write)
		bus_write(&v->vm->mmio, run->mmio.phys_addr, run->mmio.data, len);
	else
		bus_read(&v->vm->mmio, run->mmio.phys_addr, run->mmio.data, len);
}

/* Handles one exit; returns false when the vCPU must stop. */
static bool handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct vm *vm = v->vm;

	exit_stats_count(&v->stats, run);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(v);
		return true;
	case KVM_EXIT_MMIO:
		handle_mmio(v);
		return true;
	case KVM_EXIT_INTR:
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		return true;
	case KVM_EXIT_SHUTDOWN:
		log_err("vcpu %u: triple fault", v->id);
		x86_log_regs(v->fd, v->id);
		vm_request_exit(vm, VM_EXIT_TRIPLE_FAULT);
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		if (run->system_event.type == KVM_SYSTEM_EVENT_RESET)
			vm_request_exit(vm, VM_EXIT_RESET);
		else if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN)
			vm_request_exit(vm, VM_EXIT_POWEROFF);
		else {
			log_err("vcpu %u: system event %u", v->id, run->system_event.type);
			vm_request_exit(vm, VM_EXIT_FAILURE);
		}
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		log_err("vcpu %u: KVM internal error, suberror %u", v->id, run->internal.suberror);
		x86_log_regs(v->fd, v->id);
		vm_request_exit(vm, VM_EXIT_INTERNAL_ERROR);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		log_err("vcpu %u: VM entry failed, hardware reason %#llx", v->id,
			(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		x86_log_regs(v->fd, v->id);
		vm_request_exit(vm, VM_EXIT_INTERNAL_ERROR);
		return false;
	case KVM_EXIT_DEBUG:
		/* Only with --gdb is guest debug ever enabled. */
		if (vm->gdb)
			return gdb_stub_vcpu_debug(vm->gdb, v);
		log_err("vcpu %u: debug exit without a debugger", v->id);
		vm_request_exit(vm, VM_EXIT_INTERNAL_ERROR);
		return false;
	case KVM_EXIT_HLT:
		/* The in-kernel irqchip handles HLT; getting here means it is halted for good. */
		log_err("vcpu %u: halted with no way to wake up", v->id);
		x86_log_regs(v->fd, v->id);
		vm_request_exit(vm, VM_EXIT_FAILURE);
		return false;
	default:
		log_err("vcpu %u: unexpected exit reason %u", v->id, run->exit_reason);
		x86_log_regs(v->fd, v->id);
		vm_request_exit(vm, VM_EXIT_INTERNAL_ERROR);
		return false;
	}
}

/* Waits while the VM is suspended; the vCPU's state stays in KVM meanwhile. */
static void park(struct vcpu *v)
{
	struct vm *vm = v->vm;

	pthread_mutex_lock(&vm->pause_lock);
	vm->nr_parked++;
	pthread_cond_broadcast(&vm->pause_cond);
	while ((atomic_load(&vm->paused) || atomic_load(&v->held)) && !atomic_load(&vm->stopping))
		pthread_cond_wait(&vm->pause_cond, &vm->pause_lock);
	vm->nr_parked--;
	/* The kick that parked us set immediate_exit: clear it or KVM_RUN returns at once. */
	__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&vm->pause_lock);
}

int vcpus_pause(struct vm *vm)
{
	struct timespec deadline;
	int r = 0;

	atomic_store(&vm->paused, true);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 5;
	pthread_mutex_lock(&vm->pause_lock);
	while (vm->nr_parked < vm->nr_vcpus && r == 0)
		r = pthread_cond_timedwait(&vm->pause_cond, &vm->pause_lock, &deadline);
	pthread_mutex_unlock(&vm->pause_lock);
	return r ? -r : 0;
}

void vcpus_resume(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause_lock);
	atomic_store(&vm->paused, false);
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIG_VCPU_KICK);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
#ifdef CROSVM_HAVE_SECCOMP
	{
		int r = vm_seccomp_enter_vcpu();

		if (r) {
			log_err("vcpu %u: cannot load vcpu.policy: %s", v->id, strerror(-r));
			vm_request_exit(v->vm, VM_EXIT_FAILURE);
			return NULL;
		}
	}
#endif

	while (!atomic_load(&v->vm->stopping)) {
		if (atomic_load(&v->vm->paused) || atomic_load(&v->held)) {
			park(v);
			continue;
		}
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			log_err("vcpu %u: KVM_RUN: %s", v->id, strerror(errno));
			vm_request_exit(v->vm, VM_EXIT_FAILURE);
			break;
		}
		if (!handle_exit(v))
			break;
	}
	return NULL;
}

int vcpu_start(struct vcpu *v)
{
	int r = pthread_create(&v->thread, NULL, vcpu_thread, v);

	if (r)
		return -r;
	v->started = true;
	return 0;
}

void vcpu_kick(struct vcpu *v)
{
	/* immediate_exit closes the race with a thread about to enter KVM_RUN. */
	if (v->run)
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (v->started)
		pthread_kill(v->thread, SIG_VCPU_KICK);
}

void vcpus_stop(struct vm *vm)
{
	atomic_store(&vm->stopping, true);
	/* Parked (suspended) vCPUs wake up, see stopping and leave. */
	pthread_mutex_lock(&vm->pause_lock);
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].started)
			pthread_join(vm->vcpus[i].thread, NULL);
	/* Where each vCPU stopped: the first clue when a guest hangs. */
	if (vm->cfg->log_level >= LOG_LVL_DEBUG)
		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			x86_log_regs(vm->vcpus[i].fd, i);
}

void vcpus_free(struct vm *vm)
{
	for (unsigned i = 0; vm->vcpus && i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->run)
			munmap(v->run, (size_t)vm->kvm.vcpu_mmap_size);
		if (v->fd >= 0)
			close(v->fd);
	}
	free(vm->vcpus);
	vm->vcpus = NULL;
}
