/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_SANDBOX_DEVICE_MAIN_H
#define CROSVM_SANDBOX_DEVICE_MAIN_H

#include <stdbool.h>

#include "devices/virtio/host.h"
#include "devices/virtio/pci.h"
#include "sandbox/policy.h"

/* What the device process starts from (its copy of the VMM's memory). */
struct device_main_arg {
	struct virtio_host *h; /* the spec, the worker's eventfds and the irqfds */
	struct virtio_device *dev;
	struct virtio_pci *pci;
	int sock;      /* its end of the request socket */
	int report_wr; /* where the SIGSYS handler reports */
	bool log_failures;
	const struct policy_prog *prog;
	const char *policy_file;
};

/*
 * PID 1 of the device's namespaces, already jailed: builds the device, loads
 * its filter, reports ready and serves requests until STOP or the VMM goes.
 */
int device_main(void *arg);

#endif
