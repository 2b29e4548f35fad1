// SPDX-License-Identifier: BSD-3-Clause
/* The io_uring engine: one ring per disk, completions announced on the eventfd. */
#include <errno.h>
#include <liburing.h>
#include <stdlib.h>

#include "disk/aio_engine.h"

static void prep(struct io_uring_sqe *sqe, int fd, struct aio_req *r)
{
	switch (r->op) {
	case AIO_READ:
		io_uring_prep_readv(sqe, fd, r->iov, r->iovcnt, r->pos);
		break;
	case AIO_WRITE:
		io_uring_prep_writev(sqe, fd, r->iov, r->iovcnt, r->pos);
		break;
	case AIO_FDATASYNC:
		io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
		break;
	}
	io_uring_sqe_set_data(sqe, r);
}

static int uring_init(struct aio *a)
{
	struct io_uring *ring = calloc(1, sizeof(*ring));
	int r;

	if (!ring)
		return -ENOMEM;
	r = io_uring_queue_init(a->depth, ring, 0);
	if (r == 0) {
		r = io_uring_register_eventfd(ring, a->efd);
		if (r)
			io_uring_queue_exit(ring);
	}
	if (r) {
		free(ring);
		return r;
	}
	a->priv = ring;
	return 0;
}

static int uring_submit(struct aio *a, struct aio_req *r)
{
	struct io_uring *ring = a->priv;
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe) {
		/* The submission ring is full: start what is there to make room. */
		io_uring_submit(ring);
		sqe = io_uring_get_sqe(ring);
		if (!sqe)
			return -EAGAIN;
	}
	prep(sqe, a->fd, r);
	return 0;
}

static void uring_submit_all(struct aio *a)
{
	io_uring_submit(a->priv);
}

static struct aio_req *uring_reap(struct aio *a)
{
	struct io_uring *ring = a->priv;
	struct io_uring_cqe *cqe;

	while (io_uring_peek_cqe(ring, &cqe) == 0) {
		struct aio_req *r = io_uring_cqe_get_data(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(ring, cqe);
		if (res == -EINTR || res == -EAGAIN ||
		    (res > 0 && r->op != AIO_FDATASYNC && !aio_advance(r, (uint64_t)res))) {
			/* Interrupted or short: go on with the rest of the same request. */
			struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

			if (sqe) {
				prep(sqe, a->fd, r);
				io_uring_submit(ring);
				continue;
			}
			res = -EAGAIN;
		}
		if (res == 0 && r->op != AIO_FDATASYNC)
			res = -EIO; /* nothing moved: past the end of the file */
		r->result = res < 0 ? res : 0;
		return r;
	}
	return NULL;
}

static void uring_destroy(struct aio *a)
{
	io_uring_queue_exit(a->priv);
	free(a->priv);
}

const struct aio_engine_ops aio_uring_ops = {
	.name = "io_uring",
	.init = uring_init,
	.submit = uring_submit,
	.submit_all = uring_submit_all,
	.reap = uring_reap,
	.destroy = uring_destroy,
};
