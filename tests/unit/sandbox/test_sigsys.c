// SPDX-License-Identifier: BSD-3-Clause
/*
 * Exported BPF programs (policy_export, policy_prog_load) and the SIGSYS reporter (sigsys),
 * for real: every filter is loaded in a forked child, never in the test process.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/policy.h"
#include "sandbox/sigsys.h"

/* ---- helpers ---- */

static int one_resolve(void *ctx, const char *name, struct policy_text *out)
{
	*out = (struct policy_text){.data = ctx, .len = strlen(ctx)};
	return 0;
}

/* The policy text compiled in `mode` and exported with allow_ip. */
static struct policy_prog export_policy(const char *text, enum policy_mode mode, uint64_t allow_ip)
{
	struct policy_prog prog;
	scmp_filter_ctx f;
	char err[256];

	if (policy_compile("t.policy", one_resolve, (void *)text, mode, &f, err, sizeof(err)))
		fail_msg("%s", err);
	if (policy_export(f, allow_ip, &prog, err, sizeof(err)))
		fail_msg("%s", err);
	seccomp_release(f);
	return prog;
}

/*
 * A filtered child leaves by the raw syscall: the sanitizers' _exit() interceptor runs a leak
 * check that clones threads, which the child's tiny policy would (rightly) refuse. Not marked
 * noreturn: AddressSanitizer calls sigaltstack before any noreturn call, which log mode
 * children would report.
 */
static void child_exit(int code)
{
	for (;;)
		syscall(SYS_exit_group, code);
}

static pid_t fork_child(void)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Some children are meant to die of SIGSYS: no core files for them. */
		struct rlimit none = {0, 0};

		setrlimit(RLIMIT_CORE, &none);
		prctl(PR_SET_DUMPABLE, 0);
	}
	return pid;
}

