// SPDX-License-Identifier: BSD-3-Clause
/*
 * Both ends of a sandboxed virtio device: the VMM's proxy (a PCI function
 * whose accesses become messages) and the device process's loop that answers
 * them with the real transport. The device process is hostile once the guest
 * may have taken it over: every answer is checked before the VMM acts on it.
 */
#define _GNU_SOURCE
#include "virtio_sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/policy.h"
#include "sandbox/proc_status.h"
#include "sandbox/sigsys.h"
#include "util/log.h"

/* Message types besides enum vhost_op (which travel as they are). */
enum {
	VP_READY = 64, /* device -> VMM, once: result 0, or -errno when it could not start */
	VP_CFG_READ,
	VP_CFG_WRITE,
	VP_BAR_READ,
	VP_BAR_WRITE,
};

struct vp_req {
	uint32_t op;
	uint32_t len; /* bytes of an access, 1..8 */
	uint64_t off; /* config-space or BAR offset */
	uint64_t arg; /* of a vhost_op */
	uint8_t data[8];
};

struct vp_route {
	uint32_t vector;
	uint32_t data;
	uint64_t addr;
};

/* One answer per request, in order. */
struct vp_resp {
	uint32_t op; /* the request's */
	int32_t result;
	uint32_t len; /* bytes in data (a read) */
	uint32_t nr_routes;
	uint8_t data[8];
	uint32_t fire; /* vectors to signal once the routes are set */
	uint8_t bar_changed, bar_enabled;
	uint8_t pad[2];
	uint64_t bar0;
	struct vp_route routes[MSIX_MAX_VECTORS];
	struct balloon_stats stats;
};

#define CALL_TIMEOUT_MS	 30000 /* longer than any device operation (stats wait 5 s) */
#define STOP_TIMEOUT_MS	 60000 /* a disk's final flush */
#define READY_TIMEOUT_MS 30000
#define EXIT_WAIT_MS	 5000
#define MAX_KEEP_FDS	 (2 + 2 * VIRTIO_MAX_QUEUES + 2 + MSIX_MAX_VECTORS + 2)
#define LOGGED_NRS	 512

struct device_proc {
	pid_t pid;
	int pidfd;
	int sock;      /* VMM's end */
	int report_rd; /* sigsys reports (non-blocking) */
	int child_sock, report_wr;
	pthread_mutex_t lock; /* one request at a time */
	bool dead, reaped;
	bool stop_sent; /* its exit is expected */
	char policy_file[64];
	struct policy_prog prog; /* until the fork */
	bool log_failures;
	int32_t last_nr; /* the last violation reported, -1 for none */
	uint64_t logged[LOGGED_NRS / 64];
	void (*failed)(void *opaque);
	void *opaque;
};

static struct virtio_host *from_fn(struct pci_function *fn)
{
	return (struct virtio_host *)((char *)fn - offsetof(struct virtio_host, proxy_fn));
}

/* ---- The device process ---- */

/* The answer being built by the serving thread: side effects collect in it. */
static __thread struct vp_resp *collect;

static void child_route(void *opaque, unsigned v, uint64_t addr, uint32_t data)
{
	struct vp_resp *r = collect;
	uint32_t i;

	(void)opaque;
	if (!r)
		return; /* only config and BAR writes route, and those are served here */
	for (i = 0; i < r->nr_routes && r->routes[i].vector != v; i++)
		;
	if (i == MSIX_MAX_VECTORS)
		return;
	r->routes[i] = (struct vp_route){.vector = v, .data = data, .addr = addr};
	if (i == r->nr_routes)
		r->nr_routes++;
}

/* While a BAR write is served, its interrupt waits for the routes it set. */
static void child_fire(void *opaque, unsigned v)
{
	if (collect && v < 32) {
		collect->fire |= 1u << v;
		return;
	}
	virtio_host_fire(opaque, v);
}

