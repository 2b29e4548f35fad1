// SPDX-License-Identifier: BSD-3-Clause
/*
 * The VMM's side of a proxied device host: a PCI function and a BAR whose
 * accesses become messages, the device process's life (spawn, reports, reap,
 * stop), and the check of every answer before the VMM acts on it.
 */
#define _GNU_SOURCE
#include "sandbox/host_proxy.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devices/virtio/pci.h"
#include "sandbox/device_main.h"
#include "sandbox/policy.h"
#include "sandbox/proc_status.h"
#include "sandbox/proxy_wire.h"
#include "sandbox/sigsys.h"
#include "util/macros.h"
#include "util/log.h"

#define CALL_TIMEOUT_MS \
	30000 /* longer than any device operation (some wait seconds for the guest) */
#define STOP_TIMEOUT_MS	 60000 /* a disk's final flush */
#define READY_TIMEOUT_MS 30000
#define EXIT_WAIT_MS	 5000
#define MAX_KEEP_FDS	 (2 + VIRTIO_MAX_QUEUES + 2 + MSIX_MAX_VECTORS + VIRTIO_SPEC_FDS + 1)
#define LOGGED_NRS	 512

struct virtio_proxy {
	struct virtio_host h; /* what the VMM holds; the bus is given &h */
	struct pci_function fn;
	struct sandbox_config sb;
	pid_t pid;
	int pidfd;
	int sock;      /* VMM's end */
	int report_rd; /* sigsys reports (non-blocking) */
	struct event_source pid_src, report_src;
	pthread_mutex_t lock; /* one request at a time */
	bool dead, reaped;
	bool stop_sent; /* its exit is expected */
	char policy_file[64];
	int32_t last_nr; /* the last violation reported, -1 for none */
	/* The device's config space as of its last answer (proxy_wire.h), under lock. */
	uint8_t cfg[PROXY_CFG_SPACE];
	bool cfg_valid;
	/* Guest accesses: crossed to the device process, and config reads answered here. */
	uint64_t crossed[4], cfg_local;
	uint64_t logged[LOGGED_NRS / 64];
	/* Live only in the device process's copy. */
	struct virtio_device dev;
	struct virtio_pci pci;
};

static struct virtio_proxy *to_proxy(void *h)
{
	return container_of(h, struct virtio_proxy, h);
}

/* ---- Violation reports and the process's end ---- */

static bool nr_logged(struct virtio_proxy *p, int32_t nr)
{
	bool was;

	if (nr < 0 || nr >= LOGGED_NRS)
		return false;
	was = p->logged[nr / 64] & (1ull << (nr % 64));
	p->logged[nr / 64] |= 1ull << (nr % 64);
	return was;
}

static void read_reports(struct virtio_proxy *p)
{
	struct sigsys_report rep;

	while (p->report_rd >= 0 && read(p->report_rd, &rep, sizeof(rep)) == (ssize_t)sizeof(rep)) {
		char *name;

		if (rep.magic != SIGSYS_REPORT_MAGIC)
			continue; /* a taken-over device may write anything here */
		name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, rep.nr);
		if (rep.allowed) {
			if (!nr_logged(p, rep.nr))
				log_warn("%s: seccomp: system call %s (%d) is not in %s; allowed "
					 "by --seccomp-log-failures",
					 p->h.name, name ? name : "?", rep.nr, p->policy_file);
		} else {
			p->last_nr = rep.nr;
			log_err("%s: seccomp: system call %s (%d) is not in %s: the device "
				"process is killed",
				p->h.name, name ? name : "?", rep.nr, p->policy_file);
		}
		free(name);
	}
}

static void failed(struct virtio_proxy *p)
{
	if (!p->dead) {
		p->dead = true;
		if (p->h.env.failed)
			p->h.env.failed(p->h.env.opaque);
	}
}