static int wait_child(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void assert_killed_by_sigsys(int st)
{
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
		fail_msg("expected death by SIGSYS, got status %#x", st);
}

static void assert_exit_0(int st)
{
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fail_msg("expected exit 0, got status %#x", st);
}

/* Reads reports until EOF (the caller closed its write end); returns how many. */
static size_t read_reports(int fd, struct sigsys_report *out, size_t max)
{
	size_t got = 0;
	char *p = (char *)out;

	for (;;) {
		ssize_t r = read(fd, p + got, max * sizeof(*out) - got);

		if (r < 0 && errno == EINTR)
			continue;
		assert_true(r >= 0);
		if (r == 0)
			break;
		got += (size_t)r;
		assert_true(got < max * sizeof(*out)); /* room left: no report was cut off */
	}
	assert_int_equal(got % sizeof(*out), 0);
	return got / sizeof(*out);
}

struct want {
	int nr;
	uint32_t allowed;
};

/* The reports, against the calls wanted in order; all of them printed on a mismatch. */
static void check_reports(const struct sigsys_report *r, size_t n, const struct want *want,
			  size_t nwant)
{
	bool ok = n == nwant;

	for (size_t i = 0; ok && i < n; i++)
		ok = r[i].magic == SIGSYS_REPORT_MAGIC && r[i].nr == want[i].nr &&
		     r[i].arch == AUDIT_ARCH_X86_64 && r[i].allowed == want[i].allowed;
	if (ok)
		return;
	for (size_t i = 0; i < n; i++)
		print_message("report %zu: magic %#x nr %d arch %#x allowed %u\n", i, r[i].magic,
			      r[i].nr, r[i].arch, r[i].allowed);
	fail_msg("%zu reports, wanted %zu", n, nwant);
}

#define CHECK_REPORTS(r, n, ...)                                \
	check_reports(r, n, (const struct want[]){__VA_ARGS__}, \
		      sizeof((const struct want[]){__VA_ARGS__}) / sizeof(struct want))

/* Loads prog in the child (after sigsys_install() if report_fd >= -1), or exits 100 + why. */
static void child_load(const struct policy_prog *prog, int report_fd, bool log_mode)
{
	if (report_fd >= -1 && sigsys_install(report_fd, log_mode))
		child_exit(100);
	if (policy_prog_load(prog, 0))
		child_exit(101);
}

#define NO_REPORTS (-2)

/*
 * Policies of children that a filter can kill name sigaltstack, which the sanitizer runtimes
 * (scripts/sanitize) call there. Log mode children need nothing: the handler makes any call.
 */
#define SANITIZERS "sigaltstack: 1\n"

/* ---- policy_export ---- */

static const char getpid_policy[] = SANITIZERS "exit_group: 1\ngetpid: 1\n";

static void test_export_enforces(void **state)
{
	struct policy_prog prog = export_policy(getpid_policy, POLICY_MODE_KILL, 0);
	struct policy_prog with_ip =
		export_policy(getpid_policy, POLICY_MODE_KILL, 0x123456789abcdef0ULL);
	pid_t pid;

	/* The prefix is seven instructions in front of the same program. */
	assert_non_null(prog.insns);
	assert_true(prog.len > 0);
	assert_int_equal(with_ip.len, prog.len + 7);
	assert_memory_equal(with_ip.insns + 7, prog.insns, prog.len * sizeof(*prog.insns));
	assert_int_equal(with_ip.insns[3].k, 0x9abcdef0);
	assert_int_equal(with_ip.insns[5].k, 0x12345678);
	policy_prog_free(&with_ip);
	assert_null(with_ip.insns);
	assert_int_equal(with_ip.len, 0);
	policy_prog_free(&with_ip); /* twice is fine */

	/* Allowed calls go through... */
	pid = fork_child();
	if (pid == 0) {
		child_load(&prog, NO_REPORTS, false);
		child_exit(syscall(SYS_getpid) > 0 ? 0 : 1);
	}
	assert_exit_0(wait_child(pid));
	/* ... and anything else kills, as with seccomp_load(). */
	pid = fork_child();
	if (pid == 0) {
		child_load(&prog, NO_REPORTS, false);
		syscall(SYS_getppid);
		child_exit(1);
	}
	assert_killed_by_sigsys(wait_child(pid));
	policy_prog_free(&prog);

	/* Unknown load flags are refused before anything is loaded. */
	assert_int_equal(policy_prog_load(&prog, 1u << 7), -EINVAL);
}

/*
 * A long program, cheaply: libseccomp takes seconds to generate thousands of instructions
 * over several syscalls, but not for one. The read line is 17 x 10 rules of six comparisons
 * (about 4070 instructions); each of `values` write values adds about one.
 */
static char *long_policy(const char *arg1_mask, unsigned values)
{
	size_t cap = 512 + values * 32, len;
	char *text = malloc(cap);

	assert_non_null(text);
	len = (size_t)snprintf(text, cap,
			       SANITIZERS
			       "exit_group: 1\n"
			       "read: arg0 & 0x1ff00000000ff && arg1 & %s && "
			       "arg2 in 0xf0f0f0f0f0f0f0f0 && arg3 in 0x0f0f0f0f0f0f0f0f && "
			       "arg4 == 0x1234567812345678 && arg5 == 0x8765432187654321\n",
			       arg1_mask);
	for (unsigned v = 0; v < values; v++)
		len += (size_t)snprintf(text + len, cap - len, "%sarg0 == %u",
					v ? " || " : "write: ", 1000 + v);
	len += (size_t)snprintf(text + len, cap - len, "\n");
	assert_true(len < cap);
	return text;
}

/* long_policy() compiled; exported with allow_ip: the length, or 0 with a message in err. */
static unsigned long_export(const char *arg1_mask, unsigned values, uint64_t allow_ip,
			    struct policy_prog *keep, char *err, size_t errlen)
{
	struct policy_prog prog;
	scmp_filter_ctx f;
	char *text = long_policy(arg1_mask, values);
	unsigned len = 0;

	if (policy_compile("long.policy", one_resolve, text, POLICY_MODE_KILL, &f, err, errlen))
		fail_msg("%s", err);
	free(text);
	if (!policy_export(f, allow_ip, &prog, err, errlen))
		len = prog.len;
	else
		assert_null(prog.insns);
	seccomp_release(f);
	if (keep)
		*keep = prog;
	else
		policy_prog_free(&prog);
	return len;
}

static void test_export_length_limit(void **state)
{
	unsigned lo = 0, hi = 64, len;
	struct policy_prog prog;
	char err[256], want[256];
	pid_t pid;

	/* Too long (17 x 11 rules): refused, with a message. */
	assert_int_equal(long_export("0x7ff", 0, 0, NULL, err, sizeof(err)), 0);
	assert_non_null(strstr(err, " BPF instructions, the kernel takes at most 4096"));
	assert_null(strchr(err, '\n'));

	/* The most write values that still fit. */
	if (!long_export("0x3ff", lo, 0, NULL, err, sizeof(err)) ||
	    long_export("0x3ff", hi, 0, NULL, err, sizeof(err)))
		fail_msg("libseccomp's programs changed size: long_policy() needs new numbers");
	while (hi - lo > 1) {
		unsigned mid = lo + (hi - lo) / 2;

		if (long_export("0x3ff", mid, 0, NULL, err, sizeof(err)))
			lo = mid;
		else
			hi = mid;
	}
	len = long_export("0x3ff", lo, 0, &prog, err, sizeof(err));
	if (len <= BPF_MAXINSNS - 7)
		fail_msg("no program within 7 of the limit (%u instructions): cannot test it", len);

	/* The prefix is what pushes it over. */
	assert_int_equal(long_export("0x3ff", lo, 0x1000, NULL, err, sizeof(err)), 0);
	snprintf(want, sizeof(want),
		 "seccomp: the filter is %u BPF instructions with the allow_ip prefix, the kernel "
		 "takes at most 4096",
		 len + 7);
	assert_string_equal(err, want);

	/* And what was accepted, the kernel takes. */
	pid = fork_child();
	if (pid == 0)
		child_exit(-policy_prog_load(&prog, 0));
	assert_exit_0(wait_child(pid));
	policy_prog_free(&prog);
}

/* The kernel's own limit is the one policy_export() checks. */
static void test_kernel_limit(void **state)
{
	struct sock_filter insns[BPF_MAXINSNS + 1];
	struct policy_prog prog = {insns, BPF_MAXINSNS + 1};
	pid_t pid;

	for (size_t i = 0; i < BPF_MAXINSNS; i++)
		insns[i] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0);
	insns[BPF_MAXINSNS] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	pid = fork_child();
	if (pid == 0)
		child_exit(policy_prog_load(&prog, 0) == -EINVAL ? 0 : 1);
	assert_exit_0(wait_child(pid));
	prog.insns++;
	prog.len--;
	pid = fork_child();
	if (pid == 0)
		child_exit(policy_prog_load(&prog, 0) == 0 && syscall(SYS_getppid) > 0 ? 0 : 1);
	assert_exit_0(wait_child(pid));
}

