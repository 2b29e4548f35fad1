/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_BLOCK_AIO_ENGINE_H
#define CROSVM_DEVICES_BLOCK_AIO_ENGINE_H

#include "disk/aio.h"

/* What each engine implements; aio.c does the bookkeeping common to both. */
struct aio_engine_ops {
	const char *name;
	int (*init)(struct aio *a);
	int (*submit)(struct aio *a, struct aio_req *r);
	void (*submit_all)(struct aio *a);
	struct aio_req *(*reap)(struct aio *a);
	/* Called with nothing in flight. */
	void (*destroy)(struct aio *a);
};

struct aio {
	const struct aio_engine_ops *ops;
	int fd;
	int efd; /* eventfd: bumped by the engine per completion */
	unsigned depth, in_flight;
	void *priv;
};

extern const struct aio_engine_ops aio_pool_ops;
#ifdef CROSVM_HAVE_LIBURING
extern const struct aio_engine_ops aio_uring_ops;
#endif

#endif
