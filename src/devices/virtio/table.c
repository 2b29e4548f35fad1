// SPDX-License-Identifier: BSD-3-Clause
/* The virtio devices, one row each: the only place that names them all. */
#include "devices/virtio/table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "devices/virtio/balloon.h"
#include "devices/virtio/blk.h"
#include "devices/virtio/rng.h"
#include "disk/disk.h"
#include "util/macros.h"
#ifdef CROSVM_HAVE_VIDEO
#include "devices/virtio/video/video.h"
#endif

static unsigned blk_count(const struct vm_config *cfg)
{
	return cfg->nr_disks;
}

static int blk_prepare(const struct vm_config *cfg, unsigned i, struct virtio_spec *spec,
		       void **owned, char *err, size_t errlen)
{
	struct blk_disk *d = malloc(sizeof(*d));

	if (!d) {
		snprintf(err, errlen, "%s: out of memory", disk_flag(&cfg->disks[i]));
		return -1;
	}
	if (disk_open(&cfg->disks[i], d, err, errlen)) {
		free(d);
		return -1;
	}
	spec->arg = *owned = d;
	spec->fds[0] = d->fd;
	spec->nr_fds = 1;
	return 0;
}

static unsigned rng_count(const struct vm_config *cfg)
{
	return cfg->rng;
}

static unsigned balloon_count(const struct vm_config *cfg)
{
	return cfg->balloon;
}

static int no_arg(const struct vm_config *cfg, unsigned i, struct virtio_spec *spec, void **owned,
		  char *err, size_t errlen)
{
	return 0;
}

#ifdef CROSVM_HAVE_VIDEO
static unsigned video_count(const struct vm_config *cfg)
{
	return cfg->video_encoder;
}

static int video_prepare(const struct vm_config *cfg, unsigned i, struct virtio_spec *spec,
			 void **owned, char *err, size_t errlen)
{
	char why[400];

	spec->arg = video_backend_load("avcodec", why, sizeof(why));
	if (!spec->arg)
		snprintf(err, errlen, "--video-encoder: %s", why);
	return spec->arg ? 0 : -1;
}
#endif

const struct virtio_row virtio_rows[] = {
	{&virtio_blk_ops, virtio_blk_create, blk_count, blk_prepare, false, virtio_blk_commands},
	{&virtio_rng_ops, virtio_rng_create, rng_count, no_arg, false, NULL},
	/* Deflating punches holes in the guest memfd. */
	{&virtio_balloon_ops, virtio_balloon_create, balloon_count, no_arg, true,
	 virtio_balloon_commands},
#ifdef CROSVM_HAVE_VIDEO
	/* Last, so the slots of the other devices stay where they were. */
	{&virtio_video_ops, virtio_video_create, video_count, video_prepare, false, NULL},
#endif
};
const unsigned virtio_nr_rows = ARRAY_SIZE(virtio_rows);
