/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_VIDEO_CAPS_H
#define CROSVM_DEVICES_VIRTIO_VIDEO_CAPS_H

/* caps.c: what the device offers, given what its backend can encode. Calls nothing above it. */
#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio/video/encoder.h"

bool caps_coded_format(const struct encoder_ops *enc, uint32_t format);
bool caps_raw_format(uint32_t format);
/* The backend's codec for a coded format that caps_coded_format accepted. */
enum enc_codec caps_codec(uint32_t format);
uint32_t caps_default_profile(uint32_t format);
bool caps_profile_valid(uint32_t format, uint32_t profile);
/*
 * Build the QUERY_CAPABILITY / QUERY_CONTROL responses into resp (VIDEO_RESP_MAX
 * bytes); return their length, or 0 with *err set.
 */
uint32_t caps_query_capability(const struct encoder_ops *enc, uint8_t *resp, uint32_t stream_id,
			       uint32_t queue_type);
uint32_t caps_query_control(const struct encoder_ops *enc, uint8_t *resp, uint32_t stream_id,
			    uint32_t control, uint32_t format, uint32_t *err);

#endif
