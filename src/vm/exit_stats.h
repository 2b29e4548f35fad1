/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_VM_EXIT_STATS_H
#define CROSVM_VM_EXIT_STATS_H

/*
 * VM exits counted per vCPU (no locking: each vCPU counts its own), by reason
 * and, for port I/O and MMIO, by port and by 4 KiB page: what a guest makes
 * the VMM do while it boots, printed at exit with --log-level debug.
 */
#include <linux/kvm.h>
#include <stdint.h>

#include "devices/bus.h"

#define EXIT_REASONS	 64 /* KVM_EXIT_* values below this are counted one by one */
#define EXIT_ADDR_SLOTS	 128
#define EXIT_TOP_PRINTED 12

struct exit_addr_count {
	uint64_t addr;
	uint64_t n;
};

struct exit_stats {
	uint64_t reason[EXIT_REASONS];
	struct exit_addr_count io[EXIT_ADDR_SLOTS], mmio[EXIT_ADDR_SLOTS];
	uint64_t io_other, mmio_other; /* past the slots */
};

void exit_stats_count(struct exit_stats *s, const struct kvm_run *run);
/* Adds s into sum. */
void exit_stats_add(struct exit_stats *sum, const struct exit_stats *s);
/* The count of addr (a port, or a page address) in table t (io or mmio). */
uint64_t exit_stats_at(const struct exit_addr_count *t, uint64_t addr);
/* Logs (debug) the vCPUs' summed stats: reasons, then the busiest ports and pages by the
 * name of the device that claims them (sum's tables are reordered). */
void exit_stats_log(struct exit_stats *sum, struct bus *pio, struct bus *mmio);

#endif