/* Logs how the device process ended; a failure unless it was told to stop. */
static void reaped(struct virtio_proxy *p, int status)
{
	char how[128];

	p->reaped = true;
	if (p->pidfd >= 0) {
		event_loop_del(p->h.env.loop, &p->pid_src);
		close(p->pidfd);
	}
	p->pidfd = p->pid_src.fd = -1;
	read_reports(p);
	jail_describe_status(status, how, sizeof(how));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && p->stop_sent) {
		log_debug("%s: device process %d %s", p->h.name, (int)p->pid, how);
		return;
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS && p->last_nr >= 0) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, p->last_nr);

		log_err("%s: device process %d killed by SIGSYS: system call %s (%d) is not "
			"allowed by %s (--seccomp-log-failures lets it through and logs it)",
			p->h.name, (int)p->pid, name ? name : "?", p->last_nr, p->policy_file);
		free(name);
	} else {
		log_err("%s: device process %d %s", p->h.name, (int)p->pid, how);
	}
	failed(p);
}

/* Waits for the process (killed first when kill_it); false if it cannot be waited for. */
static void wait_reap(struct virtio_proxy *p, bool kill_it)
{
	int status;

	if (kill_it)
		kill(p->pid, SIGKILL);
	while (waitpid(p->pid, &status, 0) < 0)
		if (errno != EINTR)
			return;
	reaped(p, status);
}

/* The pidfd is readable: the process ended on its own, which fails the VM. */
static void pid_ready(struct event_source *src, uint32_t events)
{
	struct virtio_proxy *p = container_of(src, struct virtio_proxy, pid_src);
	int status;
	pid_t r;

	(void)events;
	if (p->reaped || p->pid <= 0)
		return;
	do
		r = waitpid(p->pid, &status, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == p->pid)
		reaped(p, status);
}

static void report_ready(struct event_source *src, uint32_t events)
{
	(void)events;
	read_reports(container_of(src, struct virtio_proxy, report_src));
}

/* ---- Requests ---- */

/* The device process broke the protocol or died: no more requests, stop the VM. */
static int lost(struct virtio_proxy *p, int err, const char *why)
{
	if (!p->dead)
		log_err("%s: device process %d %s", p->h.name, (int)p->pid, why);
	failed(p);
	return err;
}

static int recv_resp(struct virtio_proxy *p, struct proxy_resp *r, int timeout_ms)
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
static void apply(struct virtio_proxy *p, const struct proxy_req *q, const struct proxy_resp *r)
{
	struct virtio_host *h = &p->h;

	if (q->op == PROXY_CFG_WRITE || q->op == PROXY_CFG_IMAGE) {
		/* Checked: the whole space, or (failed) nothing and the copy is not trusted. */
		p->cfg_valid = r->len == PROXY_CFG_SPACE;
		if (p->cfg_valid)
			memcpy(p->cfg, r->data, PROXY_CFG_SPACE);
	}
	if (proxy_op_is_access(q->op))
		p->crossed[q->op - PROXY_CFG_READ]++;
	for (uint32_t i = 0; i < r->nr_routes; i++)
		virtio_host_route(h, r->routes[i].vector, r->routes[i].addr, r->routes[i].data);
	if (r->bar_changed)
		virtio_host_bar_moved(h, r->bar0, r->bar_enabled);
	for (unsigned v = 0; v < h->nr_vectors; v++)
		if (r->fire & (1u << v))
			virtio_host_fire(h, v);
}

/* One request and its checked answer. */
static int transact(struct virtio_proxy *p, const struct proxy_req *q, struct proxy_resp *r,
		    int timeout_ms)
{
	int ret;

	pthread_mutex_lock(&p->lock);
	if (p->dead) {
		ret = -EPIPE;
	} else if (send(p->sock, q, sizeof(*q), MSG_NOSIGNAL) != (ssize_t)sizeof(*q)) {
		ret = lost(p, -EPIPE, "is gone");
	} else {
		ret = recv_resp(p, r, timeout_ms);
		if (ret == -ETIMEDOUT)
			ret = lost(p, ret, "did not answer in time");
		else if (ret == -EPIPE)
			ret = lost(p, ret, "is gone");
		else if (ret || !proxy_answer_ok(q, r, p->h.nr_vectors, VPCI_BAR_SIZE))
			ret = lost(p, -EPROTO, "sent a malformed answer");
		else
			apply(p, q, r);
	}
	pthread_mutex_unlock(&p->lock);
	return ret;
}