/* ---- sigsys: kill mode ---- */

static const char kill_policy[] = SANITIZERS "exit_group: 1\nwrite: 1\n";

static void test_trap_kill_reports(void **state)
{
	struct policy_prog prog = export_policy(kill_policy, POLICY_MODE_TRAP, 0);
	struct sigsys_report r[4];
	int fds[2];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork_child();
	if (pid == 0) {
		close(fds[0]);
		child_load(&prog, fds[1], false);
		syscall(SYS_getppid);
		child_exit(1);
	}
	close(fds[1]);
	assert_killed_by_sigsys(wait_child(pid));
	CHECK_REPORTS(r, read_reports(fds[0], r, 4), {SYS_getppid, 0});
	close(fds[0]);

	/* A SIGSYS that no filter sent is ignored; the handler stays armed. */
	assert_int_equal(pipe(fds), 0);
	pid = fork_child();
	if (pid == 0) {
		close(fds[0]);
		if (sigsys_install(fds[1], false))
			child_exit(100);
		kill(getpid(), SIGSYS);
		kill(getpid(), SIGSYS);
		if (policy_prog_load(&prog, 0))
			child_exit(101);
		syscall(SYS_getppid);
		child_exit(1);
	}
	close(fds[1]);
	assert_killed_by_sigsys(wait_child(pid));
	CHECK_REPORTS(r, read_reports(fds[0], r, 4), {SYS_getppid, 0});
	close(fds[0]);
	policy_prog_free(&prog);
}

