/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_NET_NET_H
#define CROSVM_DEVICES_VIRTIO_NET_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio/device.h"

extern const struct virtio_device_ops virtio_net_ops;

/*
 * What a virtio-net device is given. The frames descriptor carries one frame
 * per read or write, each led by a 12-byte struct virtio_net_hdr_v1 (a TAP
 * with IFF_VNET_HDR and TUNSETVNETHDRSZ 12, or a SOCK_SEQPACKET socket in
 * tests). A successful virtio_net_create() makes it the device's (closed when
 * the device is destroyed); after a failure it is still the caller's.
 */
struct net_arg {
	int fd;
	uint8_t mac[6];
	bool offloads; /* the TAP took TUNSETOFFLOAD: offer checksum, TSO and ECN both ways */
	bool tap;      /* a real TAP: the negotiated guest offloads go to it with TUNSETOFFLOAD */
};

/* Returns 0 or -errno. */
int virtio_net_create(struct virtio_device *d, const struct guest_memory *mem, const void *arg);

/* The TUNSETOFFLOAD flags that let the TAP hand the guest what these features accept. */
unsigned net_tap_offloads(uint64_t features);

/* What the device counted (for tests and the debug log). */
struct net_stats {
	uint64_t tx_frames, tx_dropped;
	uint64_t rx_frames, rx_dropped, rx_filtered;
	uint64_t ctrl_ok, ctrl_err;
};
void virtio_net_stats(struct virtio_device *d, struct net_stats *out);

#endif
