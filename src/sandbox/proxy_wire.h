/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_SANDBOX_PROXY_WIRE_H
#define CROSVM_SANDBOX_PROXY_WIRE_H

/*
 * The messages between the VMM's proxy and a jailed device process: the
 * device host's calls (config/BAR access, control, pause, resume, stop), one
 * answer per request, in order. Nothing here knows a particular device: a
 * control request and its reply are the device's own bytes.
 */
#include <stdbool.h>
#include <stdint.h>

#include "devices/pci/msix.h"
#include "devices/virtio/device.h"

enum proxy_op {
	PROXY_READY = 1, /* device -> VMM, once: result 0, or -errno when it could not start */
	PROXY_CFG_READ,
	PROXY_CFG_WRITE,
	PROXY_BAR_READ,
	PROXY_BAR_WRITE,
	PROXY_CONTROL,
	PROXY_PAUSE,
	PROXY_RESUME,
	PROXY_STOP,
	PROXY_CFG_IMAGE, /* the whole config space, for the VMM's copy */
};

/*
 * PCI config space changes only through the guest's config writes, so the VMM
 * keeps a copy and answers the guest's (many) config reads itself: the device
 * sends the whole space once after it starts (PROXY_CFG_IMAGE) and after
 * every config write (as that write's answer data).
 */
#define PROXY_CFG_SPACE 256

struct proxy_req {
	uint32_t op;
	uint32_t len;			  /* bytes of an access (1..8), or of the control request */
	uint64_t off;			  /* config-space or BAR offset */
	uint8_t data[VIRTIO_CONTROL_MAX]; /* bytes written, or the control request */
};

struct proxy_route {
	uint32_t vector;
	uint32_t data;
	uint64_t addr;
};

struct proxy_resp {
	uint32_t op; /* the request's */
	int32_t result;
	uint32_t len; /* bytes in data: a read's, or the control reply's */
	uint32_t nr_routes;
	uint32_t fire; /* vectors to signal once the routes are set */
	uint8_t bar_changed, bar_enabled;
	uint8_t pad[2];
	uint64_t bar0;
	struct proxy_route routes[MSIX_MAX_VECTORS];
	uint8_t data[VIRTIO_CONTROL_MAX];
};

_Static_assert(PROXY_CFG_SPACE <= VIRTIO_CONTROL_MAX, "an answer holds the config space");

static inline bool proxy_op_is_access(uint32_t op)
{
	return op >= PROXY_CFG_READ && op <= PROXY_BAR_WRITE;
}

/*
 * Whether r is an acceptable answer to q from a device with nr_vectors MSI-X
 * vectors and a BAR of bar_size bytes: the device process is hostile once
 * the guest may have taken it over, so nothing in r is used before this.
 */
bool proxy_answer_ok(const struct proxy_req *q, const struct proxy_resp *r, unsigned nr_vectors,
		     uint64_t bar_size);

#endif
