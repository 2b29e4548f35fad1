/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Naming the system call a jailed process was not allowed to make (x86_64 only; built with
 * libseccomp).
 *
 * The process's filter traps what its policy does not allow (POLICY_MODE_TRAP), and the
 * SIGSYS handler installed here writes one struct sigsys_report per trapped call to a pipe
 * or socket the VMM reads. Then the process dies by SIGSYS, or in log mode the handler makes
 * the call itself and the program goes on as if it had been allowed:
 *
 *	policy_compile(name, resolve, ctx, POLICY_MODE_TRAP, &f, err, errlen);
 *	policy_export(f, log ? sigsys_reissue_ip() : 0, &prog, err, errlen);
 *	sigsys_install(report_fd, log);
 *	policy_prog_load(&prog, POLICY_LOAD_TSYNC);
 *
 * Log mode is for writing policies, not for confining anything: any call made from the
 * handler's syscall instruction passes the filter, whoever jumps there.
 *
 * Limits: a call trapped while the thread blocks SIGSYS kills the process without a report
 * (the kernel forces the signal with its default action). In log mode a few calls cannot be
 * made from inside a signal handler on the program's behalf; they are reported with allowed
 * 0 and the process dies: rt_sigreturn, vfork, clone3, and clone with CLONE_VM, CLONE_VFORK
 * or a new stack (fork-like clones work). rt_sigprocmask and sigaltstack are made so that
 * their effect outlives the handler's return.
 */
#ifndef CROSVM_SANDBOX_SIGSYS_H
#define CROSVM_SANDBOX_SIGSYS_H

#include <stdbool.h>
#include <stdint.h>

#define SIGSYS_REPORT_MAGIC 0x53595343u /* "CSYS" */

/* What the handler writes to report_fd for each trapped system call (16 bytes, atomic). */
struct sigsys_report {
	uint32_t magic;	  /* SIGSYS_REPORT_MAGIC */
	int32_t nr;	  /* system call number (siginfo si_syscall) */
	uint32_t arch;	  /* si_arch (AUDIT_ARCH_X86_64) */
	uint32_t allowed; /* 1: log mode, the call went ahead; 0: the process dies */
};

/*
 * The allow_ip to give policy_export() in log mode: where the handler's own syscall
 * instruction returns to. Every system call the handler makes goes through it.
 */
uint64_t sigsys_reissue_ip(void);

/*
 * Installs the SIGSYS handler for the whole process and unblocks SIGSYS in the calling
 * thread. For each system call a POLICY_MODE_TRAP filter traps, the handler writes one
 * struct sigsys_report to report_fd (a pipe or socket; -1 for none; a short or failed write
 * is ignored, and never raises SIGPIPE). Then:
 *  - log_mode: makes the same system call with the original arguments, from the instruction
 *    that sigsys_reissue_ip() names (so a filter exported with that allow_ip lets it through),
 *    and returns its result to the program, which goes on as if the call had been allowed.
 *    The handler's return (rt_sigreturn) goes through that instruction too, so the policy
 *    needs neither rt_sigreturn nor write for log mode to work.
 *  - otherwise: the process dies by SIGSYS, even as PID 1 of a PID namespace. The filter
 *    (exported without allow_ip) decides on the report's write like on any call: the policy
 *    must allow write for the report to get out.
 * A SIGSYS that no filter sent (kill(2)) is ignored.
 * Returns 0 or -errno.
 */
int sigsys_install(int report_fd, bool log_mode);

#endif
