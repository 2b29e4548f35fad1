// SPDX-License-Identifier: BSD-3-Clause
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gdb/gdb.h"
#include "gdb/kvm_target.h"
#include "gdb/server.h"
#include "util/log.h"
#include "vm/vm.h"

#define DR6_BS	  (1u << 14) /* single step */
#define BP_VECTOR 3

struct gdb_stub {
	struct vm *vm;
	int listen_fd;
	int stop_evt; /* a vCPU stopped on a debug exit */
	int quit_evt; /* the VM is ending */
	pthread_t thread;
	bool started;
	int *fds;
	struct gdb_kvm_target target;
	struct gdb_session session;
	struct gdb_conn conn;
	/* The first debug exit since the last resume; later ones wait their turn. */
	pthread_mutex_t lock;
	bool stop_pending;
	unsigned stop_cpu;
	uint32_t stop_dr6;
	uint32_t stop_exception;
	/*
	 * Debug exits of other vCPUs that came while a stop was being reported.
	 * A watchpoint traps once, after the access: reported at the next resume
	 * instead of being lost. An int3 or an execution breakpoint fires again
	 * when its vCPU re-executes the instruction, so those are not kept.
	 */
	struct gdb_pending {
		bool valid;
		uint32_t dr6;
		uint64_t addr[GDB_MAX_HW_BP]; /* the watchpoints it hit, as armed then */
	} * pend;
};

int gdb_stub_open(struct gdb_stub **out, uint16_t port, char *err, size_t errlen)
{
	struct gdb_stub *g = calloc(1, sizeof(*g));
	int fd;

	if (!g) {
		snprintf(err, errlen, "--gdb: out of memory");
		return -ENOMEM;
	}
	fd = gdb_listen(port, err, errlen);
	if (fd < 0) {
		free(g);
		return fd;
	}
	g->listen_fd = fd;
	g->stop_evt = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	g->quit_evt = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	g->conn.fd = -1;
	pthread_mutex_init(&g->lock, NULL);
	if (g->stop_evt < 0 || g->quit_evt < 0) {
		snprintf(err, errlen, "--gdb: eventfd: %s", strerror(errno));
		gdb_stub_close(g);
		return -errno;
	}
	*out = g;
	return 0;
}

/* Puts the guest's own int3 back to it: KVM took it only because guest debug is on. */
static void reinject_bp(struct vcpu *v)
{
	struct kvm_vcpu_events ev;

	if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev))
		return;
	ev.exception.injected = 1;
	ev.exception.nr = BP_VECTOR;
	ev.exception.has_error_code = 0;
	ev.flags = 0;
	if (ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev))
		log_warn("vcpu %u: cannot give the guest its int3 back: %s", v->id,
			 strerror(errno));
}

bool gdb_stub_vcpu_debug(struct gdb_stub *g, struct vcpu *v)
{
	const struct kvm_debug_exit_arch *a = &v->run->debug.arch;
	uint64_t one = 1;

	/* The session's breakpoints change only while every vCPU is parked. */
	if (a->exception == BP_VECTOR && !gdb_is_sw_bp(&g->session, a->pc)) {
		reinject_bp(v);
		return true;
	}
	pthread_mutex_lock(&g->lock);
	if (!g->stop_pending) {
		g->stop_pending = true;
		g->stop_cpu = v->id;
		g->stop_dr6 = (uint32_t)a->dr6;
		g->stop_exception = a->exception;
		atomic_store(&v->vm->paused, true); /* this vCPU parks before its next KVM_RUN */
		if (write(g->stop_evt, &one, sizeof(one)) < 0)
			log_warn("gdb: cannot signal a stop: %s", strerror(errno));
	} else if (a->exception != BP_VECTOR) {
		struct gdb_pending *p = &g->pend[v->id];

		for (unsigned i = 0; i < GDB_MAX_HW_BP; i++) {
			const struct gdb_hw_bp *h = &g->session.dbg.hw[i];

			if ((a->dr6 & (1u << i)) && h->used && h->type != GDB_HW_EXEC) {
				p->valid = true;
				p->dr6 |= 1u << i;
				p->addr[i] = h->addr;
			}
		}
	}
	pthread_mutex_unlock(&g->lock);
	return true;
}

