// SPDX-License-Identifier: BSD-3-Clause
/* libcrosvm_control: crosvm's C API over this VMM's control socket (crosvm_control.h). */
#include "control/crosvm_control.h"

#include <errno.h>
#include <linux/virtio_balloon.h>
#include <stdio.h>
#include <string.h>

#include "control/client.h"
#include "control/control_lib.h"

/* Per thread, as errno is. */
static _Thread_local char last_error[256];
static int timeout_ms = CTL_TIMEOUT_MS;

void ctl_lib_set_timeout_ms(int ms)
{
	timeout_ms = ms > 0 ? ms : CTL_TIMEOUT_MS;
}

int ctl_lib_timeout_ms(void)
{
	return timeout_ms;
}

const char *crosvm_client_last_error(void)
{
	return last_error;
}

/* One request; the answer in *resp. Sets errno and the last error on failure. */
static bool call(const char *socket_path, const struct ctl_msg *req, struct ctl_msg *resp, int ms)
{
	int r;

	last_error[0] = '\0';
	if (!socket_path) {
		snprintf(last_error, sizeof(last_error), "the socket path is NULL");
		errno = EINVAL;
		return false;
	}
	r = ctl_transact(socket_path, req, resp, ms, last_error, sizeof(last_error));
	if (r) {
		errno = -r;
		return false;
	}
	return true;
}

static bool simple(const char *socket_path, uint16_t type)
{
	struct ctl_msg req = {.type = type}, resp;

	return call(socket_path, &req, &resp, timeout_ms);
}

bool crosvm_client_stop_vm(const char *socket_path)
{
	return simple(socket_path, CTL_REQ_STOP);
}

bool crosvm_client_suspend_vm(const char *socket_path)
{
	return simple(socket_path, CTL_REQ_SUSPEND);
}

bool crosvm_client_resume_vm(const char *socket_path)
{
	return simple(socket_path, CTL_REQ_RESUME);
}

bool ctl_lib_powerbtn(const char *socket_path)
{
	return simple(socket_path, CTL_REQ_POWERBTN);
}

bool crosvm_client_balloon_vms(const char *socket_path, uint64_t num_bytes)
{
	struct ctl_msg req = {.type = CTL_REQ_BALLOON_SET, .u.bytes = num_bytes}, resp;

	return call(socket_path, &req, &resp, timeout_ms);
}

bool crosvm_client_resize_disk(const char *socket_path, uint64_t disk_index, uint64_t new_size)
{
	struct ctl_msg req = {.type = CTL_REQ_DISK_RESIZE}, resp;

	if (disk_index > UINT32_MAX) {
		snprintf(last_error, sizeof(last_error), "disk index %llu is out of range",
			 (unsigned long long)disk_index);
		errno = EINVAL;
		return false;
	}
	req.u.resize.index = (uint32_t)disk_index;
	req.u.resize.size = new_size;
	return call(socket_path, &req, &resp, timeout_ms);
}

/* A reported statistic, or -1 (not reported, or beyond int64_t). */
static int64_t stat_or_none(const struct ctl_balloon_stats *s, unsigned tag)
{
	if (tag >= CTL_BALLOON_STATS_MAX || !(s->valid & (1ull << tag)) ||
	    s->stat[tag] > (uint64_t)INT64_MAX)
		return -1;
	return (int64_t)s->stat[tag];
}

void ctl_lib_stats_ffi(const struct ctl_balloon_stats *s, struct BalloonStatsFfi *out)
{
	*out = (struct BalloonStatsFfi){
		.swap_in = stat_or_none(s, VIRTIO_BALLOON_S_SWAP_IN),
		.swap_out = stat_or_none(s, VIRTIO_BALLOON_S_SWAP_OUT),
		.major_faults = stat_or_none(s, VIRTIO_BALLOON_S_MAJFLT),
		.minor_faults = stat_or_none(s, VIRTIO_BALLOON_S_MINFLT),
		.free_memory = stat_or_none(s, VIRTIO_BALLOON_S_MEMFREE),
		.total_memory = stat_or_none(s, VIRTIO_BALLOON_S_MEMTOT),
		.available_memory = stat_or_none(s, VIRTIO_BALLOON_S_AVAIL),
		.disk_caches = stat_or_none(s, VIRTIO_BALLOON_S_CACHES),
		.hugetlb_allocations = stat_or_none(s, VIRTIO_BALLOON_S_HTLB_PGALLOC),
		.hugetlb_failures = stat_or_none(s, VIRTIO_BALLOON_S_HTLB_PGFAIL),
		/* Tags a stock Linux guest does not send (crosvm's guests' own). */
		.shared_memory = -1,
		.unevictable_memory = -1,
	};
}

static bool stats(const char *socket_path, int ms, struct BalloonStatsFfi *out, uint64_t *actual)
{
	struct ctl_msg req = {.type = CTL_REQ_BALLOON_STATS}, resp;

	if (!call(socket_path, &req, &resp, ms))
		return false;
	if (out)
		ctl_lib_stats_ffi(&resp.u.stats, out);
	if (actual)
		*actual = resp.u.stats.actual_bytes;
	return true;
}

bool crosvm_client_balloon_stats(const char *socket_path, struct BalloonStatsFfi *out,
				 uint64_t *actual)
{
	return stats(socket_path, timeout_ms, out, actual);
}

bool crosvm_client_balloon_stats_with_timeout(const char *socket_path, uint64_t ms,
					      struct BalloonStatsFfi *out, uint64_t *actual)
{
	return stats(socket_path, ms == 0 || ms > INT32_MAX ? INT32_MAX : (int)ms, out, actual);
}
