/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_DEVICES_VIRTIO_NET_TAP_H
#define CROSVM_DEVICES_VIRTIO_NET_TAP_H

/*
 * The VMM's side of a virtio-net device: it opens or checks the TAP before
 * the sandbox (creating one and setting its address needs CAP_NET_ADMIN),
 * sets the 12-byte vnet header, probes the offloads, and hands the descriptor
 * to the device. Errors are one line naming the flag.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "devices/virtio/net/net.h"

/* Creates a TAP (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR), gives it ip/mask (network order), up. */
int tap_create(uint32_t ip, uint32_t mask, char *name, size_t namelen, char *err, size_t errlen);
/* Attaches to the existing TAP called name. */
int tap_open_name(const char *name, char *err, size_t errlen);
/* Whether fd is a TAP this device can use (TUNGETIFF: IFF_TAP, IFF_NO_PI, IFF_VNET_HDR). */
int tap_check_fd(int fd, char *err, size_t errlen);
/*
 * Sets the vnet header size to 12 and probes TUNSETOFFLOAD (left off: the
 * device sets what the guest negotiates). Returns 0 or -1 with err;
 * *offloads says whether the TAP takes them.
 */
int tap_setup(int fd, bool *offloads, char *err, size_t errlen);

/* The device argument for NIC i of the config; arg->fd is the caller's to hand on. */
int net_prepare_arg(const struct net_config *nc, struct net_arg *arg, char *err, size_t errlen);

#endif
