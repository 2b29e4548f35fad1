// SPDX-License-Identifier: BSD-3-Clause
/*
 * An engine over a disk image format: each request runs synchronously at
 * submit, on the submitter's thread (the image's metadata has one user), and
 * completes through the same eventfd and reap path as the real engines.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "disk/aio_engine.h"
#include "disk/image.h"

struct image_priv {
	const struct disk_image *image;
	struct aio_req *head, *tail; /* completed, not reaped */
};

static int image_init(struct aio *a)
{
	return 0;
}

static int image_submit(struct aio *a, struct aio_req *r)
{
	struct image_priv *p = a->priv;
	const struct disk_image *im = p->image;
	uint64_t pos = r->pos, one = 1;
	int res = 0;

	if (r->op == AIO_FDATASYNC)
		res = im->ops->flush(im->img);
	for (unsigned i = 0; !res && r->op != AIO_FDATASYNC && i < r->iovcnt; i++) {
		res = r->op == AIO_READ
			      ? im->ops->read(im->img, r->iov[i].iov_base, r->iov[i].iov_len, pos)
			      : im->ops->write(im->img, r->iov[i].iov_base, r->iov[i].iov_len, pos);
		pos += r->iov[i].iov_len;
	}
	r->result = res;
	r->remaining = 0;
	r->next = NULL;
	if (p->tail)
		p->tail->next = r;
	else
		p->head = r;
	p->tail = r;
	if (write(a->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

static void image_submit_all(struct aio *a)
{
}

static struct aio_req *image_reap(struct aio *a)
{
	struct image_priv *p = a->priv;
	struct aio_req *r = p->head;

	if (r) {
		p->head = r->next;
		if (!p->head)
			p->tail = NULL;
	}
	return r;
}

static void image_destroy(struct aio *a)
{
	free(a->priv);
}

static const struct aio_engine_ops aio_image_ops = {
	.name = "image (synchronous)",
	.init = image_init,
	.submit = image_submit,
	.submit_all = image_submit_all,
	.reap = image_reap,
	.destroy = image_destroy,
};

int aio_create_image(struct aio **out, const struct disk_image *image, unsigned depth)
{
	struct aio *a = calloc(1, sizeof(*a));
	struct image_priv *p = calloc(1, sizeof(*p));
	int r;

	if (!a || !p) {
		free(a);
		free(p);
		return -ENOMEM;
	}
	p->image = image;
	a->priv = p;
	a->fd = -1;
	a->depth = depth ? depth : 1;
	a->ops = &aio_image_ops;
	a->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (a->efd < 0) {
		r = -errno;
		free(p);
		free(a);
		return r;
	}
	*out = a;
	return 0;
}