static void child_bar_changed(void *opaque, uint64_t bar0, bool enabled)
{
	(void)opaque;
	if (collect) {
		collect->bar_changed = 1;
		collect->bar_enabled = enabled;
		collect->bar0 = bar0;
	}
}

static void child_kick(void *opaque, unsigned q)
{
	virtio_host_kick(opaque, q);
}

static bool cfg_ok(const struct vp_req *q)
{
	return q->len >= 1 && q->len <= 4 && q->off < 256 && q->off + q->len <= 256;
}

static bool bar_ok(const struct vp_req *q)
{
	return q->len >= 1 && q->len <= 8 && q->off < VPCI_BAR_SIZE &&
	       q->off + q->len <= VPCI_BAR_SIZE;
}

static void serve_one(struct virtio_host *h, const struct vp_req *q, struct vp_resp *r)
{
	r->op = q->op;
	switch (q->op) {
	case VP_CFG_READ:
	case VP_CFG_WRITE:
		if (!cfg_ok(q)) {
			r->result = -EINVAL;
		} else if (q->op == VP_CFG_READ) {
			h->pci.fn.cfg_read(&h->pci.fn, (unsigned)q->off, r->data, q->len);
			r->len = q->len;
		} else {
			h->pci.fn.cfg_write(&h->pci.fn, (unsigned)q->off, q->data, q->len);
		}
		break;
	case VP_BAR_READ:
	case VP_BAR_WRITE:
		if (!bar_ok(q)) {
			r->result = -EINVAL;
		} else if (q->op == VP_BAR_READ) {
			virtio_pci_bar_read(&h->pci, q->off, r->data, q->len);
			r->len = q->len;
		} else {
			virtio_pci_bar_write(&h->pci, q->off, q->data, q->len);
		}
		break;
	default:
		r->result = virtio_host_exec(h, (enum vhost_op)q->op, q->arg, &r->stats);
		break;
	}
}

struct child_arg {
	struct virtio_host *h;
	const struct guest_memory *mem;
};

/* PID 1 of the device's namespaces, already jailed: build the device, filter, serve. */
static int device_main(void *arg)
{
	const struct child_arg *a = arg;
	struct virtio_host *h = a->h;
	struct device_proc *p = h->proc;
	struct virtio_pci_host host = {
		.bar_changed = child_bar_changed,
		.kick = child_kick,
		.msix = {child_route, child_fire, h},
		.opaque = h,
	};
	static char who[48];
	static struct vp_resp resp;
	struct vp_req q;
	int r;

	snprintf(who, sizeof(who), "crosvm %s", h->name);
	log_set_process(who);
	prctl(PR_SET_NAME, h->name);
	r = virtio_host_create_device(h, a->mem, host);
	if (r)
		log_err("cannot create the device: %s", strerror(-r));
	if (!r && (r = virtio_worker_start(&h->worker)))
		log_err("cannot start the device's thread: %s", strerror(-r));
	if (!r && (r = sigsys_install(p->report_wr, p->log_failures)))
		log_err("cannot install the SIGSYS handler: %s", strerror(-r));
	/* From here on, every thread of the device runs under its policy. */
	if (!r && (r = policy_prog_load(&p->prog, POLICY_LOAD_TSYNC)))
		log_err("cannot load %s: %s", p->policy_file, strerror(-r));
	memset(&resp, 0, sizeof(resp));
	resp.op = VP_READY;
	resp.result = r;
	if (send(p->child_sock, &resp, sizeof(resp), MSG_NOSIGNAL) < 0 || r)
		return 1;
	for (;;) {
		ssize_t n = recv(p->child_sock, &q, sizeof(q), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(q))
			break; /* the VMM is gone: still leave the disk consistent */
		memset(&resp, 0, sizeof(resp));
		/*
		 * Only a guest's access defers its interrupts to the answer; an
		 * operation (balloon statistics) may wait for the guest, which must
		 * see its interrupts meanwhile.
		 */
		collect = q.op >= VP_CFG_READ ? &resp : NULL;
		serve_one(h, &q, &resp);
		collect = NULL;
		if (send(p->child_sock, &resp, sizeof(resp), MSG_NOSIGNAL) < 0)
			break;
		if (q.op == VHOST_OP_STOP)
			return 0;
	}
	virtio_host_exec(h, VHOST_OP_STOP, 0, NULL);
	return 0;
}

