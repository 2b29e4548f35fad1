/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_COMMAND_H
#define CROSVM_DEVICES_VIRTIO_COMMAND_H

/*
 * How a control-socket request (crosvm disk resize, balloon, ...) reaches a
 * device: the device's folder turns the socket's message into the device's
 * own control bytes and its reply back into the socket's answer. The VM core
 * only finds the device and carries the bytes.
 */
#include <stdint.h>

#include "control/protocol.h"

struct virtio_command {
	uint32_t req_type; /* the control-socket request it serves (CTL_REQ_*) */
	/*
	 * Which of the VM's devices of this kind the request is for (0: the
	 * first), and the device's request in buf (VIRTIO_CONTROL_MAX bytes);
	 * returns its length.
	 */
	uint32_t (*encode)(const struct ctl_msg *req, uint32_t *index, void *buf);
	/* The device's result (0 or -errno) and reply, as the socket's answer in resp. */
	void (*answer)(const struct ctl_msg *req, int result, const void *reply, uint32_t len,
		       struct ctl_msg *resp);
	/* The VM has no such device: it has count of this kind. */
	void (*absent)(const struct ctl_msg *req, unsigned count, struct ctl_msg *resp);
};

#endif
