// SPDX-License-Identifier: BSD-3-Clause
/* Opening disk images (raw files and block devices, qcow2), the format decided once. */
#define _GNU_SOURCE
#include "disk/disk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk/raw.h"
#include "util/log.h"

const char *disk_flag(const struct disk_config *dc)
{
	return dc->root ? (dc->read_only ? "--root" : "--rwroot")
			: (dc->read_only ? "--disk" : "--rwdisk");
}

/* Closes fd (when not -1) and says why, naming the flag and the file. */
static int fail(int fd, char *err, size_t errlen, const struct disk_config *dc, const char *why)
{
	snprintf(err, errlen, "%s '%s': %s", disk_flag(dc), dc->path, why);
	if (fd >= 0)
		close(fd);
	return -1;
}

int disk_open(const struct disk_config *dc, struct blk_disk *d, char *err, size_t errlen)
{
	int flags = (dc->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | (dc->o_direct ? O_DIRECT : 0);
	char why[256];
	struct stat st;
	off_t end;
	int fd, r;

	memset(d, 0, sizeof(*d));
	fd = open(dc->path, flags);
	if (fd < 0)
		return fail(fd, err, errlen, dc, strerror(errno));
	if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)))
		return fail(fd, err, errlen, dc, "not a regular file or block device");
	if (flock(fd, (dc->read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
		snprintf(why, sizeof(why), "in use by another process (%s)", strerror(errno));
		return fail(fd, err, errlen, dc, why);
	}
	end = lseek(fd, 0, SEEK_END);
	if (end < 0)
		return fail(fd, err, errlen, dc, strerror(errno));
	d->fds[0] = fd;
	d->nr_fds = 1;
	/* The format is fixed here, once: a writable raw disk is never re-guessed later. */
	if (dc->format == DISK_FORMAT_QCOW2 ||
	    (dc->format == DISK_FORMAT_AUTO && qcow2_probe(fd))) {
		struct qcow2 *q;

		if (dc->o_direct)
			return fail(fd, err, errlen, dc,
				    "o_direct is not supported on qcow2 images");
		/* qcow2_open owns (and on failure closes) fd. */
		if (qcow2_open(fd, dc->path, !dc->read_only, &q, why, sizeof(why)))
			return fail(-1, err, errlen, dc, why);
		d->image = (struct disk_image){&qcow2_image_ops, q};
		d->size = qcow2_size(q) & ~511ull;
		d->nr_fds = qcow2_fds(q, d->fds);
	} else {
		if (end % 512)
			log_warn("%s '%s': size is not a multiple of 512; the last %lld bytes are "
				 "not visible to the guest",
				 disk_flag(dc), dc->path, (long long)(end % 512));
		r = raw_image_open(fd, dc->sparse, &d->image);
		if (r)
			return fail(fd, err, errlen, dc, strerror(-r));
		d->size = (uint64_t)end;
	}
	d->read_only = dc->read_only;
	d->sparse = dc->sparse;
	d->block_size = dc->block_size;
	memcpy(d->id, dc->id, sizeof(d->id));
	return 0;
}
