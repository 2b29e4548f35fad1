// SPDX-License-Identifier: BSD-3-Clause
/* What the VM does for each control-socket request (crosvm stop, suspend, ...). */
#include <errno.h>
#include <string.h>

#include <linux/virtio_balloon.h>

#include "util/log.h"
#include "vm.h"

static void suspend(struct vm *vm, struct ctl_msg *resp)
{
	int r;

	if (vm->suspended)
		return; /* already: nothing to do, and not an error */
	/* vCPUs first, so no new kicks arrive while the devices settle. */
	r = vcpus_pause(vm);
	if (r) {
		vcpus_resume(vm);
		ctl_error(resp, -r, "the vCPUs did not stop: %s", strerror(-r));
		return;
	}
	for (unsigned i = 0; i < vm->nr_virtio; i++)
		virtio_host_control(vm->virtio[i], VHOST_OP_PAUSE, 0, NULL);
	vm->suspended = true;
	log_info("VM suspended");
}

static void resume(struct vm *vm)
{
	if (!vm->suspended)
		return;
	for (unsigned i = 0; i < vm->nr_virtio; i++)
		virtio_host_control(vm->virtio[i], VHOST_OP_RESUME, 0, NULL);
	vcpus_resume(vm);
	vm->suspended = false;
	log_info("VM resumed");
}

static void disk_resize(struct vm *vm, uint32_t index, uint64_t size, struct ctl_msg *resp)
{
	int r;

	if (index >= vm->cfg->nr_disks) {
		ctl_error(resp, ENODEV, "no disk %u (this VM has %u)", index, vm->cfg->nr_disks);
		return;
	}
	r = virtio_host_control(vm->disk[index], VHOST_OP_BLK_RESIZE, size, NULL);
	switch (r) {
	case 0:
		log_info("disk %u resized to %llu bytes", index, (unsigned long long)size);
		return;
	case -EROFS:
		ctl_error(resp, EROFS, "disk %u is read-only", index);
		return;
	case -ERANGE:
		ctl_error(resp, ERANGE, "disk %u: %llu bytes is smaller than it is (only growing)",
			  index, (unsigned long long)size);
		return;
	case -EINVAL:
		ctl_error(resp, EINVAL, "disk %u: %llu is not a multiple of 512 bytes", index,
			  (unsigned long long)size);
		return;
	default:
		ctl_error(resp, -r, "disk %u: %s", index, strerror(-r));
		return;
	}
}

static void balloon_set(struct vm *vm, uint64_t bytes, struct ctl_msg *resp)
{
	int r = virtio_host_control(vm->balloon, VHOST_OP_BALLOON_TARGET, bytes, NULL);

	if (r == -ERANGE)
		ctl_error(resp, ERANGE, "%llu bytes is more than the guest's memory",
			  (unsigned long long)bytes);
	else if (r)
		ctl_error(resp, -r, "balloon: %s", strerror(-r));
	else
		log_info("balloon target set to %llu bytes", (unsigned long long)bytes);
}

/*
 * Asks the guest for fresh statistics and waits for them (on the main thread:
 * signals and other requests wait too, at most VHOST_STATS_TIMEOUT_MS).
 */
static void balloon_stats(struct vm *vm, struct ctl_msg *resp)
{
	struct ctl_balloon_stats *o = &resp->u.stats;
	struct balloon_stats s;
	int r = virtio_host_control(vm->balloon, VHOST_OP_BALLOON_STATS, 0, &s);

	if (r == -EAGAIN) {
		ctl_error(resp, EAGAIN,
			  "the guest has posted no statistics (is its virtio_balloon driver "
			  "loaded?)");
		return;
	}
	if (r == -ETIMEDOUT) {
		ctl_error(resp, ETIMEDOUT, "the guest sent no statistics within %d ms",
			  VHOST_STATS_TIMEOUT_MS);
		return;
	}
	if (r) {
		ctl_error(resp, -r, "balloon: %s", strerror(-r));
		return;
	}
	resp->type = CTL_RESP_BALLOON_STATS;
	o->target_bytes = (uint64_t)s.target_pages * BALLOON_PAGE_SIZE;
	o->actual_bytes = (uint64_t)s.actual_pages * BALLOON_PAGE_SIZE;
	o->valid = s.valid;
	o->stat[VIRTIO_BALLOON_S_SWAP_IN] = s.swap_in;
	o->stat[VIRTIO_BALLOON_S_SWAP_OUT] = s.swap_out;
	o->stat[VIRTIO_BALLOON_S_MAJFLT] = s.major_faults;
	o->stat[VIRTIO_BALLOON_S_MINFLT] = s.minor_faults;
	o->stat[VIRTIO_BALLOON_S_MEMFREE] = s.free_memory;
	o->stat[VIRTIO_BALLOON_S_MEMTOT] = s.total_memory;
	o->stat[VIRTIO_BALLOON_S_AVAIL] = s.available_memory;
	o->stat[VIRTIO_BALLOON_S_CACHES] = s.disk_caches;
	o->stat[VIRTIO_BALLOON_S_HTLB_PGALLOC] = s.hugetlb_allocations;
	o->stat[VIRTIO_BALLOON_S_HTLB_PGFAIL] = s.hugetlb_failures;
}

void vm_control(void *opaque, const struct ctl_msg *req, struct ctl_msg *resp)
{
	struct vm *vm = opaque;

	memset(resp, 0, sizeof(*resp));
	resp->type = CTL_RESP_OK;
	switch (req->type) {
	case CTL_REQ_STOP:
		log_info("stop requested on the control socket");
		clock_gettime(CLOCK_MONOTONIC, &vm->stop_asked);
		vm_request_exit(vm, VM_EXIT_STOP);
		break;
	case CTL_REQ_SUSPEND:
		suspend(vm, resp);
		break;
	case CTL_REQ_RESUME:
		resume(vm);
		break;
	case CTL_REQ_DISK_RESIZE:
		disk_resize(vm, req->u.resize.index, req->u.resize.size, resp);
		break;
	case CTL_REQ_BALLOON_SET:
	case CTL_REQ_BALLOON_STATS:
		if (!vm->balloon)
			ctl_error(resp, ENODEV, "this VM has no balloon device (--no-balloon)");
		else if (req->type == CTL_REQ_BALLOON_SET)
			balloon_set(vm, req->u.bytes, resp);
		else
			balloon_stats(vm, resp);
		break;
	default:
		ctl_error(resp, EINVAL, "unknown request %u", req->type);
		break;
	}
}
