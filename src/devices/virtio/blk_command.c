// SPDX-License-Identifier: BSD-3-Clause
/* crosvm disk resize INDEX SIZE SOCKET, as virtio-blk's control request. */
#include <errno.h>
#include <string.h>

#include "control/server.h"
#include "devices/virtio/blk.h"
#include "devices/virtio/table.h"
#include "util/log.h"

static uint32_t resize_encode(const struct ctl_msg *req, uint32_t *index, void *buf)
{
	struct blk_control c = {.cmd = BLK_CONTROL_RESIZE, .size = req->u.resize.size};

	*index = req->u.resize.index;
	memcpy(buf, &c, sizeof(c));
	return sizeof(c);
}

static void resize_answer(const struct ctl_msg *req, int r, const void *reply, uint32_t len,
			  struct ctl_msg *resp)
{
	uint32_t index = req->u.resize.index;
	unsigned long long size = (unsigned long long)req->u.resize.size;

	switch (r) {
	case 0:
		log_info("disk %u resized to %llu bytes", index, size);
		return;
	case -EROFS:
		ctl_error(resp, EROFS, "disk %u is read-only", index);
		return;
	case -ERANGE:
		ctl_error(resp, ERANGE, "disk %u: %llu bytes is smaller than it is (only growing)",
			  index, size);
		return;
	case -EINVAL:
		ctl_error(resp, EINVAL, "disk %u: %llu is not a multiple of 512 bytes", index,
			  size);
		return;
	default:
		ctl_error(resp, -r, "disk %u: %s", index, strerror(-r));
		return;
	}
}

static void resize_absent(const struct ctl_msg *req, unsigned count, struct ctl_msg *resp)
{
	ctl_error(resp, ENODEV, "no disk %u (this VM has %u)", req->u.resize.index, count);
}

const struct virtio_command virtio_blk_commands[] = {
	{CTL_REQ_DISK_RESIZE, resize_encode, resize_answer, resize_absent},
	{0},
};