static void forward(struct virtio_proxy *p, uint32_t op, uint64_t off, uint8_t *data, uint32_t len)
{
	struct proxy_req q = {.op = op, .len = len, .off = off};
	struct proxy_resp r;
	bool read = op == PROXY_CFG_READ || op == PROXY_BAR_READ;

	if (read)
		memset(data, 0xff, len);
	else
		memcpy(q.data, data, len);
	if (transact(p, &q, &r, CALL_TIMEOUT_MS) == 0 && read && r.result == 0)
		memcpy(data, r.data, len);
}

static struct virtio_proxy *from_fn(struct pci_function *fn)
{
	return container_of(fn, struct virtio_proxy, fn);
}

static void proxy_cfg_read(struct pci_function *fn, unsigned off, uint8_t *data, unsigned len)
{
	struct virtio_proxy *p = from_fn(fn);
	bool local = false;

	if (len < 1 || len > 4)
		return;
	pthread_mutex_lock(&p->lock);
	if (p->cfg_valid && off < PROXY_CFG_SPACE && len <= PROXY_CFG_SPACE - off) {
		memcpy(data, p->cfg + off, len);
		p->cfg_local++;
		local = true;
	}
	pthread_mutex_unlock(&p->lock);
	if (!local)
		forward(p, PROXY_CFG_READ, off, data, len);
}

static void proxy_cfg_write(struct pci_function *fn, unsigned off, const uint8_t *data,
			    unsigned len)
{
	if (len >= 1 && len <= 4)
		forward(from_fn(fn), PROXY_CFG_WRITE, off, (uint8_t *)data, len);
}

static void proxy_bar_read(void *opaque, uint64_t off, uint8_t *data, uint32_t len)
{
	if (len >= 1 && len <= 8)
		forward(to_proxy(opaque), PROXY_BAR_READ, off, data, len);
	else
		memset(data, 0xff, len);
}

static void proxy_bar_write(void *opaque, uint64_t off, const uint8_t *data, uint32_t len)
{
	if (len >= 1 && len <= 8)
		forward(to_proxy(opaque), PROXY_BAR_WRITE, off, (uint8_t *)data, len);
}

static const struct bus_ops proxy_bar_ops = {proxy_bar_read, proxy_bar_write};

static int call(struct virtio_proxy *p, struct proxy_req *q, struct proxy_resp *r)
{
	int ret = transact(p, q, r, q->op == PROXY_STOP ? STOP_TIMEOUT_MS : CALL_TIMEOUT_MS);

	return ret ? ret : r->result;
}

static int proxy_control(struct virtio_host *h, const void *req, uint32_t len, void *reply,
			 uint32_t *reply_len)
{
	struct proxy_req q = {.op = PROXY_CONTROL};
	struct proxy_resp r = {0};
	int ret;

	*reply_len = 0;
	if (len > sizeof(q.data))
		return -EINVAL;
	q.len = len;
	memcpy(q.data, req, len);
	ret = call(to_proxy(h), &q, &r);
	if (!ret) {
		memcpy(reply, r.data, r.len);
		*reply_len = r.len;
	}
	return ret;
}

static int simple_call(struct virtio_host *h, uint32_t op)
{
	struct proxy_req q = {.op = op};
	struct proxy_resp r = {0};

	return call(to_proxy(h), &q, &r);
}

static int proxy_pause(struct virtio_host *h)
{
	return simple_call(h, PROXY_PAUSE);
}

static int proxy_resume(struct virtio_host *h)
{
	return simple_call(h, PROXY_RESUME);
}

/* ---- The process ---- */

