/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_BALLOON_H
#define CROSVM_DEVICES_VIRTIO_BALLOON_H

#include <stdint.h>

#include "devices/virtio/device.h"

/*
 * virtio-balloon (device id 5). The host sets a target size (num_pages in the
 * config space); the guest's driver inflates towards it, handing pages over on
 * the inflate queue (the device frees them in the host), or deflates, and
 * reports the pages it holds in `actual`. On the stats queue the guest keeps
 * one buffer of memory statistics with the device, which the device returns
 * whenever it wants a fresh report; the driver refills it and posts it again.
 *
 * Offered: STATS_VQ, DEFLATE_ON_OOM (the guest may take pages back under memory
 * pressure instead of going OOM) and MUST_TELL_HOST (deflates are always
 * processed before the guest reuses the pages), as crosvm does.
 *
 * The control functions below may be called from any thread (the control
 * socket's); they take d->lock, so never call them with it held.
 */
#define BALLOON_PAGE_SIZE 4096u /* the protocol's page, whatever the guest's page size */

/*
 * The latest statistics report of the guest (virtio 1.2, 5.5.6.3), plus the
 * device's own view. A report replaces the previous one as a whole: a field
 * whose tag is missing from `valid` was not in the latest report and reads 0.
 */
struct balloon_stats {
	uint64_t reports; /* reports received since the device was created; 0: none yet */
	uint32_t valid;	  /* 1u << VIRTIO_BALLOON_S_<tag> for each tag in the latest report */
	/* Bytes. */
	uint64_t swap_in, swap_out; /* memory swapped in / out since the guest booted */
	uint64_t free_memory;	    /* MEMFREE: memory the guest leaves completely unused */
	uint64_t total_memory;	    /* MEMTOT: memory the guest can use */
	uint64_t available_memory;  /* AVAIL: usable without swapping (Linux MemAvailable) */
	uint64_t disk_caches;	    /* CACHES: memory that can be reclaimed quickly */
	/* Event counts since the guest booted. */
	uint64_t major_faults, minor_faults;
	uint64_t hugetlb_allocations, hugetlb_failures;
	/* The device's side, always valid. */
	uint32_t target_pages; /* num_pages: the host's target, in 4 KiB pages */
	uint32_t actual_pages; /* actual: the pages the driver says the balloon holds */
	uint64_t freed_pages;  /* inflated pages given back to the host since creation */
	uint64_t bad_pfns;     /* inflated PFNs skipped (not guest RAM) or not freed */
};

/* The ops every such device starts from (name, queues, policy): the VMM sizes its side by them. */
extern const struct virtio_device_ops virtio_balloon_ops;

/* Returns 0 or -errno; arg is unused. The target starts at 0 (an empty balloon). */
int virtio_balloon_create(struct virtio_device *d, const struct guest_memory *mem, const void *arg);

/*
 * The device's control requests (its ops' control): TARGET sets the target
 * to bytes; STATS asks the guest for a report, waits for it (at most
 * BALLOON_STATS_TIMEOUT_MS) and replies with a struct balloon_stats.
 */
enum balloon_control_cmd { BALLOON_CONTROL_TARGET = 1, BALLOON_CONTROL_STATS };
#define BALLOON_STATS_TIMEOUT_MS 5000

struct balloon_control {
	uint32_t cmd;
	uint32_t reserved;
	uint64_t bytes;
};

/*
 * Sets the balloon's target to bytes (rounded down to 4 KiB pages) and raises
 * the configuration-change interrupt. Returns 0, or -ERANGE when bytes exceed
 * guest RAM (the target is left as it was).
 */
int virtio_balloon_set_target(struct virtio_device *d, uint64_t bytes);

/*
 * Asks the guest for a fresh statistics report by returning the stats buffer
 * it left with the device. Returns 0 when a report is on its way (just asked
 * for, or asked for earlier and not yet answered), -EAGAIN when the driver has
 * posted no stats buffer (stats not negotiated, driver not up, or reset).
 */
int virtio_balloon_request_stats(struct virtio_device *d);

/*
 * Waits up to timeout_ms (0: not at all) for a report newer than the last
 * virtio_balloon_request_stats() (for the first report if none was asked
 * for), then fills *out with the latest report and the device's counters.
 * Returns 0 when that report is in *out, -ETIMEDOUT when it did not come in
 * time (*out then holds the previous report, if any; see out->reports).
 */
int virtio_balloon_get_stats(struct virtio_device *d, struct balloon_stats *out, int timeout_ms);

#endif