/*
 * As PID 1 of a new PID namespace, where a SIGSYS the process sends itself (at its default
 * action) is ignored. Exits 0 when it died by SIGSYS, 77 when there is no such namespace.
 */
static int pid1_helper(const struct policy_prog *prog, int report_fd)
{
	pid_t pid;
	int st;

	if (unshare(CLONE_NEWUSER | CLONE_NEWPID))
		return 77;
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		if (getpid() != 1)
			child_exit(3);
		/* Without the filter's forced signal, init would shrug SIGSYS off. */
		signal(SIGSYS, SIG_DFL); /* cmocka catches it */
		kill(1, SIGSYS);
		child_load(prog, report_fd, false);
		syscall(SYS_getppid);
		child_exit(4);
	}
	if (waitpid(pid, &st, 0) != pid)
		return 5;
	if (WIFEXITED(st))
		return 10 + WEXITSTATUS(st);
	return WTERMSIG(st) == SIGSYS ? 0 : 6;
}

static void test_trap_kill_pid1(void **state)
{
	/* Even a process that may signal itself must not depend on that to die. */
	struct policy_prog prog =
		export_policy(SANITIZERS "exit_group: 1\nwrite: 1\ngetpid: 1\nkill: 1\ntgkill: 1\n",
			      POLICY_MODE_TRAP, 0);
	struct sigsys_report r[4];
	int fds[2], st;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork_child();
	if (pid == 0) {
		close(fds[0]);
		child_exit(pid1_helper(&prog, fds[1]));
	}
	close(fds[1]);
	st = wait_child(pid);
	policy_prog_free(&prog);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77) {
		close(fds[0]);
		print_message("no user and PID namespace here (unshare failed): skipped\n");
		skip();
	}
	assert_exit_0(st);
	CHECK_REPORTS(r, read_reports(fds[0], r, 4), {SYS_getppid, 0});
	close(fds[0]);
}

/* ---- sigsys: log mode ---- */

/* Neither write (the reports) nor rt_sigreturn (the handler's return) is needed. */
static const char log_policy[] = "exit_group: 1\n";

static pid_t test_parent;
static char *log_where; /* a page reserved before the fork */

/* getppid and a six-argument mmap, both trapped and made by the handler. */
static int log_mode_child(int fd)
{
	const long page = 4096;
	char *map;

	if (syscall(SYS_getppid) != test_parent)
		return 3;
	/*
	 * Page 0 of fd is 'A's, page 1 'B's: the offset (the sixth argument, from the stack of
	 * the stub) picks one, the address (the first) must be kept with MAP_FIXED (the fourth).
	 */
	map = (char *)syscall(SYS_mmap, log_where, page, PROT_READ, MAP_SHARED | MAP_FIXED, fd,
			      page);
	if (map != log_where)
		return 4;
	if (map[0] != 'B' || map[page - 1] != 'B')
		return 5;
	return 0;
}

static int memfd_ab(void)
{
	char buf[4096];
	int fd = memfd_create("sigsys-test", MFD_CLOEXEC);

	assert_true(fd >= 0);
	memset(buf, 'A', sizeof(buf));
	assert_int_equal(write(fd, buf, sizeof(buf)), sizeof(buf));
	memset(buf, 'B', sizeof(buf));
	assert_int_equal(write(fd, buf, sizeof(buf)), sizeof(buf));
	return fd;
}

