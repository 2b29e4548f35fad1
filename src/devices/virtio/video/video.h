/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_VIDEO_H
#define CROSVM_DEVICES_VIRTIO_VIDEO_H

#include "devices/virtio/device.h"
#include "devices/virtio/video/encoder.h"

/* The ops every such device starts from (name, queues, policy): the VMM sizes its side by them. */
extern const struct virtio_device_ops virtio_video_ops;

/*
 * virtio-video encoder (device id 30): guest-pages frames in, H.264/VP8/VP9
 * out, encoded by backend on the device's own encoder thread. Returns 0 or -1.
 */
int virtio_video_init(struct virtio_device *d, const struct guest_memory *mem,
		      const struct encoder_ops *backend);

/*
 * Loads the encoder backend module crosvm-video-NAME.so (e.g. "avcodec") and
 * returns its ops, or NULL with a one-line reason in err.
 */
const struct encoder_ops *video_backend_load(const char *name, char *err, size_t errlen);

#endif
