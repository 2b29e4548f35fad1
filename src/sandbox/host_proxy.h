/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_SANDBOX_HOST_PROXY_H
#define CROSVM_SANDBOX_HOST_PROXY_H

/*
 * The proxied device host: a virtio device in its own jailed, seccomp-filtered
 * process (DESIGN.md rules 2 and 4). The VMM keeps the KVM side (irqfds,
 * ioeventfds, MSI routes) and forwards each PCI config-space and BAR access,
 * and each control call, over a socket; the device process runs the unchanged
 * transport and device code and answers with the side effects the VMM must
 * apply (MSI routes, BAR moves, deferred interrupts), each checked first.
 */
#include <stdbool.h>

#include "devices/virtio/host.h"
#include "sandbox/jail.h"

struct sandbox_config {
	struct jail_config jail; /* pivot root and limits; the fds are the device's own */
	const char *policy_dir;	 /* --seccomp-policy-dir, NULL: built-in policies */
	bool log_failures;	 /* --seccomp-log-failures */
};

/*
 * Sets up the VMM's side and plugs the proxy into env's PCI root and MMIO
 * bus; the device is created in its process by start(), which also adds the
 * process's exit and violation reports to env's event loop. 0 or -errno.
 */
int virtio_proxy_new(const struct virtio_host_env *env, const struct virtio_spec *spec,
		     const struct sandbox_config *sb, struct virtio_host **out);

#endif
