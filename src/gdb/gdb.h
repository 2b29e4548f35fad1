/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_GDB_GDB_H
#define CROSVM_GDB_GDB_H

/*
 * --gdb PORT: the stub's thread. It waits for a debugger with every vCPU parked
 * before its first instruction, serves it in all-stop mode (any vCPU's stop
 * stops all), and lets the VM run on when the debugger detaches or goes away.
 * The VM core reaches it only through these calls.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct vcpu;
struct gdb_stub;

/* Listens on 127.0.0.1:port; 0 or -errno with a one-line reason in err. */
int gdb_stub_open(struct gdb_stub **out, uint16_t port, char *err, size_t errlen);
/* Starts the thread; the caller has started the vCPUs paused. 0 or -errno. */
int gdb_stub_start(struct gdb_stub *g, struct vm *vm);
/* A vCPU's KVM_EXIT_DEBUG (on its thread); returns false when the vCPU must stop. */
bool gdb_stub_vcpu_debug(struct gdb_stub *g, struct vcpu *v);
/* Ends the thread (the debugger is dropped) and frees everything. */
void gdb_stub_close(struct gdb_stub *g);

#endif
