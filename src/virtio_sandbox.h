/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_VIRTIO_SANDBOX_H
#define CROSVM_VIRTIO_SANDBOX_H

/*
 * A virtio device in its own jailed, seccomp-filtered process (DESIGN.md rules
 * 2 and 4). The VMM keeps the KVM side (irqfds, ioeventfds, MSI routes) and
 * forwards each PCI config-space and BAR access over a socket; the device
 * process runs the unchanged transport and device code and answers with the
 * side effects the VMM must apply (MSI routes, BAR moves, deferred interrupts).
 */

#include <stdbool.h>
#include <stdint.h>

#include "sandbox/jail.h"
#include "virtio_host.h"

struct sandbox_config {
	struct jail_config jail; /* pivot root and ids; the fds are the device's own */
	const char *policy_dir;	 /* --seccomp-policy-dir, NULL: built-in policies */
	bool log_failures;	 /* --seccomp-log-failures */
	/* Called (any thread) when a device process dies or stops answering. */
	void (*failed)(void *opaque);
	void *opaque;
};

/* Makes h->proxy_fn forward config-space accesses to the device process. */
void virtio_sandbox_init_proxy(struct virtio_host *h);
/*
 * Forks the jailed device process, which creates the device, loads its
 * policy and reports ready. Returns 0, or -1 with the reason logged.
 */
int virtio_sandbox_spawn(struct virtio_host *h, const struct guest_memory *mem,
			 const struct sandbox_config *sb);
bool virtio_sandbox_mmio(struct virtio_host *h, uint64_t addr, uint8_t *data, uint32_t len,
			 bool write);
int virtio_sandbox_call(struct virtio_host *h, enum vhost_op op, uint64_t arg,
			struct balloon_stats *stats);
/* Asks the device process to stop (it flushes), then reaps it. */
void virtio_sandbox_stop(struct virtio_host *h);

/* For the VMM's run loop: the descriptors to watch (process exit, violation reports). */
int virtio_sandbox_pidfd(const struct virtio_host *h);
int virtio_sandbox_report_fd(const struct virtio_host *h);
/* Logs violation reports waiting on the report fd. */
void virtio_sandbox_read_reports(struct virtio_host *h);
/* The pidfd is readable: reaps and logs the process. Returns true if it died. */
bool virtio_sandbox_reap(struct virtio_host *h);
/* Logs the device process's memory (VmRSS and VmHWM) at debug level. */
void virtio_sandbox_log_rss(const struct virtio_host *h);
pid_t virtio_sandbox_pid(const struct virtio_host *h);

#endif
