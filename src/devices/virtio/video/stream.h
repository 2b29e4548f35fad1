/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_VIDEO_STREAM_H
#define CROSVM_DEVICES_VIRTIO_VIDEO_STREAM_H

/*
 * stream.c: a stream's parameters, controls and resource tables. Calls only
 * resource.c and caps.c; what is queued or encoding is encode.c's.
 */
#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio/video/encoder.h"
#include "devices/virtio/video/protocol.h"
#include "devices/virtio/video/types.h"

/* streams: the device's VIDEO_MAX_STREAMS slots. */
struct vstream *stream_find(struct vstream *const *streams, uint32_t id);
uint32_t stream_create(struct vstream **streams, const struct encoder_ops *enc, uint32_t id,
		       uint32_t coded_format);
/* Takes s out of its slot; its queues are emptied and it is freed by encode_release_stream. */
void stream_remove(struct vstream **streams, const struct vstream *s);
/* Drops queue q's resources (encode_cancel_queue has answered the queued ones). */
void stream_free_resources(struct vstream *s, enum vq_idx q);
void stream_get_params(const struct vstream *s, uint32_t queue_type, struct virtio_video_params *p);
uint32_t stream_set_params(const struct encoder_ops *enc, struct vstream *s,
			   const struct virtio_video_params *p);
uint32_t stream_get_control(const struct vstream *s, uint32_t control, uint32_t *val);
uint32_t stream_set_control(struct vstream *s, uint32_t control, bool has_val, uint32_t val);

#endif
