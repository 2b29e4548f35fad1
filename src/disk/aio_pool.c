// SPDX-License-Identifier: BSD-3-Clause
/* The fallback engine: a few threads doing blocking preadv/pwritev/fdatasync. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "disk/aio_engine.h"

#define POOL_THREADS 4

struct pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct aio_req *todo, **todo_tail; /* FIFO: the order the guest queued */
	struct aio_req *done, **done_tail;
	bool stop;
	unsigned nthreads;
	pthread_t threads[POOL_THREADS];
};

static void run(int fd, struct aio_req *r)
{
	if (r->op == AIO_FDATASYNC) {
		r->result = fdatasync(fd) ? -errno : 0;
		return;
	}
	while (r->remaining) {
		ssize_t n = r->op == AIO_READ ? preadv(fd, r->iov, (int)r->iovcnt, (off_t)r->pos)
					      : pwritev(fd, r->iov, (int)r->iovcnt, (off_t)r->pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r->result = n < 0 ? -errno : -EIO; /* 0: past the end of the file */
			return;
		}
		aio_advance(r, (uint64_t)n);
	}
}

static void *pool_thread(void *arg)
{
	struct aio *a = arg;
	struct pool *p = a->priv;
	uint64_t one = 1;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct aio_req *r = p->todo;

		if (!r) {
			if (p->stop)
				break;
			pthread_cond_wait(&p->cond, &p->lock);
			continue;
		}
		p->todo = r->next;
		if (!p->todo)
			p->todo_tail = &p->todo;
		pthread_mutex_unlock(&p->lock);

		run(a->fd, r);

		pthread_mutex_lock(&p->lock);
		r->next = NULL;
		*p->done_tail = r;
		p->done_tail = &r->next;
		if (write(a->efd, &one, sizeof(one)) < 0)
			abort(); /* an eventfd write only fails on overflow: a broken invariant */
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void pool_shutdown(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static int pool_init(struct aio *a)
{
	struct pool *p = calloc(1, sizeof(*p));
	unsigned want = a->depth < POOL_THREADS ? a->depth : POOL_THREADS;

	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->todo_tail = &p->todo;
	p->done_tail = &p->done;
	a->priv = p;
	for (; p->nthreads < want; p->nthreads++) {
		int r = pthread_create(&p->threads[p->nthreads], NULL, pool_thread, a);

		if (r) {
			pool_shutdown(p);
			a->priv = NULL;
			return -r;
		}
	}
	return 0;
}

static int pool_submit(struct aio *a, struct aio_req *r)
{
	struct pool *p = a->priv;

	pthread_mutex_lock(&p->lock);
	*p->todo_tail = r;
	p->todo_tail = &r->next;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static void pool_submit_all(struct aio *a)
{
}

static struct aio_req *pool_reap(struct aio *a)
{
	struct pool *p = a->priv;
	struct aio_req *r;

	pthread_mutex_lock(&p->lock);
	r = p->done;
	if (r) {
		p->done = r->next;
		if (!p->done)
			p->done_tail = &p->done;
	}
	pthread_mutex_unlock(&p->lock);
	return r;
}

static void pool_destroy(struct aio *a)
{
	pool_shutdown(a->priv);
}

const struct aio_engine_ops aio_pool_ops = {
	.name = "threads",
	.init = pool_init,
	.submit = pool_submit,
	.submit_all = pool_submit_all,
	.reap = pool_reap,
	.destroy = pool_destroy,
};
