// SPDX-License-Identifier: BSD-3-Clause
/* Engine choice and the accounting both engines share. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "disk/aio_engine.h"

static int try_engine(struct aio *a, const struct aio_engine_ops *ops)
{
	a->ops = ops;
	return ops->init(a);
}

int aio_create(struct aio **out, int fd, unsigned depth, enum aio_engine engine)
{
	struct aio *a = calloc(1, sizeof(*a));
	int r = -ENOSYS;

	if (!a)
		return -ENOMEM;
	a->fd = fd;
	a->depth = depth ? depth : 1;
	a->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (a->efd < 0) {
		r = -errno;
		free(a);
		return r;
	}
#ifdef CROSVM_HAVE_LIBURING
	/* io_uring can be missing or disabled (sysctl, seccomp): fall back unless asked for. */
	if (engine != AIO_ENGINE_POOL)
		r = try_engine(a, &aio_uring_ops);
#endif
	if (r && engine != AIO_ENGINE_URING)
		r = try_engine(a, &aio_pool_ops);
	if (r) {
		close(a->efd);
		free(a);
		return r;
	}
	*out = a;
	return 0;
}

void aio_destroy(struct aio *a)
{
	if (!a)
		return;
	while (a->in_flight) {
		aio_wait(a);
		while (aio_reap(a))
			;
	}
	a->ops->destroy(a);
	close(a->efd);
	free(a);
}

int aio_event_fd(const struct aio *a)
{
	return a->efd;
}

const char *aio_engine_name(const struct aio *a)
{
	return a->ops->name;
}

uint64_t aio_req_bytes(const struct aio_req *r)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < r->iovcnt; i++)
		n += r->iov[i].iov_len;
	return n;
}

bool aio_advance(struct aio_req *r, uint64_t n)
{
	if (n >= r->remaining) {
		r->remaining = 0;
		return true;
	}
	r->remaining -= n;
	r->pos += n;
	while (r->iovcnt && n >= r->iov[0].iov_len) {
		n -= r->iov[0].iov_len;
		r->iov++;
		r->iovcnt--;
	}
	if (r->iovcnt) {
		r->iov[0].iov_base = (uint8_t *)r->iov[0].iov_base + n;
		r->iov[0].iov_len -= n;
	}
	return false;
}

int aio_submit(struct aio *a, struct aio_req *r)
{
	int ret;

	if (a->in_flight >= a->depth)
		return -EAGAIN;
	r->result = 0;
	r->remaining = r->op == AIO_FDATASYNC ? 0 : aio_req_bytes(r);
	r->next = NULL;
	ret = a->ops->submit(a, r);
	if (ret == 0)
		a->in_flight++;
	return ret;
}

void aio_submit_all(struct aio *a)
{
	a->ops->submit_all(a);
}

struct aio_req *aio_reap(struct aio *a)
{
	struct aio_req *r = a->ops->reap(a);
	uint64_t cnt;

	if (!r) {
		/*
		 * Clear the eventfd, then look once more: a completion that
		 * lands after this read bumps it again, so none is missed.
		 */
		if (read(a->efd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
			return NULL;
		r = a->ops->reap(a);
	}
	if (r)
		a->in_flight--;
	return r;
}

unsigned aio_in_flight(const struct aio *a)
{
	return a->in_flight;
}

void aio_wait(struct aio *a)
{
	struct pollfd p = {.fd = a->efd, .events = POLLIN};

	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
}
