/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_VIDEO_DERIVE_H
#define CROSVM_DEVICES_VIRTIO_VIDEO_DERIVE_H

/* derive.c: pure functions of a stream's values; calls only caps.c. */
#include "devices/virtio/video/encoder.h"
#include "devices/virtio/video/types.h"

/* Where an input frame's planes lie, for the INPUT queue's format, size and stride. */
void vstream_layout(const struct vstream *s, struct vlayout *l);
/*
 * The H.264 level the stream declares: the one set, raised to the lowest that allows its size,
 * rate and bit rate (level.c); 0 when no level does, or when the output is not H.264.
 */
uint32_t vstream_level(const struct vstream *s);
/* The stream's values as the backend takes them (wire values converted here only). */
void vstream_enc_params(const struct vstream *s, struct enc_params *p);

#endif
