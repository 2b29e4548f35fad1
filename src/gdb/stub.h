/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_GDB_STUB_H
#define CROSVM_GDB_STUB_H

/*
 * The debugger's command set over a target that it only reaches through
 * gdb_target_ops: so the commands are tested against a fake target, and the
 * KVM side (vCPU registers, guest memory, guest debug) stays in its binding.
 * Threads are vCPUs; gdb's thread id N is vCPU N-1.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gdb/packet.h"

/*
 * The x86-64 register file in target.xml's order: rax..r15, rip, eflags,
 * cs ss ds es fs gs, fs_base, gs_base, st0-7, the x87 control registers,
 * xmm0-15, mxcsr (what `g` carries), then cr0 cr2 cr3 cr4 cr8 efer (only
 * through `p`/`P`: gdb fetches registers past the end of `g` one by one).
 * Little-endian, as the guest stores it.
 */
#define GDB_NR_REGS   65
#define GDB_REGS_SIZE 600
#define GDB_G_REGS    59
#define GDB_G_SIZE    552

struct gdb_reg {
	const char *name;
	unsigned bits;
	const char *type;
	const char *feature; /* the target.xml feature it belongs to */
	unsigned offset;     /* into the flat register file */
};
extern const struct gdb_reg gdb_regs[GDB_NR_REGS];

#define GDB_MAX_SW_BP 64
#define GDB_MAX_HW_BP 4 /* DR0-DR3 */

enum gdb_hw_type { GDB_HW_EXEC, GDB_HW_WRITE, GDB_HW_READ, GDB_HW_ACCESS };

struct gdb_hw_bp {
	bool used;
	enum gdb_hw_type type;
	uint64_t addr;
	unsigned len; /* 1, 2, 4 or 8 */
};

/* What guest debug the target must arm before it runs again. */
struct gdb_debug {
	bool sw_bp; /* any int3 is planted: int3 exits must reach the stub */
	struct gdb_hw_bp hw[GDB_MAX_HW_BP];
};

struct gdb_target_ops {
	int (*get_regs)(void *opaque, unsigned cpu, uint8_t regs[GDB_REGS_SIZE]);
	int (*set_regs)(void *opaque, unsigned cpu, const uint8_t regs[GDB_REGS_SIZE]);
	/* Guest-virtual memory as cpu sees it; 0 or -EFAULT (unmapped). */
	int (*read_mem)(void *opaque, unsigned cpu, uint64_t va, void *buf, size_t len);
	int (*write_mem)(void *opaque, unsigned cpu, uint64_t va, const void *buf, size_t len);
	int (*set_debug)(void *opaque, const struct gdb_debug *dbg);
};

enum gdb_action {
	GDB_ACT_REPLY,	  /* send the reply */
	GDB_ACT_CONTINUE, /* resume every vCPU; the reply is the next stop */
	GDB_ACT_STEP,	  /* step run_cpu; the others run on unless step_alone */
	GDB_ACT_DETACH,	  /* send the reply, drop the client, let the VM run */
	GDB_ACT_KILL,	  /* stop the VM, no reply */
};

enum gdb_stop_reason { GDB_STOP_SIGNAL, GDB_STOP_SWBREAK, GDB_STOP_HWBREAK, GDB_STOP_WATCH };

struct gdb_session {
	const struct gdb_target_ops *ops;
	void *opaque;
	unsigned nr_cpus;
	unsigned g_cpu;	   /* Hg: registers and memory */
	unsigned run_cpu;  /* Hc / vCont: which vCPU steps */
	bool step_alone;   /* the others stay stopped while run_cpu steps */
	unsigned stop_cpu; /* the vCPU of the last stop */
	enum gdb_stop_reason stop_reason;
	uint64_t stop_addr; /* watch: the data address */
	struct {
		uint64_t addr;
		uint8_t orig;
	} sw[GDB_MAX_SW_BP];
	unsigned nr_sw;
	struct gdb_debug dbg;
};

void gdb_session_init(struct gdb_session *s, const struct gdb_target_ops *ops, void *opaque,
		      unsigned nr_cpus);

/*
 * Answers one decoded packet (NUL-terminated, len bytes) into reply (a payload,
 * not framed, at most cap bytes with cap >= GDB_MAX_PACKET). Malformed or
 * unknown packets get "E01" or an empty reply; nothing here stops the VM.
 */
enum gdb_action gdb_handle(struct gdb_session *s, const char *pkt, size_t len, char *reply,
			   size_t cap, size_t *reply_len);

/* The stop reply for the session's last stop ("T05thread:N;swbreak:;"). */
size_t gdb_stop_reply(const struct gdb_session *s, char *reply, size_t cap);

/* Whether an int3 at addr is one of ours (the vCPU stopped on a breakpoint). */
bool gdb_is_sw_bp(const struct gdb_session *s, uint64_t addr);

/* Takes every planted int3 out of guest memory (detach, disconnect). */
void gdb_clear_all(struct gdb_session *s);

/* The x86-64 target description, as served through qXfer:features:read. */
size_t gdb_target_xml(char *buf, size_t cap);

#endif
