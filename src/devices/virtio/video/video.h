/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_VIDEO_H
#define CROSVM_DEVICES_VIRTIO_VIDEO_H

/*
 * virtio-video encoder (device id 30). Inside, calls go one way:
 *
 *   video.c (config space, command dispatch, eventq)
 *     -> stream.c (params, controls, resource tables) -> resource.c, derive.c
 *     -> encode.c (encoder thread, queued buffers)    -> resource.c, derive.c, backend
 *     -> resource.c (guest-pages resources), derive.c (a stream's frame layout and
 *        encoder parameters) -> caps.c (formats, profiles)
 *
 * encode.c answers held commands and posts events through the struct
 * video_sink video.c hands it (encode.h): no call goes back up. Each file's
 * header declares what it exports; types.h has the shared state and its
 * locking rules. Backends (encoder.h) see no wire value: derive.c translates.
 */
#include "devices/virtio/device.h"
#include "devices/virtio/video/encoder.h"

/* The ops every such device starts from (name, queues, policy): the VMM sizes its side by them. */
extern const struct virtio_device_ops virtio_video_ops;

/*
 * Guest-pages frames in, H.264/VP8/VP9 out, encoded by arg (a const struct
 * encoder_ops *) on the device's own encoder thread. Returns 0, or -ENOMEM,
 * -EINVAL (no backend), or the errno of a thread that cannot start (-EAGAIN).
 */
int virtio_video_create(struct virtio_device *d, const struct guest_memory *mem, const void *arg);

/*
 * Loads the encoder backend module crosvm-video-NAME.so (e.g. "avcodec") and
 * returns its ops, or NULL with a one-line reason in err.
 */
const struct encoder_ops *video_backend_load(const char *name, char *err, size_t errlen);

#endif