/* Runs log_mode_child() under log_policy exported with allow_ip; its reports in r. */
static int run_log_mode(uint64_t allow_ip, struct sigsys_report *r, size_t *n)
{
	struct policy_prog prog = export_policy(log_policy, POLICY_MODE_TRAP, allow_ip);
	int fds[2], mfd = memfd_ab(), st;
	pid_t pid;

	test_parent = getpid();
	log_where = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(log_where != MAP_FAILED);
	assert_int_equal(pipe(fds), 0);
	pid = fork_child();
	if (pid == 0) {
		close(fds[0]);
		child_load(&prog, fds[1], true);
		child_exit(log_mode_child(mfd));
	}
	close(fds[1]);
	close(mfd);
	munmap(log_where, 4096);
	st = wait_child(pid);
	*n = read_reports(fds[0], r, 8);
	close(fds[0]);
	policy_prog_free(&prog);
	return st;
}

static void test_log_mode(void **state)
{
	struct sigsys_report r[8];
	uint64_t ip = sigsys_reissue_ip();
	size_t n;

	assert_true(ip != 0);
	assert_exit_0(run_log_mode(ip, r, &n));
	CHECK_REPORTS(r, n, {SYS_getppid, 1}, {SYS_mmap, 1});

	/*
	 * Both halves of the address count: one off in either, and the handler's own calls
	 * are trapped (with SIGSYS blocked, which kills) before it can report anything.
	 */
	assert_killed_by_sigsys(run_log_mode(ip ^ 1, r, &n));
	assert_int_equal(n, 0);
	assert_killed_by_sigsys(run_log_mode(ip ^ (1ULL << 32), r, &n));
	assert_int_equal(n, 0);
}

/* With nobody reading the reports, log mode goes on: no SIGPIPE from the handler's write. */
static void test_log_mode_closed_pipe(void **state)
{
	struct policy_prog prog = export_policy(log_policy, POLICY_MODE_TRAP, sigsys_reissue_ip());
	int fds[2];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	pid = fork_child();
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		child_load(&prog, fds[1], true);
		child_exit(syscall(SYS_getppid) > 0 && syscall(SYS_getppid) > 0 ? 0 : 1);
	}
	close(fds[1]);
	assert_exit_0(wait_child(pid));
	policy_prog_free(&prog);
}

/* The signal mask and alternate stack a trapped call sets outlive the handler's return. */
static int log_mode_signal_state_child(void)
{
	static char first[65536], altstack[65536];
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)}, now;
	stack_t ss1 = {.ss_sp = first, .ss_size = sizeof(first)};
	uint64_t set = 1ULL << (SIGUSR1 - 1), old = 0, cur = 0;

	if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, &old, 8))
		return 2;
	if (old & set)
		return 3;
	if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &cur, 8))
		return 4;
	/* SIGUSR1 stays blocked, and the handler's own SIGSYS and SIGPIPE do not leak. */
	if (cur != set)
		return 5;
	/*
	 * The kernel cannot put back an alternate stack that was never set (it refuses a zero
	 * size), so the first one would stay anyway: the second is the test.
	 */
	if (syscall(SYS_sigaltstack, &ss1, NULL) || syscall(SYS_sigaltstack, &ss, NULL))
		return 6;
	if (syscall(SYS_sigaltstack, NULL, &now))
		return 8;
	if (now.ss_sp != altstack || now.ss_size != sizeof(altstack) || now.ss_flags)
		return 7;
	return 0;
}

/* fork works from the handler; vfork cannot, and dies (reported as not allowed). */
static int log_mode_fork_child(void)
{
	long pid = syscall(SYS_fork);
	int st;

	if (pid == 0)
		child_exit(7);
	if (pid < 0)
		return 2;
	if (syscall(SYS_wait4, pid, &st, 0, NULL) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 7)
		return 3;
	syscall(SYS_vfork);
	return 4;
}

static int run_log_child(int (*fn)(void), struct sigsys_report *r, size_t *n)
{
	struct policy_prog prog = export_policy(log_policy, POLICY_MODE_TRAP, sigsys_reissue_ip());
	int fds[2], st;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork_child();
	if (pid == 0) {
		sigset_t none;

		close(fds[0]);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		child_load(&prog, fds[1], true);
		child_exit(fn());
	}
	close(fds[1]);
	st = wait_child(pid);
	*n = read_reports(fds[0], r, 8);
	close(fds[0]);
	policy_prog_free(&prog);
	return st;
}

