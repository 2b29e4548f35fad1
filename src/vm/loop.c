// SPDX-License-Identifier: BSD-3-Clause
/* The main thread's event loop: stop signals, stop requests, the control socket, devices. */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "util/log.h"
#include "util/macros.h"
#include "vm/vm.h"

void vm_request_exit(struct vm *vm, enum vm_exit_reason reason)
{
	int expected = VM_EXIT_NONE;
	uint64_t one = 1;

	if (atomic_compare_exchange_strong(&vm->exit_reason, &expected, (int)reason)) {
		if (write(vm->exit_evt, &one, sizeof(one)) < 0)
			log_err("cannot signal VM exit: %s", strerror(errno));
	}
}

static const char *signame(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP";
}

static void signal_ready(struct event_source *src, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	if (read(src->fd, &si, sizeof(si)) == sizeof(si)) {
		log_info("received %s, stopping the VM", signame((int)si.ssi_signo));
		vm_request_exit(container_of(src, struct vm, signal_src), VM_EXIT_SIGNAL);
	}
}

/* Nothing to do: the loop sees exit_reason after every wake-up. */
static void exit_ready(struct event_source *src, uint32_t events)
{
	uint64_t cnt;

	(void)events;
	if (read(src->fd, &cnt, sizeof(cnt)) < 0)
		return;
}

static void ctl_ready(struct event_source *src, uint32_t events)
{
	struct vm *vm = container_of(src, struct vm, ctl_src);
	const struct ctl_handler ctl = {.opaque = vm, .handle = vm_control};

	(void)events;
	ctl_server_serve(&vm->ctl, &ctl);
}

int vm_loop_init(struct vm *vm)
{
	sigset_t stop_sigs;
	int r;

	/* Stop signals are read from a signalfd by this thread; every thread blocks them. */
	sigemptyset(&stop_sigs);
	sigaddset(&stop_sigs, SIGINT);
	sigaddset(&stop_sigs, SIGTERM);
	sigaddset(&stop_sigs, SIGHUP);
	sigaddset(&stop_sigs, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &stop_sigs, NULL);
	sigdelset(&stop_sigs, SIGUSR1);
	vcpu_signals_init();
	vm->signal_src = (struct event_source){signalfd(-1, &stop_sigs, SFD_CLOEXEC), signal_ready};
	vm->exit_evt = eventfd(0, EFD_CLOEXEC);
	vm->exit_src = (struct event_source){vm->exit_evt, exit_ready};
	if (vm->signal_src.fd < 0 || vm->exit_evt < 0)
		return -errno;
	r = event_loop_init(&vm->loop);
	if (!r)
		r = event_loop_add(&vm->loop, &vm->signal_src);
	if (!r)
		r = event_loop_add(&vm->loop, &vm->exit_src);
	return r;
}

enum vm_exit_reason vm_loop_run(struct vm *vm)
{
	if (vm->ctl.fd >= 0) {
		vm->ctl_src = (struct event_source){vm->ctl.fd, ctl_ready};
		if (event_loop_add(&vm->loop, &vm->ctl_src))
			log_warn("control socket: cannot watch it: %s", strerror(errno));
	}
	while (atomic_load(&vm->exit_reason) == VM_EXIT_NONE) {
		int r = event_loop_wait(&vm->loop, -1);

		if (r) {
			log_err("epoll_wait: %s", strerror(-r));
			vm_request_exit(vm, VM_EXIT_FAILURE);
		}
	}
	return (enum vm_exit_reason)atomic_load(&vm->exit_reason);
}

void vm_loop_close(struct vm *vm)
{
	event_loop_close(&vm->loop);
	if (vm->signal_src.fd >= 0)
		close(vm->signal_src.fd);
	if (vm->exit_evt >= 0)
		close(vm->exit_evt);
	vm->signal_src.fd = vm->exit_evt = -1;
}
