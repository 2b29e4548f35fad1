// SPDX-License-Identifier: BSD-3-Clause
/* A VM's life: build, start the devices and vCPUs, run the loop, tear down in order. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/client.h"
#include "gdb/gdb.h"
#include "sandbox/proc_status.h"
#include "util/log.h"
#include "util/term.h"
#include "vm/vm.h"
#ifdef CROSVM_HAVE_SECCOMP
#include "vm/seccomp.h"
#endif

static int exit_status(enum vm_exit_reason reason)
{
	switch (reason) {
	case VM_EXIT_POWEROFF:
		log_info("guest powered off");
		return EXIT_OK;
	case VM_EXIT_RESET:
		log_info("guest reset (reboot), VM stopped");
		return EXIT_OK;
	case VM_EXIT_SIGNAL:
	case VM_EXIT_STOP:
		log_info("VM stopped");
		return EXIT_OK;
	case VM_EXIT_TRIPLE_FAULT:
		log_err("VM stopped: guest triple fault");
		return EXIT_TRIPLE_FAULT;
	case VM_EXIT_INTERNAL_ERROR:
		log_err("VM stopped: KVM internal error");
		return EXIT_INTERNAL_ERROR;
	case VM_EXIT_DEVICE:
		log_err("VM stopped: a device process failed; the other devices are stopped in "
			"order");
		return EXIT_RUNTIME;
	default:
		log_err("VM stopped after a failure");
		return EXIT_RUNTIME;
	}
}

/*
 * Starts every device (threads, or jailed processes), then puts the VMM itself
 * under its own filters. Returns 0 or -1 with the reason logged.
 */
static int start_devices(struct vm *vm)
{
#ifdef CROSVM_HAVE_SECCOMP
	int r;

	/* The filters were compiled by vm_seccomp_check() as the VM was built. */
	if (vm_devices_start(vm))
		return -1;
	if (!vm->cfg->sandbox)
		return 0;
	/* Threads started from here on (stdin, vCPUs) inherit it. */
	r = vm_seccomp_enter_main();
	if (r) {
		log_err("cannot load main.policy: %s", strerror(-r));
		return -1;
	}
	log_debug("VMM under main.policy; vCPUs under vcpu.policy");
	return 0;
#else
	return vm_devices_start(vm);
#endif
}

/* The ports' input threads: stdin (the terminal in raw mode), input= files. */
static void start_inputs(struct vm *vm)
{
	for (int i = 0; i < SERIAL_PORTS; i++) {
		struct serial_stdin *f = &vm->serial_in[i];
		bool is_stdin = f->in_fd == STDIN_FILENO;
		int r;

		if (!f->s)
			continue;
		if (is_stdin && !term_stdin_usable()) {
			log_warn("stdin is a terminal of another process group (background job): "
				 "no guest input");
			continue;
		}
		if (is_stdin && term_set_raw())
			log_warn("cannot put the terminal in raw mode: %s", strerror(errno));
		r = serial_stdin_start(f);
		if (r)
			log_warn("no guest input on COM%d: %s", i + 1, strerror(-r));
	}
}

static void start(struct vm *vm)
{
	if (start_devices(vm)) {
		vm_request_exit(vm, VM_EXIT_FAILURE);
		return;
	}
	start_inputs(vm);
	/* With --gdb every vCPU parks before its first instruction, until the debugger says go. */
	if (vm->gdb)
		atomic_store(&vm->paused, true);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		int r = vcpu_start(&vm->vcpus[i]);

		if (r) {
			log_err("cannot start vcpu %u: %s", i, strerror(-r));
			vm_request_exit(vm, VM_EXIT_FAILURE);
			return;
		}
	}
	if (vm->gdb) {
		int r = gdb_stub_start(vm->gdb, vm);

		if (r) {
			log_err("cannot start the gdb stub: %s", strerror(-r));
			vm_request_exit(vm, VM_EXIT_FAILURE);
		}
	}
}

static void log_memory(const struct vm *vm)
{
	char rss[32], hwm[32];

	if (vm->cfg->log_level < LOG_LVL_DEBUG)
		return;
	if (!proc_status_field(getpid(), "VmRSS", rss, sizeof(rss)) &&
	    !proc_status_field(getpid(), "VmHWM", hwm, sizeof(hwm)))
		log_debug("VMM process %d: RSS %s (peak %s)", (int)getpid(), rss, hwm);
}

