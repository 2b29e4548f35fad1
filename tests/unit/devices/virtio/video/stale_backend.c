// SPDX-License-Identifier: BSD-3-Clause
/* A backend module of another crosvm's interface: the loader must refuse it. */
#include "devices/virtio/video/encoder.h"

const struct encoder_ops stale_encoder = {
	.abi = ENCODER_ABI - 1,
	.name = "stale",
};
