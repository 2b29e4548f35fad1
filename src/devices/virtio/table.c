// SPDX-License-Identifier: BSD-3-Clause
/* The virtio devices, one row each: the only place that names them all. */
#include "devices/virtio/table.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/virtio/balloon.h"
#include "devices/virtio/blk.h"
#include "devices/virtio/console.h"
#include "devices/virtio/net/tap.h"
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
	for (unsigned k = 0; k < d->nr_fds && k < VIRTIO_SPEC_FDS; k++)
		spec->fds[k] = d->fds[k];
	spec->nr_fds = d->nr_fds < VIRTIO_SPEC_FDS ? d->nr_fds : VIRTIO_SPEC_FDS;
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

static unsigned console_count(const struct vm_config *cfg)
{
	unsigned n = 0;

	for (unsigned i = 0; i < SERIAL_PORTS; i++)
		n += cfg->consoles[i].configured;
	return n;
}

/* The i-th configured virtio-console (they are /dev/hvc0, hvc1, ... in num= order). */
static const struct serial_config *nth_console(const struct vm_config *cfg, unsigned i)
{
	for (unsigned k = 0; k < SERIAL_PORTS; k++)
		if (cfg->consoles[k].configured && i-- == 0)
			return &cfg->consoles[k];
	return NULL;
}

static int console_prepare(const struct vm_config *cfg, unsigned i, struct virtio_spec *spec,
			   void **owned, char *err, size_t errlen)
{
	const struct serial_config *sc = nth_console(cfg, i);
	struct console_arg *io = malloc(sizeof(*io));

	if (!io || !sc) {
		free(io);
		snprintf(err, errlen, "--serial: out of memory");
		return -1;
	}
	*io = (struct console_arg){-1, -1};
	if (sc->type == SERIAL_STDOUT)
		io->out_fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	else if (sc->type == SERIAL_FILE)
		io->out_fd = open(sc->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if ((sc->type == SERIAL_STDOUT || sc->type == SERIAL_FILE) && io->out_fd < 0) {
		snprintf(err, errlen, "--serial: virtio-console output '%s': %s",
			 sc->type == SERIAL_FILE ? sc->path : "stdout", strerror(errno));
		free(io);
		return -1;
	}
	if (sc->input) {
		io->in_fd = open(sc->input, O_RDONLY | O_CLOEXEC);
		if (io->in_fd < 0) {
			snprintf(err, errlen, "--serial: input '%s': %s", sc->input,
				 strerror(errno));
			if (io->out_fd >= 0)
				close(io->out_fd);
			free(io);
			return -1;
		}
	}
	/* The host owns the descriptors from here on; the device process keeps them. */
	spec->nr_fds = 0;
	if (io->out_fd >= 0)
		spec->fds[spec->nr_fds++] = io->out_fd;
	if (io->in_fd >= 0)
		spec->fds[spec->nr_fds++] = io->in_fd;
	spec->arg = *owned = io;
	return 0;
}

static unsigned net_count(const struct vm_config *cfg)
{
	return cfg->nr_nets;
}

static int net_prepare(const struct vm_config *cfg, unsigned i, struct virtio_spec *spec,
		       void **owned, char *err, size_t errlen)
{
	struct net_arg *a = malloc(sizeof(*a));

	if (!a) {
		snprintf(err, errlen, "virtio-net: out of memory");
		return -1;
	}
	if (net_prepare_arg(&cfg->nets[i], a, err, errlen)) {
		free(a);
		return -1;
	}
	/* The host owns the TAP from here on; the device process keeps it. */
	spec->fds[0] = a->fd;
	spec->nr_fds = 1;
	spec->arg = *owned = a;
	return 0;
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
	{&virtio_console_ops, virtio_console_create, console_count, console_prepare, false, NULL},
#ifdef CROSVM_HAVE_VIDEO
	/* Last, so the slots of the other devices stay where they were. */
	{&virtio_video_ops, virtio_video_create, video_count, video_prepare, false, NULL},
#endif
	/* After every other row, so adding a NIC moves no other device's slot. */
	{&virtio_net_ops, virtio_net_create, net_count, net_prepare, false, NULL},
};
const unsigned virtio_nr_rows = ARRAY_SIZE(virtio_rows);
