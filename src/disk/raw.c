// SPDX-License-Identifier: BSD-3-Clause
/*
 * Raw images: the guest's bytes at the same offsets in the file. Data I/O goes
 * to the async engines over the fd; discard and write-zeroes are fallocate.
 */
#define _GNU_SOURCE
#include "disk/raw.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/io.h"

struct raw {
	int fd;
	bool sparse;
};

static int raw_aio_create(const struct disk_image *im, unsigned depth, enum aio_engine engine,
			  struct aio **out)
{
	const struct raw *r = im->img;

	return aio_create(out, r->fd, depth, engine);
}

static int raw_read(void *img, void *buf, size_t len, uint64_t off)
{
	struct raw *r = img;

	return pread_full(r->fd, buf, len, off);
}

static int raw_write(void *img, const void *buf, size_t len, uint64_t off)
{
	struct raw *r = img;

	return pwrite_full(r->fd, buf, len, off);
}

/* A hole reads back as zeros. */
static int punch(const struct raw *r, uint64_t off, uint64_t len)
{
	return fallocate(r->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len)
		       ? -errno
		       : 0;
}

static bool unsupported(int err)
{
	return err == -EOPNOTSUPP || err == -ENOSYS;
}

/* Zeroes on a file system without FALLOC_FL_ZERO_RANGE (tmpfs, some network fs). */
static int write_zeroes_slow(const struct raw *r, uint64_t off, uint64_t len)
{
	static const uint8_t zero[64 * 1024];

	if (punch(r, off, len) == 0)
		return 0;
	while (len) {
		size_t n = len < sizeof(zero) ? (size_t)len : sizeof(zero);
		int e = pwrite_full(r->fd, zero, n, off);

		if (e)
			return e;
		off += n;
		len -= n;
	}
	return 0;
}

static int raw_write_zeroes(void *img, uint64_t off, uint64_t len, bool unmap)
{
	struct raw *r = img;
	int e;

	if (unmap && r->sparse)
		e = punch(r, off, len);
	else
		e = fallocate(r->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, (off_t)off,
			      (off_t)len)
			    ? -errno
			    : 0;
	return unsupported(e) ? write_zeroes_slow(r, off, len) : e;
}

static int raw_discard(void *img, uint64_t off, uint64_t len)
{
	struct raw *r = img;
	int e;

	if (!r->sparse)
		return 0; /* a hint: nothing to do on a dense image */
	e = punch(r, off, len);
	return unsupported(e) ? 0 : e; /* a hint the file system cannot take */
}

static int raw_flush(void *img)
{
	struct raw *r = img;

	return fdatasync(r->fd) ? -errno : 0;
}

static int raw_resize(void *img, uint64_t size)
{
	struct raw *r = img;
	struct stat st;

	if (fstat(r->fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENOTSUP; /* a block device's size is not ours */
	return ftruncate(r->fd, (off_t)size) ? -errno : 0;
}

static void raw_close(void *img)
{
	struct raw *r = img;

	close(r->fd);
	free(r);
}

static const struct disk_image_ops raw_ops = {
	.name = "raw",
	.aio_create = raw_aio_create,
	.read = raw_read,
	.write = raw_write,
	.write_zeroes = raw_write_zeroes,
	.discard = raw_discard,
	.flush = raw_flush,
	.resize = raw_resize,
	.close = raw_close,
};

int raw_image_open(int fd, bool sparse, struct disk_image *out)
{
	struct raw *r = malloc(sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->fd = fd;
	r->sparse = sparse;
	out->ops = &raw_ops;
	out->img = r;
	return 0;
}
