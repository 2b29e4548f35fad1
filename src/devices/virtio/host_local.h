/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_HOST_LOCAL_H
#define CROSVM_DEVICES_VIRTIO_HOST_LOCAL_H

#include "devices/virtio/host.h"

/*
 * The in-process device host (--disable-sandbox): the device and its
 * transport live in the VMM, its worker is a thread here. Creates the device
 * at once and plugs it into env's PCI root and MMIO bus. 0 or -errno; on
 * failure nothing is left (spec's descriptors closed).
 */
int virtio_local_new(const struct virtio_host_env *env, const struct virtio_spec *spec,
		     struct virtio_host **out);

#endif
