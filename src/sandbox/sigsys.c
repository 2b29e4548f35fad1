// SPDX-License-Identifier: BSD-3-Clause
/*
 * The SIGSYS handler of a jailed process: reports each system call its filter traps, then
 * kills the process or (log mode) makes the call on the program's behalf.
 *
 * Every system call the handler makes goes through one syscall instruction, in the stub
 * below, and a log mode filter allows whatever comes from there (policy_export() with
 * sigsys_reissue_ip()). The handler returns through that instruction too: the kernel's
 * rt_sigreturn needs a restorer, and ours jumps to the stub's syscall instruction instead of
 * having one of its own. So the handler works under any policy, even an empty one.
 *
 * Only async-signal-safe code here: no libc calls at all, no errno.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>

#include "sandbox/sigsys.h"

#if !defined(__x86_64__)
#error "sigsys.c is x86_64 only"
#endif

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif
#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1 /* si_code of a seccomp SECCOMP_RET_TRAP */
#endif

#define STR_(x) #x
#define STR(x)	STR_(x)

/*
 * long crosvm_sigsys_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5):
 * the system call nr with six arguments (SysV ABI in, syscall ABI out: the sixth argument
 * comes from the stack). crosvm_sigsys_syscall_ret is the address right after its syscall
 * instruction, the instruction pointer a seccomp filter sees for every call made here.
 *
 * crosvm_sigsys_restorer: the signal return trampoline (SA_RESTORER), reached by the
 * handler's ret with the stack pointer at the signal frame: rt_sigreturn through the same
 * syscall instruction. The symbols are hidden, so C takes their addresses RIP-relative.
 */
#if defined(__CET__) && (__CET__ & 1)
#define ENDBR "endbr64\n\t"
#else
#define ENDBR ""
#endif

// clang-format off
__asm__(".pushsection .text, \"ax\", @progbits\n\t"
	".p2align 4\n\t"
	".globl crosvm_sigsys_syscall\n\t"
	".hidden crosvm_sigsys_syscall\n\t"
	".type crosvm_sigsys_syscall, @function\n"
"crosvm_sigsys_syscall:\n\t"
	".cfi_startproc\n\t"
	ENDBR
	"movq %rdi, %rax\n\t"
	"movq %rsi, %rdi\n\t"
	"movq %rdx, %rsi\n\t"
	"movq %rcx, %rdx\n\t"
	"movq %r8, %r10\n\t"
	"movq %r9, %r8\n\t"
	"movq 8(%rsp), %r9\n"
".Lcrosvm_sigsys_syscall_insn:\n\t"
	"syscall\n\t"
	".globl crosvm_sigsys_syscall_ret\n\t"
	".hidden crosvm_sigsys_syscall_ret\n"
"crosvm_sigsys_syscall_ret:\n\t"
	"ret\n\t"
	".cfi_endproc\n\t"
	".size crosvm_sigsys_syscall, .-crosvm_sigsys_syscall\n\t"
	"\n\t"
	".p2align 4\n\t"
	".globl crosvm_sigsys_restorer\n\t"
	".hidden crosvm_sigsys_restorer\n\t"
	".type crosvm_sigsys_restorer, @function\n"
"crosvm_sigsys_restorer:\n\t"
	"movl $" STR(SYS_rt_sigreturn) ", %eax\n\t"
	"jmp .Lcrosvm_sigsys_syscall_insn\n\t"
	".size crosvm_sigsys_restorer, .-crosvm_sigsys_restorer\n\t"
	".popsection");
// clang-format on

long crosvm_sigsys_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
	__attribute__((visibility("hidden")));
void crosvm_sigsys_restorer(void) __attribute__((visibility("hidden")));
extern char crosvm_sigsys_syscall_ret[] __attribute__((visibility("hidden")));

/* Up to four arguments, through the stub. */
static long sys(long nr, long a0, long a1, long a2, long a3)
{
	return crosvm_sigsys_syscall(nr, a0, a1, a2, a3, 0, 0);
}

#define ARG(p) ((long)(uintptr_t)(p))

/* A system call from an instruction of its own, not the stub's: a log mode filter sees it. */
static long syscall_outside_stub(long nr, long a0)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a0) : "rcx", "r11", "memory");
	return ret;
}