/* ---- The VMM's side ---- */

static bool nr_logged(struct device_proc *p, int32_t nr)
{
	bool was;

	if (nr < 0 || nr >= LOGGED_NRS)
		return false;
	was = p->logged[nr / 64] & (1ull << (nr % 64));
	p->logged[nr / 64] |= 1ull << (nr % 64);
	return was;
}

void virtio_sandbox_read_reports(struct virtio_host *h)
{
	struct device_proc *p = h->proc;
	struct sigsys_report rep;

	while (read(p->report_rd, &rep, sizeof(rep)) == (ssize_t)sizeof(rep)) {
		char *name;

		if (rep.magic != SIGSYS_REPORT_MAGIC)
			continue; /* a taken-over device may write anything here */
		name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, rep.nr);
		if (rep.allowed) {
			if (!nr_logged(p, rep.nr))
				log_warn("%s: seccomp: system call %s (%d) is not in %s; allowed "
					 "by --seccomp-log-failures",
					 h->name, name ? name : "?", rep.nr, p->policy_file);
		} else {
			p->last_nr = rep.nr;
			log_err("%s: seccomp: system call %s (%d) is not in %s: the device "
				"process is killed",
				h->name, name ? name : "?", rep.nr, p->policy_file);
		}
		free(name);
	}
}

/* The device process broke the protocol or died: no more requests, stop the VM. */
static int lost(struct virtio_host *h, int err, const char *why)
{
	struct device_proc *p = h->proc;

	if (!p->dead) {
		p->dead = true;
		log_err("%s: device process %d %s", h->name, (int)p->pid, why);
		if (p->failed)
			p->failed(p->opaque);
	}
	return err;
}

static int recv_resp(struct device_proc *p, struct vp_resp *r, int timeout_ms)
{
	struct pollfd pf = {.fd = p->sock, .events = POLLIN};
	ssize_t n;
	int ready;

	do
		ready = poll(&pf, 1, timeout_ms);
	while (ready < 0 && errno == EINTR);
	if (ready == 0)
		return -ETIMEDOUT;
	n = recv(p->sock, r, sizeof(*r), MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN))
		return -EPIPE;
	return n == (ssize_t)sizeof(*r) ? 0 : -EPROTO;
}

/* Applies what the device's transport asked of KVM, in its order: routes, BAR, interrupts. */
static int apply(struct virtio_host *h, const struct vp_req *q, const struct vp_resp *r)
{
	if (r->op != q->op || r->nr_routes > h->nr_vectors || r->fire >> h->nr_vectors ||
	    r->len > sizeof(r->data) ||
	    ((q->op == VP_CFG_READ || q->op == VP_BAR_READ) && !r->result && r->len != q->len) ||
	    (r->bar_changed && r->bar0 % VPCI_BAR_SIZE))
		return -EPROTO;
	for (uint32_t i = 0; i < r->nr_routes; i++)
		if (r->routes[i].vector >= h->nr_vectors)
			return -EPROTO;
	for (uint32_t i = 0; i < r->nr_routes; i++)
		virtio_host_route(h, r->routes[i].vector, r->routes[i].addr, r->routes[i].data);
	if (r->bar_changed) {
		h->bar0 = r->bar0;
		h->mem_enabled = r->bar_enabled;
		virtio_host_move_notify(h, h->bar0, h->mem_enabled);
	}
	for (unsigned v = 0; v < h->nr_vectors; v++)
		if (r->fire & (1u << v))
			virtio_host_fire(h, v);
	return 0;
}