static void test_log_mode_signal_state(void **state)
{
	struct sigsys_report r[8];
	size_t n;

	assert_exit_0(run_log_child(log_mode_signal_state_child, r, &n));
	CHECK_REPORTS(r, n, {SYS_rt_sigprocmask, 1}, {SYS_rt_sigprocmask, 1}, {SYS_sigaltstack, 1},
		      {SYS_sigaltstack, 1}, {SYS_sigaltstack, 1});
}

static void test_log_mode_fork(void **state)
{
	struct sigsys_report r[8];
	size_t n;

	assert_killed_by_sigsys(run_log_child(log_mode_fork_child, r, &n));
	CHECK_REPORTS(r, n, {SYS_fork, 1}, {SYS_wait4, 1}, {SYS_vfork, 0});
}

/* ---- TSYNC ---- */

static int tsync_ready[2], tsync_go[2];
static const struct policy_prog *tsync_thread_prog;

static void *tsync_thread(void *arg)
{
	char c;

	/* Optionally a filter of its own first, which a later TSYNC cannot replace. */
	if (tsync_thread_prog && policy_prog_load(tsync_thread_prog, 0))
		return (void *)1;
	if (write(tsync_ready[1], "r", 1) != 1)
		return (void *)2;
	while (read(tsync_go[0], &c, 1) < 0 && errno == EINTR)
		;
	syscall(SYS_getppid);
	return NULL;
}

static const char tsync_policy[] =
	SANITIZERS "exit_group: 1\nexit: 1\nread: 1\nwrite: 1\n"
		   "futex: 1\nmadvise: 1\nmunmap: 1\nrt_sigprocmask: 1\n";

static int tsync_child(const struct policy_prog *prog, unsigned flags, int want_rc)
{
	pthread_t tid;
	void *ret;
	char c;
	int rc;

	if (pipe(tsync_ready) || pipe(tsync_go))
		return 2;
	if (pthread_create(&tid, NULL, tsync_thread, NULL))
		return 3;
	/* The thread is running (and has its own filter, if any) before the load. */
	if (read(tsync_ready[0], &c, 1) != 1)
		return 4;
	rc = policy_prog_load(prog, flags);
	if (rc != want_rc)
		return 5;
	if (write(tsync_go[1], "g", 1) != 1)
		return 6;
	if (pthread_join(tid, &ret) || ret)
		return 7;
	return 0;
}

static void test_tsync(void **state)
{
	static struct sock_filter allow_all[] = {
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	const struct policy_prog allow = {allow_all, 1};
	struct policy_prog prog = export_policy(tsync_policy, POLICY_MODE_KILL, 0);
	pid_t pid;

	/* TSYNC: the other thread's getppid kills the process. */
	pid = fork_child();
	if (pid == 0)
		child_exit(tsync_child(&prog, POLICY_LOAD_TSYNC, 0));
	assert_killed_by_sigsys(wait_child(pid));
	/* Without it, the other thread is not filtered. */
	pid = fork_child();
	if (pid == 0)
		child_exit(tsync_child(&prog, 0, 0));
	assert_exit_0(wait_child(pid));
	/* A thread with a filter of its own: TSYNC fails with -EBUSY, and nothing is loaded. */
	tsync_thread_prog = &allow;
	pid = fork_child();
	if (pid == 0)
		child_exit(tsync_child(&prog, POLICY_LOAD_TSYNC, -EBUSY));
	assert_exit_0(wait_child(pid));
	tsync_thread_prog = NULL;
	policy_prog_free(&prog);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_export_enforces),
		cmocka_unit_test(test_export_length_limit),
		cmocka_unit_test(test_kernel_limit),
		cmocka_unit_test(test_trap_kill_reports),
		cmocka_unit_test(test_trap_kill_pid1),
		cmocka_unit_test(test_log_mode),
		cmocka_unit_test(test_log_mode_closed_pipe),
		cmocka_unit_test(test_log_mode_signal_state),
		cmocka_unit_test(test_log_mode_fork),
		cmocka_unit_test(test_tsync),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