/* The kernel's struct sigaction on x86_64 (rt_sigaction), not glibc's. */
struct k_sigaction {
	void (*handler)(int, siginfo_t *, void *);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

#define KSIGSET_SIZE 8L
#define SIGBIT(s)    (1ULL << ((s)-1))

/* A system call number no policy names: above every x86_64 call, below the x32 range. */
#define NO_SUCH_SYSCALL 511

/* What sigsys_install() was given, and the handler it installed. */
static struct k_sigaction action;
static int cfg_report_fd = -1;
static bool cfg_log_mode;

uint64_t sigsys_reissue_ip(void)
{
	return (uint64_t)(uintptr_t)crosvm_sigsys_syscall_ret;
}

static void report(const siginfo_t *si, bool allowed)
{
	struct sigsys_report r = {
		.magic = SIGSYS_REPORT_MAGIC,
		.nr = si->si_syscall,
		.arch = si->si_arch,
		.allowed = allowed,
	};
	uint64_t pending = 0;
	long rc;

	if (cfg_report_fd < 0)
		return;
	/*
	 * The handler blocks SIGPIPE: a write to a closed pipe leaves one pending, which log
	 * mode takes back unless the program had one pending already. In kill mode the process
	 * dies by SIGSYS first (and the filter need not allow more than the write).
	 */
	if (cfg_log_mode)
		sys(SYS_rt_sigpending, ARG(&pending), KSIGSET_SIZE, 0, 0);
	rc = sys(SYS_write, cfg_report_fd, ARG(&r), sizeof(r), 0);
	if (cfg_log_mode && rc == -EPIPE && !(pending & SIGBIT(SIGPIPE))) {
		uint64_t set = SIGBIT(SIGPIPE);
		struct timespec zero = {0, 0};

		sys(SYS_rt_sigtimedwait, ARG(&set), 0, ARG(&zero), KSIGSET_SIZE);
	}
}

/*
 * Dies by SIGSYS. A call that the filter traps while SIGSYS is blocked (as in its handler)
 * or at its default action (SA_RESETHAND) makes the kernel force SIGSYS with the default
 * action, which also kills the init of a PID namespace (a SIGSYS sent any other way would
 * be ignored there). The default action of a libseccomp filter applies to numbers it does
 * not know, and NO_SUCH_SYSCALL is made outside the stub, which a log filter lets through.
 */
static __attribute__((noreturn)) void die(void)
{
	syscall_outside_stub(NO_SUCH_SYSCALL, 0);
	sys(SYS_exit_group, 128 + SIGSYS, 0, 0, 0);
	syscall_outside_stub(SYS_exit_group, 128 + SIGSYS);
	__builtin_trap();
}

/* Whether the handler can make the trapped call on the program's behalf. */
static bool can_reissue(const siginfo_t *si, const greg_t *g)
{
	if (si->si_arch != AUDIT_ARCH_X86_64 || si->si_syscall < 0 ||
	    si->si_syscall >= 0x40000000 /* x32 */)
		return false;
	switch (si->si_syscall) {
	case SYS_rt_sigreturn: /* would return to the handler's frame */
	case SYS_vfork:	       /* the child would run on, and return through, our stack */
	case SYS_clone3:       /* its flags and stack are in memory */
		return false;
	case SYS_clone: /* clone(flags, stack, ...): the child would run this handler */
		return !(g[REG_RDI] & (CLONE_VM | CLONE_VFORK)) && !g[REG_RSI];
	default:
		return true;
	}
}

/* The trapped call, made again with the program's arguments; its result. */
static long reissue(int nr, ucontext_t *uc)
{
	const greg_t *g = uc->uc_mcontext.gregs;
	long a0 = g[REG_RDI], a1 = g[REG_RSI], a2 = g[REG_RDX];
	long a3 = g[REG_R10], a4 = g[REG_R8], a5 = g[REG_R9];
	uint64_t mask;
	long rc;

	switch (nr) {
	case SYS_rt_sigprocmask:
		/*
		 * The handler runs with the program's mask plus SIGSYS and SIGPIPE, and the
		 * kernel puts uc_sigmask back when it returns: make the call against the
		 * program's mask, and keep the outcome in uc_sigmask.
		 */
		memcpy(&mask, &uc->uc_sigmask, sizeof(mask));
		sys(SYS_rt_sigprocmask, SIG_SETMASK, ARG(&mask), 0, KSIGSET_SIZE);
		rc = sys(SYS_rt_sigprocmask, a0, a1, a2, a3);
		sys(SYS_rt_sigprocmask, SIG_BLOCK, 0, ARG(&mask), KSIGSET_SIZE);
		memcpy(&uc->uc_sigmask, &mask, sizeof(mask));
		return rc;
	case SYS_sigaltstack:
		/* The kernel also puts uc_stack back: keep a new alternate stack there. */
		rc = sys(SYS_sigaltstack, a0, a1, 0, 0);
		if (!rc && a0)
			sys(SYS_sigaltstack, 0, ARG(&uc->uc_stack), 0, 0);
		return rc;
	default:
		return crosvm_sigsys_syscall(nr, a0, a1, a2, a3, a4, a5);
	}
}

static void handler(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	if (si->si_code != SYS_SECCOMP) {
		/* Not a filter's: ignored, and in kill mode the handler armed again. */
		if (!cfg_log_mode)
			sys(SYS_rt_sigaction, SIGSYS, ARG(&action), 0, KSIGSET_SIZE);
		return;
	}
	if (cfg_log_mode && can_reissue(si, uc->uc_mcontext.gregs)) {
		report(si, true);
		uc->uc_mcontext.gregs[REG_RAX] = reissue(si->si_syscall, uc);
		return;
	}
	report(si, false);
	die();
}

int sigsys_install(int report_fd, bool log_mode)
{
	uint64_t sigsys = SIGBIT(SIGSYS);
	long rc;

	cfg_report_fd = report_fd;
	cfg_log_mode = log_mode;
	/*
	 * Kill mode resets SIGSYS to its default action on delivery (SA_RESETHAND), which is
	 * what die() needs even if the handler runs with SIGSYS unblocked.
	 */
	action = (struct k_sigaction){
		.handler = handler,
		.flags = SA_SIGINFO | SA_RESTORER | (log_mode ? 0 : SA_RESETHAND),
		.restorer = crosvm_sigsys_restorer,
		.mask = SIGBIT(SIGPIPE),
	};
	rc = sys(SYS_rt_sigaction, SIGSYS, ARG(&action), 0, KSIGSET_SIZE);
	if (!rc)
		rc = sys(SYS_rt_sigprocmask, SIG_UNBLOCK, ARG(&sigsys), 0, KSIGSET_SIZE);
	return (int)rc;
}