/* One request and its answer; the caller holds p->lock. */
static int transact_locked(struct virtio_host *h, const struct vp_req *q, struct vp_resp *r,
			   int timeout_ms)
{
	struct device_proc *p = h->proc;
	int ret;

	if (p->dead)
		return -EPIPE;
	if (send(p->sock, q, sizeof(*q), MSG_NOSIGNAL) != (ssize_t)sizeof(*q))
		return lost(h, -EPIPE, "is gone");
	ret = recv_resp(p, r, timeout_ms);
	if (ret == -ETIMEDOUT)
		return lost(h, ret, "did not answer in time");
	if (ret == -EPIPE)
		return lost(h, ret, "is gone");
	if (ret || apply(h, q, r))
		return lost(h, -EPROTO, "sent a malformed answer");
	return 0;
}

static int transact(struct virtio_host *h, const struct vp_req *q, struct vp_resp *r,
		    int timeout_ms)
{
	int ret;

	pthread_mutex_lock(&h->proc->lock);
	ret = transact_locked(h, q, r, timeout_ms);
	pthread_mutex_unlock(&h->proc->lock);
	return ret;
}

static void proxy_access(struct virtio_host *h, uint32_t op, uint64_t off, uint8_t *data,
			 uint32_t len)
{
	struct vp_req q = {.op = op, .len = len, .off = off};
	struct vp_resp r;
	bool read = op == VP_CFG_READ || op == VP_BAR_READ;

	if (read)
		memset(data, 0xff, len);
	else
		memcpy(q.data, data, len);
	if (transact(h, &q, &r, CALL_TIMEOUT_MS) == 0 && read && r.result == 0)
		memcpy(data, r.data, len);
}

static void proxy_cfg_read(struct pci_function *fn, unsigned off, uint8_t *data, unsigned len)
{
	if (len >= 1 && len <= 4)
		proxy_access(from_fn(fn), VP_CFG_READ, off, data, len);
}

static void proxy_cfg_write(struct pci_function *fn, unsigned off, const uint8_t *data,
			    unsigned len)
{
	if (len >= 1 && len <= 4)
		proxy_access(from_fn(fn), VP_CFG_WRITE, off, (uint8_t *)data, len);
}

bool virtio_sandbox_mmio(struct virtio_host *h, uint64_t addr, uint8_t *data, uint32_t len,
			 bool write)
{
	struct device_proc *p = h->proc;
	struct vp_req q = {.op = write ? VP_BAR_WRITE : VP_BAR_READ, .len = len};
	struct vp_resp r;

	pthread_mutex_lock(&p->lock);
	if (!h->mem_enabled || addr < h->bar0 || addr - h->bar0 >= VPCI_BAR_SIZE) {
		pthread_mutex_unlock(&p->lock);
		return false;
	}
	q.off = addr - h->bar0;
	if (!write)
		memset(data, 0xff, len);
	if (len >= 1 && len <= 8) {
		if (write)
			memcpy(q.data, data, len);
		if (transact_locked(h, &q, &r, CALL_TIMEOUT_MS) == 0 && !write && !r.result)
			memcpy(data, r.data, len);
	}
	pthread_mutex_unlock(&p->lock);
	return true;
}

int virtio_sandbox_call(struct virtio_host *h, enum vhost_op op, uint64_t arg,
			struct balloon_stats *stats)
{
	struct vp_req q = {.op = op, .arg = arg};
	struct vp_resp r;
	int ret = transact(h, &q, &r, op == VHOST_OP_STOP ? STOP_TIMEOUT_MS : CALL_TIMEOUT_MS);

	if (ret)
		return ret;
	if (stats)
		*stats = r.stats;
	return r.result > 0 ? -EPROTO : r.result;
}

void virtio_sandbox_init_proxy(struct virtio_host *h)
{
	static struct device_proc procs[PCI_ROOT_SLOTS];
	static unsigned nr_procs;
	struct device_proc *p = &procs[nr_procs++ % PCI_ROOT_SLOTS];

	memset(p, 0, sizeof(*p));
	p->pid = -1;
	p->pidfd = p->sock = p->report_rd = p->child_sock = p->report_wr = -1;
	p->last_nr = -1;
	pthread_mutex_init(&p->lock, NULL);
	h->proc = p;
	h->proxy_fn.cfg_read = proxy_cfg_read;
	h->proxy_fn.cfg_write = proxy_cfg_write;
}

