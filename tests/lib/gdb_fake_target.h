/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_TESTS_GDB_FAKE_TARGET_H
#define CROSVM_TESTS_GDB_FAKE_TARGET_H

/*
 * A gdb target with nothing of KVM behind it, for the stub's unit tests and
 * its fuzz target: register files per vCPU, one flat window of "virtual"
 * memory, and the last guest-debug set-up the stub armed. Anything the stub
 * must never do (a vCPU it was not given, a read longer than a packet, a
 * debug register length that DR7 cannot express) aborts.
 */
#include <stddef.h>
#include <stdint.h>

#include "gdb/stub.h"

#define GDB_FAKE_MAX_CPUS 4

struct gdb_fake {
	unsigned nr_cpus;
	uint64_t mem_base;
	size_t mem_size;
	uint8_t *mem; /* mem_size bytes, the caller's */
	uint8_t regs[GDB_FAKE_MAX_CPUS][GDB_REGS_SIZE];
	struct gdb_debug armed;
	int set_debug_calls;
};

/* The ops to pass to gdb_session_init with the struct gdb_fake as opaque. */
extern const struct gdb_target_ops gdb_fake_ops;

#endif