static void stop_reason_from_exit(struct gdb_stub *g)
{
	struct gdb_session *s = &g->session;

	s->stop_cpu = g->stop_cpu;
	s->g_cpu = g->stop_cpu;
	s->stop_reason = GDB_STOP_SIGNAL;
	if (g->stop_exception == BP_VECTOR) {
		s->stop_reason = GDB_STOP_SWBREAK;
		return;
	}
	for (unsigned i = 0; i < GDB_MAX_HW_BP; i++) {
		const struct gdb_hw_bp *h = &s->dbg.hw[i];

		if (!(g->stop_dr6 & (1u << i)) || !h->used)
			continue;
		if (h->type == GDB_HW_EXEC) {
			s->stop_reason = GDB_STOP_HWBREAK;
		} else {
			s->stop_reason = GDB_STOP_WATCH;
			s->stop_addr = h->addr;
		}
		return;
	}
	/* DR6.BS or anything else: a plain SIGTRAP stop */
}

static int pause_all(struct gdb_stub *g)
{
	int r = vcpus_pause(g->vm);

	if (r)
		log_warn("gdb: not every vCPU stopped: %s", strerror(-r));
	return r;
}

/* A kept watchpoint hit whose watchpoint is still armed as it was: the next stop. */
static bool take_pending(struct gdb_stub *g)
{
	for (unsigned c = 0; c < g->vm->nr_vcpus; c++) {
		struct gdb_pending *p = &g->pend[c];
		uint32_t dr6 = 0;

		if (!p->valid)
			continue;
		for (unsigned i = 0; i < GDB_MAX_HW_BP; i++) {
			const struct gdb_hw_bp *h = &g->session.dbg.hw[i];

			if ((p->dr6 & (1u << i)) && h->used && h->type != GDB_HW_EXEC &&
			    h->addr == p->addr[i])
				dr6 |= 1u << i;
		}
		memset(p, 0, sizeof(*p));
		if (!dr6)
			continue;
		g->stop_pending = true;
		g->stop_cpu = c;
		g->stop_dr6 = dr6;
		g->stop_exception = 1; /* #DB */
		return true;
	}
	return false;
}

/*
 * Lets the vCPUs run: all of them, or only step_cpu when alone. A kept
 * watchpoint hit is reported at once instead, with every vCPU still parked.
 */