static unsigned keep_fds(const struct virtio_host *h, int *fds)
{
	unsigned n = 0;

	fds[n++] = h->proc->child_sock;
	fds[n++] = h->proc->report_wr;
	for (unsigned q = 0; q < h->nr_queues; q++)
		fds[n++] = h->worker.kick[q];
	fds[n++] = h->worker.stop_evt;
	fds[n++] = h->worker.wake_evt;
	for (unsigned v = 0; v < h->nr_vectors; v++)
		fds[n++] = h->vec_fd[v];
	for (unsigned i = 0; i < h->spec.nr_fds; i++)
		fds[n++] = h->spec.fds[i];
	return n;
}

static int compile(struct virtio_host *h, const struct sandbox_config *sb)
{
	struct device_proc *p = h->proc;
	scmp_filter_ctx ctx;
	char err[512];
	int r;

	snprintf(p->policy_file, sizeof(p->policy_file), "%s.policy", h->spec.ops->policy);
	if (policy_compile(p->policy_file, policy_resolve_dir, (void *)sb->policy_dir,
			   POLICY_MODE_TRAP, &ctx, err, sizeof(err))) {
		log_err("%s: %s", h->name, err);
		return -1;
	}
	/* In log mode the SIGSYS handler makes the refused call itself, from one place. */
	r = policy_export(ctx, sb->log_failures ? sigsys_reissue_ip() : 0, &p->prog, err,
			  sizeof(err));
	seccomp_release(ctx);
	if (r)
		log_err("%s: %s: %s", h->name, p->policy_file, err);
	return r ? -1 : 0;
}

static void reaped(struct virtio_host *h, int status);

/* A device process that failed to start: it goes at once, without a failure callback. */
static void kill_and_reap(struct virtio_host *h)
{
	struct device_proc *p = h->proc;
	int status;

	p->dead = true;
	kill(p->pid, SIGKILL);
	while (waitpid(p->pid, &status, 0) < 0)
		if (errno != EINTR)
			return;
	reaped(h, status);
}

int virtio_sandbox_spawn(struct virtio_host *h, const struct guest_memory *mem,
			 const struct sandbox_config *sb)
{
	struct device_proc *p = h->proc;
	struct child_arg a = {h, mem};
	struct jail_config jc = sb->jail;
	int fds[MAX_KEEP_FDS], sv[2], rp[2];
	struct vp_resp resp;
	char err[512];
	pid_t pid;
	int r;

	p->log_failures = sb->log_failures;
	p->failed = sb->failed;
	p->opaque = sb->opaque;
	if (compile(h, sb))
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) ||
	    pipe2(rp, O_CLOEXEC | O_NONBLOCK)) {
		log_err("%s: %s", h->name, strerror(errno));
		return -1;
	}
	p->sock = sv[0];
	p->child_sock = sv[1];
	p->report_rd = rp[0];
	p->report_wr = rp[1];
	jc.keep_fds = fds;
	jc.nr_keep_fds = keep_fds(h, fds);
	pid = jail_spawn(&jc, device_main, &a, err, sizeof(err));
	policy_prog_free(&p->prog);
	close(p->child_sock);
	close(p->report_wr);
	p->child_sock = p->report_wr = -1;
	/* The device's own files are its alone now (a disk's lock goes with it). */
	for (unsigned i = 0; i < h->spec.nr_fds; i++)
		if (h->spec.fds[i] != mem->fd)
			close(h->spec.fds[i]);
	if (pid < 0) {
		log_err("%s: %s", h->name, err);
		return -1;
	}
	p->pid = pid;
	p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (p->pidfd < 0) {
		log_err("%s: pidfd_open: %s", h->name, strerror(errno));
		kill_and_reap(h);
		return -1;
	}
	r = recv_resp(p, &resp, READY_TIMEOUT_MS);
	if (r || resp.op != VP_READY || resp.result) {
		p->dead = true;
		log_err("%s: the device process did not start%s", h->name,
			r == -ETIMEDOUT ? " (no answer)" : "");
		kill_and_reap(h);
		return -1;
	}
	log_debug("%s: device process %d, jailed, under %s%s", h->name, (int)pid, p->policy_file,
		  sb->log_failures ? " (log failures)" : "");
	return 0;
}