static void log_rss(const struct virtio_proxy *p)
{
	char rss[32], hwm[32];

	if (p->reaped || p->pid <= 0)
		return;
	if (proc_status_field(p->pid, "VmRSS", rss, sizeof(rss)) ||
	    proc_status_field(p->pid, "VmHWM", hwm, sizeof(hwm)))
		return;
	log_debug("%s: device process %d: RSS %s (peak %s)", p->h.name, (int)p->pid, rss, hwm);
}

static void proxy_stop(struct virtio_host *h)
{
	struct virtio_proxy *p = to_proxy(h);
	struct pollfd pf = {.fd = p->pidfd, .events = POLLIN};
	int r;

	if (p->pid <= 0 || p->reaped)
		return; /* never started, or gone */
	log_rss(p);
	log_debug("%s: guest accesses crossing to the device process: config %llu reads, %llu "
		  "writes; BAR %llu reads, %llu writes; config reads answered in the VMM: %llu",
		  h->name, (unsigned long long)p->crossed[0], (unsigned long long)p->crossed[1],
		  (unsigned long long)p->crossed[2], (unsigned long long)p->crossed[3],
		  (unsigned long long)p->cfg_local);
	if (!p->dead) {
		p->stop_sent = true;
		r = simple_call(h, PROXY_STOP);
		if (r && r != -EPIPE)
			log_warn("%s: stop: %s", h->name, strerror(-r));
	}
	if (p->reaped)
		return;
	/* It exits right after its answer; one that does not is killed. */
	if (pf.fd >= 0 && poll(&pf, 1, EXIT_WAIT_MS) <= 0) {
		log_warn("%s: device process %d did not exit; killing it", h->name, (int)p->pid);
		wait_reap(p, true);
		return;
	}
	wait_reap(p, false);
}

