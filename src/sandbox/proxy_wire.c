// SPDX-License-Identifier: BSD-3-Clause
#include "sandbox/proxy_wire.h"

static bool routes_ok(const struct proxy_resp *r, unsigned nr_vectors)
{
	if (r->nr_routes > nr_vectors)
		return false;
	for (uint32_t i = 0; i < r->nr_routes; i++)
		if (r->routes[i].vector >= nr_vectors)
			return false;
	return true;
}

bool proxy_answer_ok(const struct proxy_req *q, const struct proxy_resp *r, unsigned nr_vectors,
		     uint64_t bar_size)
{
	bool read = q->op == PROXY_CFG_READ || q->op == PROXY_BAR_READ;
	bool access = proxy_op_is_access(q->op);

	if (r->op != q->op || r->result > 0 || r->len > sizeof(r->data) ||
	    nr_vectors > MSIX_MAX_VECTORS)
		return false;
	/* Only a guest's access carries side effects; only a config write moves the BAR. */
	if (!access && (r->nr_routes || r->fire || r->bar_changed))
		return false;
	if (!routes_ok(r, nr_vectors) || (nr_vectors < 32 && r->fire >> nr_vectors))
		return false;
	if (r->bar_changed && (q->op != PROXY_CFG_WRITE || r->bar0 % bar_size))
		return false;
	if (read)
		return r->result || r->len == q->len;
	if (q->op == PROXY_CONTROL)
		return !r->result || !r->len;
	/* A config write's answer carries the config space after it (or, failed, nothing). */
	if (q->op == PROXY_CFG_WRITE || q->op == PROXY_CFG_IMAGE)
		return r->result ? r->len == 0 : r->len == PROXY_CFG_SPACE;
	return r->len == 0;
}
