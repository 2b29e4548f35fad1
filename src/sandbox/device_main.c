// SPDX-License-Identifier: BSD-3-Clause
/* The device process's side of a proxied device host: serves the VMM's requests. */
#define _GNU_SOURCE
#include "sandbox/device_main.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "sandbox/proxy_wire.h"
#include "sandbox/sigsys.h"
#include "util/log.h"

/* The answer being built by the serving thread: side effects collect in it. */
static __thread struct proxy_resp *collect;

static void child_route(void *opaque, unsigned v, uint64_t addr, uint32_t data)
{
	struct proxy_resp *r = collect;
	uint32_t i;

	(void)opaque;
	if (!r)
		return; /* only config and BAR writes route, and those are served here */
	for (i = 0; i < r->nr_routes && r->routes[i].vector != v; i++)
		;
	if (i == MSIX_MAX_VECTORS)
		return;
	r->routes[i] = (struct proxy_route){.vector = v, .data = data, .addr = addr};
	if (i == r->nr_routes)
		r->nr_routes++;
}

/* While an access is served, its interrupt waits for the routes it set. */
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

static bool cfg_ok(const struct proxy_req *q)
{
	return q->len >= 1 && q->len <= 4 && q->off < 256 && q->off + q->len <= 256;
}

static bool bar_ok(const struct proxy_req *q)
{
	return q->len >= 1 && q->len <= 8 && q->off < VPCI_BAR_SIZE &&
	       q->off + q->len <= VPCI_BAR_SIZE;
}

/* The whole config space into the answer, for the VMM's copy (proxy_wire.h). */
static void cfg_image(struct pci_function *fn, struct proxy_resp *r)
{
	for (unsigned off = 0; off < PROXY_CFG_SPACE; off += 4)
		fn->cfg_read(fn, off, r->data + off, 4);
	r->len = PROXY_CFG_SPACE;
}

static void serve_access(const struct device_main_arg *a, const struct proxy_req *q,
			 struct proxy_resp *r)
{
	struct pci_function *fn = &a->pci->fn;
	bool cfg = q->op == PROXY_CFG_READ || q->op == PROXY_CFG_WRITE;

	if (cfg ? !cfg_ok(q) : !bar_ok(q)) {
		r->result = -EINVAL;
		return;
	}
	switch (q->op) {
	case PROXY_CFG_READ:
		fn->cfg_read(fn, (unsigned)q->off, r->data, q->len);
		r->len = q->len;
		break;
	case PROXY_CFG_WRITE:
		fn->cfg_write(fn, (unsigned)q->off, q->data, q->len);
		cfg_image(fn, r);
		break;
	case PROXY_BAR_READ:
		virtio_pci_bar_read(a->pci, q->off, r->data, q->len);
		r->len = q->len;
		break;
	default:
		virtio_pci_bar_write(a->pci, q->off, q->data, q->len);
		break;
	}
}

static void serve_one(const struct device_main_arg *a, const struct proxy_req *q,
		      struct proxy_resp *r)
{
	struct virtio_device *d = a->dev;

	r->op = q->op;
	if (proxy_op_is_access(q->op)) {
		serve_access(a, q, r);
		return;
	}
	switch (q->op) {
	case PROXY_CONTROL:
		if (q->len > sizeof(q->data))
			r->result = -EINVAL;
		else if (!d->ops->control)
			r->result = -ENOTTY;
		else
			r->result = d->ops->control(d, q->data, q->len, r->data, &r->len);
		if (r->result || r->len > sizeof(r->data))
			r->len = 0;
		break;
	case PROXY_PAUSE:
		virtio_worker_pause(&a->h->worker);
		break;
	case PROXY_RESUME:
		virtio_worker_resume(&a->h->worker);
		break;
	case PROXY_STOP:
		virtio_host_destroy_device(a->h, d);
		break;
	case PROXY_CFG_IMAGE:
		cfg_image(&a->pci->fn, r);
		break;
	default:
		r->result = -EINVAL;
		break;
	}
}

static int start(const struct device_main_arg *a)
{
	struct virtio_host *h = a->h;
	struct virtio_pci_host hooks = {
		.bar_changed = child_bar_changed,
		.kick = child_kick,
		.msix = {child_route, child_fire, h},
		.opaque = h,
	};
	int r = virtio_host_create_device(h, a->dev, a->pci, &hooks);

	if (r)
		log_err("cannot create the device: %s", strerror(-r));
	if (!r && (r = virtio_worker_start(&h->worker)))
		log_err("cannot start the device's thread: %s", strerror(-r));
	if (!r && (r = sigsys_install(a->report_wr, a->log_failures)))
		log_err("cannot install the SIGSYS handler: %s", strerror(-r));
	/* From here on, every thread of the device runs under its policy. */
	if (!r && (r = policy_prog_load(a->prog, POLICY_LOAD_TSYNC)))
		log_err("cannot load %s: %s", a->policy_file, strerror(-r));
	return r;
}

int device_main(void *arg)
{
	const struct device_main_arg *a = arg;
	static char who[48];
	static struct proxy_resp resp;
	static struct proxy_req q;
	int r;

	snprintf(who, sizeof(who), "crosvm %s", a->h->name);
	log_set_process(who);
	prctl(PR_SET_NAME, a->h->name);
	r = start(a);
	memset(&resp, 0, sizeof(resp));
	resp.op = PROXY_READY;
	resp.result = r;
	if (send(a->sock, &resp, sizeof(resp), MSG_NOSIGNAL) < 0 || r)
		return 1;
	for (;;) {
		ssize_t n = recv(a->sock, &q, sizeof(q), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(q))
			break; /* the VMM is gone: still leave the disk consistent */
		memset(&resp, 0, sizeof(resp));
		/*
		 * Only a guest's access defers its interrupts to the answer; a
		 * control call may wait for the guest (a statistics report), which
		 * must see its interrupts meanwhile.
		 */
		collect = proxy_op_is_access(q.op) ? &resp : NULL;
		serve_one(a, &q, &resp);
		collect = NULL;
		if (send(a->sock, &resp, sizeof(resp), MSG_NOSIGNAL) < 0)
			break;
		if (q.op == PROXY_STOP)
			return 0;
	}
	virtio_host_destroy_device(a->h, a->dev);
	return 0;
}