int virtio_sandbox_pidfd(const struct virtio_host *h)
{
	return h->proc && !h->proc->reaped ? h->proc->pidfd : -1;
}

int virtio_sandbox_report_fd(const struct virtio_host *h)
{
	return h->proc ? h->proc->report_rd : -1;
}

pid_t virtio_sandbox_pid(const struct virtio_host *h)
{
	return h->proc && !h->proc->reaped ? h->proc->pid : -1;
}

/* Logs how the device process ended; a failure unless it was told to stop. */
static void reaped(struct virtio_host *h, int status)
{
	struct device_proc *p = h->proc;
	char how[128];

	p->reaped = true;
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pidfd = -1;
	virtio_sandbox_read_reports(h);
	jail_describe_status(status, how, sizeof(how));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && p->stop_sent) {
		log_debug("%s: device process %d %s", h->name, (int)p->pid, how);
		return;
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS && p->last_nr >= 0) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, p->last_nr);

		log_err("%s: device process %d killed by SIGSYS: system call %s (%d) is not "
			"allowed by %s (--seccomp-log-failures lets it through and logs it)",
			h->name, (int)p->pid, name ? name : "?", p->last_nr, p->policy_file);
		free(name);
	} else {
		log_err("%s: device process %d %s", h->name, (int)p->pid, how);
	}
	if (!p->dead) {
		p->dead = true;
		if (p->failed)
			p->failed(p->opaque);
	}
}

bool virtio_sandbox_reap(struct virtio_host *h)
{
	struct device_proc *p = h->proc;
	int status;
	pid_t r;

	if (p->reaped || p->pid <= 0)
		return false;
	do
		r = waitpid(p->pid, &status, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r != p->pid)
		return false;
	reaped(h, status);
	return true;
}

void virtio_sandbox_log_rss(const struct virtio_host *h)
{
	char rss[32], hwm[32];

	if (!h->proc || h->proc->reaped || h->proc->pid <= 0)
		return;
	if (proc_status_field(h->proc->pid, "VmRSS", rss, sizeof(rss)) ||
	    proc_status_field(h->proc->pid, "VmHWM", hwm, sizeof(hwm)))
		return;
	log_debug("%s: device process %d: RSS %s (peak %s)", h->name, (int)h->proc->pid, rss, hwm);
}

void virtio_sandbox_stop(struct virtio_host *h)
{
	struct device_proc *p = h->proc;
	struct pollfd pf = {.fd = p->pidfd, .events = POLLIN};
	int r, status;

	if (p->pid <= 0)
		return; /* never started */
	virtio_sandbox_log_rss(h);
	if (!p->dead) {
		p->stop_sent = true;
		r = virtio_sandbox_call(h, VHOST_OP_STOP, 0, NULL);
		if (r && r != -EPIPE)
			log_warn("%s: stop: %s", h->name, strerror(-r));
	}
	if (p->reaped || p->pid <= 0)
		return;
	/* It exits right after its answer; one that does not is killed. */
	if (pf.fd >= 0 && poll(&pf, 1, EXIT_WAIT_MS) <= 0) {
		log_warn("%s: device process %d did not exit; killing it", h->name, (int)p->pid);
		kill(p->pid, SIGKILL);
	}
	while (waitpid(p->pid, &status, 0) < 0)
		if (errno != EINTR)
			return;
	reaped(h, status);
}