static void proxy_free(struct virtio_host *h)
{
	struct virtio_proxy *p = to_proxy(h);

	proxy_stop(h);
	if (p->report_rd >= 0) {
		event_loop_del(h->env.loop, &p->report_src);
		close(p->report_rd);
	}
	if (p->sock >= 0)
		close(p->sock);
	virtio_host_release(h);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static int compile(struct virtio_proxy *p, struct policy_prog *prog)
{
	scmp_filter_ctx ctx;
	char err[512];
	int r;

	snprintf(p->policy_file, sizeof(p->policy_file), "%s.policy", p->h.spec.ops->policy);
	if (policy_compile(p->policy_file, policy_resolve_dir, (void *)p->sb.policy_dir,
			   POLICY_MODE_TRAP, &ctx, err, sizeof(err))) {
		log_err("%s: %s", p->h.name, err);
		return -EINVAL;
	}
	/* In log mode the SIGSYS handler makes the refused call itself, from one place. */
	r = policy_export(ctx, p->sb.log_failures ? sigsys_reissue_ip() : 0, prog, err,
			  sizeof(err));
	seccomp_release(ctx);
	if (r)
		log_err("%s: %s: %s", p->h.name, p->policy_file, err);
	return r ? -EINVAL : 0;
}

static unsigned keep_fds(const struct virtio_proxy *p, int child_sock, int report_wr, int *fds)
{
	const struct virtio_host *h = &p->h;
	unsigned n = 0;

	fds[n++] = child_sock;
	fds[n++] = report_wr;
	for (unsigned q = 0; q < h->nr_queues; q++)
		fds[n++] = h->worker.kick[q];
	fds[n++] = h->worker.stop_evt;
	fds[n++] = h->worker.wake_evt;
	for (unsigned v = 0; v < h->nr_vectors; v++)
		fds[n++] = h->vec_fd[v];
	for (unsigned i = 0; i < h->spec.nr_fds; i++)
		fds[n++] = h->spec.fds[i];
	if (h->spec.memfd)
		fds[n++] = h->env.mem->fd;
	return n;
}

/* Forks the jailed process; it answers READY once its device runs under its policy. */
static int spawn(struct virtio_proxy *p, const struct policy_prog *prog)
{
	struct device_main_arg a = {
		.h = &p->h,
		.dev = &p->dev,
		.pci = &p->pci,
		.log_failures = p->sb.log_failures,
		.prog = prog,
		.policy_file = p->policy_file,
	};
	struct jail_config jc = p->sb.jail;
	int fds[MAX_KEEP_FDS], sv[2], rp[2];
	char err[512];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	if (pipe2(rp, O_CLOEXEC | O_NONBLOCK)) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	p->sock = sv[0];
	p->report_rd = rp[0];
	a.sock = sv[1];
	a.report_wr = rp[1];
	jc.keep_fds = fds;
	jc.nr_keep_fds = keep_fds(p, sv[1], rp[1], fds);
	pid = jail_spawn(&jc, device_main, &a, err, sizeof(err));
	close(sv[1]);
	close(rp[1]);
	/* The device's own files are its alone now (a disk's lock goes with it). */
	virtio_host_close_spec_fds(&p->h);
	if (pid < 0) {
		log_err("%s: %s", p->h.name, err);
		return -ECHILD;
	}
	p->pid = pid;
	return 0;
}

static int proxy_start(struct virtio_host *h)
{
	struct virtio_proxy *p = to_proxy(h);
	struct policy_prog prog = {0};
	struct proxy_resp resp;
	int r = compile(p, &prog);

	if (!r)
		r = spawn(p, &prog);
	policy_prog_free(&prog);
	if (r)
		return r;
	p->pidfd = p->pid_src.fd = (int)syscall(SYS_pidfd_open, p->pid, 0);
	if (p->pidfd < 0) {
		log_err("%s: pidfd_open: %s", h->name, strerror(errno));
		p->dead = true;
		wait_reap(p, true);
		return -ECHILD;
	}
	r = recv_resp(p, &resp, READY_TIMEOUT_MS);
	if (r || resp.op != PROXY_READY || resp.result) {
		/* It goes at once, without failing the VM a second time. */
		p->dead = true;
		log_err("%s: the device process did not start%s", h->name,
			r == -ETIMEDOUT ? " (no answer)" : "");
		wait_reap(p, true);
		return -ECHILD;
	}
	p->report_src.fd = p->report_rd;
	if ((r = event_loop_add(h->env.loop, &p->pid_src)) ||
	    (r = event_loop_add(h->env.loop, &p->report_src)))
		return r;
	/* The config space copy the guest's config reads are answered from. */
	{
		struct proxy_req q = {.op = PROXY_CFG_IMAGE};

		r = transact(p, &q, &resp, CALL_TIMEOUT_MS);
		if (r)
			return r;
	}
	log_debug("%s: device process %d, jailed, under %s%s", h->name, (int)p->pid, p->policy_file,
		  p->sb.log_failures ? " (log failures)" : "");
	return 0;
}

/* start, control, pause, resume, stop, free */
static const struct virtio_host_ops proxy_ops = {proxy_start,  proxy_control, proxy_pause,
						 proxy_resume, proxy_stop,    proxy_free};

int virtio_proxy_new(const struct virtio_host_env *env, const struct virtio_spec *spec,
		     const struct sandbox_config *sb, struct virtio_host **out)
{
	struct virtio_proxy *p = calloc(1, sizeof(*p));
	int r;

	if (!p) {
		virtio_spec_close_fds(spec);
		return -ENOMEM;
	}
	p->sb = *sb;
	p->pid = -1;
	p->pidfd = p->sock = p->report_rd = -1;
	p->pid_src = (struct event_source){-1, pid_ready};
	p->report_src = (struct event_source){-1, report_ready};
	p->last_nr = -1;
	pthread_mutex_init(&p->lock, NULL);
	p->fn.cfg_read = proxy_cfg_read;
	p->fn.cfg_write = proxy_cfg_write;
	r = virtio_host_init(&p->h, &proxy_ops, env, spec, &proxy_bar_ops);
	if (!r && pci_root_add(env->pci, spec->slot, &p->fn))
		r = -EBUSY;
	if (r) {
		proxy_free(&p->h);
		return r;
	}
	*out = &p->h;
	return 0;
}