static void resume_all(struct gdb_stub *g, int step_cpu, bool alone)
{
	uint64_t v, one = 1;
	bool pending;

	pthread_mutex_lock(&g->lock);
	g->stop_pending = false;
	if (read(g->stop_evt, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("gdb: stop eventfd: %s", strerror(errno));
	pending = take_pending(g);
	if (pending && write(g->stop_evt, &one, sizeof(one)) < 0)
		log_warn("gdb: cannot signal a stop: %s", strerror(errno));
	pthread_mutex_unlock(&g->lock);
	if (pending)
		return;
	g->target.step_cpu = step_cpu;
	if (gdb_kvm_target_arm(&g->target))
		log_warn("gdb: KVM_SET_GUEST_DEBUG: %s", strerror(errno));
	for (unsigned i = 0; i < g->vm->nr_vcpus; i++)
		atomic_store(&g->vm->vcpus[i].held, alone && (int)i != step_cpu);
	vcpus_resume(g->vm);
}

static void drop_client(struct gdb_stub *g, bool running)
{
	if (!running)
		pause_all(g);
	gdb_clear_all(&g->session); /* takes out int3s and guest debug */
	g->target.step_cpu = -1;
	gdb_kvm_target_arm(&g->target);
	close(g->conn.fd);
	g->conn.fd = -1;
	resume_all(g, -1, false); /* nothing is kept: no watchpoint is armed now */
}

/* Waits for a stop while the VM runs; returns false when the client went away or quit. */
static bool wait_stop(struct gdb_stub *g, bool *quit)
{
	struct pollfd p[3] = {
		{.fd = g->stop_evt, .events = POLLIN},
		{.fd = g->conn.fd, .events = POLLIN},
		{.fd = g->quit_evt, .events = POLLIN},
	};

	for (;;) {
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (p[2].revents) {
			*quit = true;
			return false;
		}
		if (p[0].revents) {
			pause_all(g);
			stop_reason_from_exit(g);
			return true;
		}
		if (p[1].revents) {
			enum gdb_serve r = gdb_conn_serve(&g->conn, &g->session);

			if (r == GDB_SERVE_INTERRUPT) {
				pause_all(g);
				pthread_mutex_lock(&g->lock);
				bool hit = g->stop_pending;

				pthread_mutex_unlock(&g->lock);
				if (hit) {
					stop_reason_from_exit(g);
				} else {
					g->session.stop_reason = GDB_STOP_SIGNAL;
					g->session.stop_cpu = g->session.g_cpu;
				}
				return true;
			}
			if (r == GDB_SERVE_GONE)
				return false;
			/* anything else while running is ignored */
		}
	}
}

static void *stub_thread(void *arg)
{
	struct gdb_stub *g = arg;
	char reply[64];

	for (;;) {
		bool running = false, quit = false;
		int fd = accept4(g->listen_fd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL; /* shut down: the VM is ending */
		}
		log_info("gdb: debugger connected");
		/* Attaching stops the VM (it is already stopped before the first instruction). */
		pause_all(g);
		gdb_conn_init(&g->conn, fd);
		gdb_session_init(&g->session, &gdb_kvm_target_ops, &g->target, g->vm->nr_vcpus);
		for (;;) {
			enum gdb_serve r = gdb_conn_serve(&g->conn, &g->session);

			if (r == GDB_SERVE_CONTINUE || r == GDB_SERVE_STEP) {
				bool step = r == GDB_SERVE_STEP;

				resume_all(g, step ? (int)g->session.run_cpu : -1,
					   step && g->session.step_alone);
				running = true;
				if (!wait_stop(g, &quit))
					break;
				running = false;
				g->target.step_cpu = -1;
				gdb_kvm_target_arm(&g->target);
				size_t n = gdb_stop_reply(&g->session, reply, sizeof(reply));

				if (gdb_conn_send(&g->conn, reply, n))
					break;
				continue;
			}
			if (r == GDB_SERVE_INTERRUPT)
				continue; /* already stopped */
			if (r == GDB_SERVE_KILL) {
				log_info("gdb: kill");
				vm_request_exit(g->vm, VM_EXIT_STOP);
				close(g->conn.fd);
				g->conn.fd = -1;
				return NULL;
			}
			break; /* GONE or DETACH */
		}
		if (quit)
			return NULL; /* the VM is ending: nothing to let run on */
		log_info("gdb: debugger gone; the VM runs on");
		drop_client(g, running);
	}
}

int gdb_stub_start(struct gdb_stub *g, struct vm *vm)
{
	int r;

	g->vm = vm;
	g->fds = calloc(vm->nr_vcpus, sizeof(*g->fds));
	g->pend = calloc(vm->nr_vcpus, sizeof(*g->pend));
	if (!g->fds || !g->pend)
		return -ENOMEM;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		g->fds[i] = vm->vcpus[i].fd;
	g->target = (struct gdb_kvm_target){
		.vcpu_fds = g->fds, .nr_cpus = vm->nr_vcpus, .mem = &vm->mem, .step_cpu = -1};
	gdb_session_init(&g->session, &gdb_kvm_target_ops, &g->target, vm->nr_vcpus);
	r = pthread_create(&g->thread, NULL, stub_thread, g);
	if (r)
		return -r;
	g->started = true;
	return 0;
}

void gdb_stub_close(struct gdb_stub *g)
{
	uint64_t one = 1;

	if (!g)
		return;
	if (g->started) {
		/* Wakes accept() and a blocked read of the client; poll sees quit_evt. */
		if (write(g->quit_evt, &one, sizeof(one)) < 0)
			log_warn("gdb: quit: %s", strerror(errno));
		shutdown(g->listen_fd, SHUT_RDWR);
		if (g->conn.fd >= 0)
			shutdown(g->conn.fd, SHUT_RDWR);
		pthread_join(g->thread, NULL);
	}
	if (g->conn.fd >= 0)
		close(g->conn.fd);
	close(g->listen_fd);
	if (g->stop_evt >= 0)
		close(g->stop_evt);
	if (g->quit_evt >= 0)
		close(g->quit_evt);
	pthread_mutex_destroy(&g->lock);
	free(g->fds);
	free(g->pend);
	free(g);
}