static void log_exits(struct vm *vm)
{
	struct exit_stats *sum;

	if (vm->cfg->log_level < LOG_LVL_DEBUG || !vm->vcpus)
		return;
	sum = calloc(1, sizeof(*sum));
	if (!sum)
		return;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		exit_stats_add(sum, &vm->vcpus[i].stats);
	exit_stats_log(sum, &vm->pio, &vm->mmio);
	free(sum);
	pci_root_log_stats(&vm->board.pci);
}

static void log_stop_time(const struct vm *vm)
{
	struct timespec now;

	if (!vm->stop_asked.tv_sec)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	log_info("stopped %lld ms after the request",
		 (long long)(now.tv_sec - vm->stop_asked.tv_sec) * 1000 +
			 (now.tv_nsec - vm->stop_asked.tv_nsec) / 1000000);
}

static struct vm *vm_new(const struct vm_config *cfg)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	if (!vm)
		return NULL;
	vm->cfg = cfg;
	vm->ctl.fd = -1;
	vm->exit_evt = vm->signal_src.fd = -1;
	vm->loop.epfd = -1;
	vm->kvm.fd = vm->kvm.vm_fd = -1;
	vm->mem.fd = -1;
	atomic_init(&vm->exit_reason, VM_EXIT_NONE);
	atomic_init(&vm->stopping, false);
	atomic_init(&vm->paused, false);
	pthread_mutex_init(&vm->pause_lock, NULL);
	pthread_cond_init(&vm->pause_cond, NULL);
	bus_init(&vm->pio);
	bus_init(&vm->mmio);
	return vm;
}

/* In the reverse order of building; the vCPUs have stopped. */
static void vm_free(struct vm *vm)
{
	vm_serial_stop_inputs(vm); /* a VM that never ran still has its input files open */
	gdb_stub_close(vm->gdb);   /* it uses the vCPU fds */
	vm_devices_free(vm);
	vcpus_free(vm);
	ctl_server_close(&vm->ctl);
	vm_loop_close(vm);
	gm_destroy(&vm->mem);
	kvm_close(&vm->kvm);
	bus_destroy(&vm->pio);
	bus_destroy(&vm->mmio);
	pthread_mutex_destroy(&vm->pause_lock);
	pthread_cond_destroy(&vm->pause_cond);
	free(vm);
}

int vm_run(const struct vm_config *cfg)
{
	struct vm *vm = vm_new(cfg);
	struct x86_entry entry = {0};
	char err[256];
	int status, r;

	if (!vm) {
		log_err("out of memory");
		return EXIT_RUNTIME;
	}
	/*
	 * Before the event loop takes SIGINT/SIGTERM: probing a stuck VM's socket may
	 * wait, and a signal must still end crosvm meanwhile.
	 */
	if (cfg->socket_path) {
		if (ctl_server_open(&vm->ctl, cfg->socket_path, CTL_TIMEOUT_MS, err, sizeof(err))) {
			log_err("%s", err);
			vm_free(vm);
			return EXIT_BAD_INPUT;
		}
		log_info("control socket: %s", vm->ctl.path);
	}
	if (cfg->gdb_port) {
		if (gdb_stub_open(&vm->gdb, (uint16_t)cfg->gdb_port, err, sizeof(err))) {
			log_err("%s", err);
			vm_free(vm);
			return EXIT_BAD_INPUT;
		}
		log_info("gdb: waiting for a debugger on 127.0.0.1:%u", cfg->gdb_port);
	}
	r = vm_loop_init(vm);
	if (r) {
		log_err("cannot set up the event loop: %s", strerror(-r));
		vm_free(vm);
		return EXIT_RUNTIME;
	}
	status = vm_build(vm, &entry);
	if (status) {
		vm_free(vm);
		return status;
	}
	log_debug("VM built: %u vCPUs, %llu MiB, %s entry %#llx", vm->nr_vcpus,
		  (unsigned long long)cfg->mem_mib, entry.pvh ? "PVH" : "64-bit",
		  (unsigned long long)entry.rip);
	start(vm);
	status = exit_status(vm_loop_run(vm));
	log_memory(vm);
	gdb_stub_close(vm->gdb); /* a debugger holding the VM stopped must not block the stop */
	vm->gdb = NULL;
	vcpus_stop(vm);
	log_exits(vm);
	/* Each device flushes what it must; a dead one is only reaped. */
	vm_devices_stop(vm);
	vm_serial_stop_inputs(vm);
	term_restore();
	log_stop_time(vm);
	vm_free(vm);
	return status;
}
