// SPDX-License-Identifier: BSD-3-Clause
/* crosvm balloon SIZE / balloon_stats, as virtio-balloon's control requests. */
#include <errno.h>
#include <linux/virtio_balloon.h>
#include <string.h>

#include "control/server.h"
#include "devices/virtio/balloon.h"
#include "devices/virtio/table.h"
#include "util/log.h"

static uint32_t target_encode(const struct ctl_msg *req, uint32_t *index, void *buf)
{
	struct balloon_control c = {.cmd = BALLOON_CONTROL_TARGET, .bytes = req->u.bytes};

	*index = 0;
	memcpy(buf, &c, sizeof(c));
	return sizeof(c);
}

static void target_answer(const struct ctl_msg *req, int r, const void *reply, uint32_t len,
			  struct ctl_msg *resp)
{
	unsigned long long bytes = (unsigned long long)req->u.bytes;

	if (r == -ERANGE)
		ctl_error(resp, ERANGE, "%llu bytes is more than the guest's memory", bytes);
	else if (r)
		ctl_error(resp, -r, "balloon: %s", strerror(-r));
	else
		log_info("balloon target set to %llu bytes", bytes);
}

static uint32_t stats_encode(const struct ctl_msg *req, uint32_t *index, void *buf)
{
	struct balloon_control c = {.cmd = BALLOON_CONTROL_STATS};

	*index = 0;
	memcpy(buf, &c, sizeof(c));
	return sizeof(c);
}

static void stats_copy(const struct balloon_stats *s, struct ctl_balloon_stats *o)
{
	o->target_bytes = (uint64_t)s->target_pages * BALLOON_PAGE_SIZE;
	o->actual_bytes = (uint64_t)s->actual_pages * BALLOON_PAGE_SIZE;
	o->valid = s->valid;
	o->stat[VIRTIO_BALLOON_S_SWAP_IN] = s->swap_in;
	o->stat[VIRTIO_BALLOON_S_SWAP_OUT] = s->swap_out;
	o->stat[VIRTIO_BALLOON_S_MAJFLT] = s->major_faults;
	o->stat[VIRTIO_BALLOON_S_MINFLT] = s->minor_faults;
	o->stat[VIRTIO_BALLOON_S_MEMFREE] = s->free_memory;
	o->stat[VIRTIO_BALLOON_S_MEMTOT] = s->total_memory;
	o->stat[VIRTIO_BALLOON_S_AVAIL] = s->available_memory;
	o->stat[VIRTIO_BALLOON_S_CACHES] = s->disk_caches;
	o->stat[VIRTIO_BALLOON_S_HTLB_PGALLOC] = s->hugetlb_allocations;
	o->stat[VIRTIO_BALLOON_S_HTLB_PGFAIL] = s->hugetlb_failures;
}

/*
 * The device asked the guest and waited (on the main thread: signals and other
 * requests wait too, at most BALLOON_STATS_TIMEOUT_MS).
 */
static void stats_answer(const struct ctl_msg *req, int r, const void *reply, uint32_t len,
			 struct ctl_msg *resp)
{
	struct balloon_stats s;

	if (r == -EAGAIN) {
		ctl_error(resp, EAGAIN,
			  "the guest has posted no statistics (is its virtio_balloon driver "
			  "loaded?)");
	} else if (r == -ETIMEDOUT) {
		ctl_error(resp, ETIMEDOUT, "the guest sent no statistics within %d ms",
			  BALLOON_STATS_TIMEOUT_MS);
	} else if (r) {
		ctl_error(resp, -r, "balloon: %s", strerror(-r));
	} else if (len != sizeof(s)) {
		ctl_error(resp, EPROTO, "balloon: the device sent a malformed report");
	} else {
		memcpy(&s, reply, sizeof(s));
		resp->type = CTL_RESP_BALLOON_STATS;
		stats_copy(&s, &resp->u.stats);
	}
}

static void absent(const struct ctl_msg *req, unsigned count, struct ctl_msg *resp)
{
	ctl_error(resp, ENODEV, "this VM has no balloon device (--no-balloon)");
}

const struct virtio_command virtio_balloon_commands[] = {
	{CTL_REQ_BALLOON_SET, target_encode, target_answer, absent},
	{CTL_REQ_BALLOON_STATS, stats_encode, stats_answer, absent},
	{0},
};
