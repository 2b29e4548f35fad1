// SPDX-License-Identifier: BSD-3-Clause
/*
 * The device jail: jail_prepare's directory handling and messages, what a
 * jailed process sees from inside and what the VMM sees of it from outside,
 * and how deaths are reported. Runs as root in CI; skips (saying why) where
 * the machine has no user namespaces.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/jail.h"
#include "sandbox/proc_status.h"

static char tmpdir[64];
static char pivot[128];
static bool userns_ok;
static uid_t jail_uid; /* the host id the jailed process should run as */

static pid_t live; /* a jailed child a failed assertion would leave running */

static const char *const ns_names[] = {"user", "pid", "mnt", "net", "ipc", "uts"};
#define NR_NS (sizeof(ns_names) / sizeof(ns_names[0]))

#define NEED_USERNS()                                                                             \
	do {                                                                                      \
		if (!userns_ok) {                                                                 \
			print_message("skipped: no user namespaces for uid %u on this machine\n", \
				      (unsigned)jail_uid);                                        \
			skip();                                                                   \
		}                                                                                 \
	} while (0)

/* Independent of the code under test, so a jail bug fails instead of skipping. */
static bool probe_userns(void)
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		if (geteuid() == 0 && (setresgid(jail_uid, jail_uid, jail_uid) ||
				       setresuid(jail_uid, jail_uid, jail_uid)))
			_exit(1);
		_exit(unshare(CLONE_NEWUSER) ? 1 : 0);
	}
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static int group_setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/jail-test.XXXXXX");
	if (!mkdtemp(tmpdir) || chmod(tmpdir, 0755))
		return -1;
	snprintf(pivot, sizeof(pivot), "%s/empty", tmpdir);
	if (mkdir(pivot, 0755) || chmod(pivot, 0755))
		return -1;
	jail_uid = geteuid() == 0 ? JAIL_DEFAULT_ID : geteuid();
	userns_ok = probe_userns();
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static int kill_live(void **state)
{
	if (live > 0) {
		kill(live, SIGKILL);
		waitpid(live, NULL, 0);
	}
	live = 0;
	return 0;
}

static void test_prepare_creates_missing_dir(void **state)
{
	struct jail_config c = {0};
	char path[192], err[512] = "";
	struct stat st;
	int rc;

	snprintf(path, sizeof(path), "%s/var/empty", tmpdir);
	assert_int_not_equal(stat(path, &st), 0);
	c.pivot_root = path;
	umask(077); /* the directory is 0755 whatever the umask */
	rc = jail_prepare(&c, err, sizeof(err));
	umask(022);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(st.st_uid, geteuid());
	if (rc)
		print_message("jail_prepare: %s\n", err);
	NEED_USERNS();
	assert_int_equal(rc, 0);
}

static void assert_refused(const char *root, const char *what)
{
	struct jail_config c = {.pivot_root = root};
	char err[512] = "";

	assert_int_equal(jail_prepare(&c, err, sizeof(err)), -1);
	print_message("refused: %s\n", err);
	assert_non_null(strstr(err, "--disable-sandbox"));
	assert_non_null(strstr(err, root));
	assert_non_null(strstr(err, what));
	assert_null(strchr(err, '\n'));
}

static void test_prepare_refuses_impossible_dir(void **state)
{
	char file[192], under[256], closed[192];
	int fd;

	snprintf(file, sizeof(file), "%s/file", tmpdir);
	fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	snprintf(under, sizeof(under), "%s/empty", file);
	assert_refused(under, "Not a directory");
	assert_refused(file, "not a directory");
	if (geteuid() == 0) {
		snprintf(closed, sizeof(closed), "%s/closed", tmpdir);
		assert_int_equal(mkdir(closed, 0700), 0);
		assert_refused(closed, "not searchable");
	}
}

/* What the jailed process reports of itself. */
struct report {
	int stray_errno;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	int nnp, seccomp, dumpable;
	uint32_t cap_eff, cap_prm, cap_inh;
	int root_entries;
	int root_write_errno;
	int stdin_is_null;
	rlim_t nofile, memlock;
	char status[4096];
	char ns[NR_NS][64];
};

struct child_args {
	int sock;
	int stray_fd; /* opened by the parent, not kept */
	int procfd;   /* the host's /proc, kept only so the test can read its own status */
};

static void read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		assert_true(n > 0);
		got += (size_t)n;
	}
}

static int reporter(void *arg)
{
	const struct child_args *a = arg;
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	struct report *r = calloc(1, sizeof(*r));
	struct rlimit rl;
	struct stat st;
	struct dirent *e;
	unsigned i;
	DIR *dir;
	char c;
	int fd;

	if (!r)
		return 1;
	/* First, before this process opens anything that could take the number. */
	r->stray_errno = fcntl(a->stray_fd, F_GETFD) < 0 ? errno : 0;
	r->pid = getpid();
	r->uid = getuid();
	r->gid = getgid();
	r->nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	r->seccomp = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
	r->dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	memset(d, 0xff, sizeof(d));
	if (syscall(SYS_capget, &h, d) == 0) {
		r->cap_eff = d[0].effective | d[1].effective;
		r->cap_prm = d[0].permitted | d[1].permitted;
		r->cap_inh = d[0].inheritable | d[1].inheritable;
	}
	dir = opendir("/");
	r->root_entries = -1;
	if (dir) {
		r->root_entries = 0;
		while ((e = readdir(dir)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				r->root_entries++;
		closedir(dir);
	}
	r->root_write_errno = mkdir("/x", 0755) ? errno : 0;
	r->stdin_is_null = fstat(0, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
	getrlimit(RLIMIT_NOFILE, &rl);
	r->nofile = rl.rlim_cur == rl.rlim_max ? rl.rlim_cur : 0;
	getrlimit(RLIMIT_MEMLOCK, &rl);
	r->memlock = rl.rlim_cur == rl.rlim_max ? rl.rlim_cur : 0;
	fd = openat(a->procfd, "self/status", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, r->status, sizeof(r->status) - 1);

		r->status[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	for (i = 0; i < NR_NS; i++) {
		char path[32];

		snprintf(path, sizeof(path), "self/ns/%s", ns_names[i]);
		if (readlinkat(a->procfd, path, r->ns[i], sizeof(r->ns[i]) - 1) < 0)
			snprintf(r->ns[i], sizeof(r->ns[i]), "error %d", errno);
	}
	if (write(a->sock, r, sizeof(*r)) != (ssize_t)sizeof(*r))
		return 2;
	free(r);
	/* Alive until the parent has looked at /proc/<pid>. */
	if (read(a->sock, &c, 1) != 1)
		return 3;
	return 42;
}

static void *idle_thread(void *arg)
{
	char c;

	/* Only there so the spawn happens from a multithreaded process. */
	return read(*(int *)arg, &c, 1) < 0 ? NULL : arg;
}

static void assert_field(pid_t pid, const char *key, const char *want)
{
	char v[128];

	assert_int_equal(proc_status_field(pid, key, v, sizeof(v)), 0);
	assert_string_equal(v, want);
}

static void test_spawn_jailed_process(void **state)
{
	struct report *r = calloc(1, sizeof(*r));
	struct child_args a;
	struct jail_config c = {.pivot_root = pivot, .max_open_files = 64, .max_memlock = 1 << 20};
	char err[512] = "", ids[64], how[96];
	int sv[2], quit[2], keep[2], status;
	pthread_t thr;
	unsigned i;
	pid_t pid;

	NEED_USERNS();
	assert_non_null(r);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(pipe2(quit, O_CLOEXEC), 0);
	assert_int_equal(pthread_create(&thr, NULL, idle_thread, &quit[0]), 0);
	a.sock = sv[1];
	a.stray_fd = open("/dev/null", O_RDONLY); /* no O_CLOEXEC: closing it is the jail's job */
	a.procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(a.stray_fd >= 0 && a.procfd >= 0);
	keep[0] = a.sock;
	keep[1] = a.procfd;
	c.keep_fds = keep;
	c.nr_keep_fds = 2;

	pid = jail_spawn(&c, reporter, &a, err, sizeof(err));
	if (pid < 0)
		print_message("jail_spawn: %s\n", err);
	assert_true(pid > 0);
	live = pid;
	read_full(sv[0], r, sizeof(*r));

	/* Inside. */
	assert_int_equal(r->stray_errno, EBADF);
	assert_int_equal(r->pid, 1);	    /* PID 1 of its own namespace, by design */
	assert_int_equal(r->uid, jail_uid); /* identity-mapped: same id inside and out */
	assert_int_equal(r->gid, jail_uid);
	assert_int_equal(r->nnp, 1);
	assert_int_equal(r->seccomp, 0);
	assert_int_equal(r->dumpable, 0);
	assert_int_equal(r->cap_eff, 0);
	assert_int_equal(r->cap_prm, 0);
	assert_int_equal(r->cap_inh, 0);
	assert_int_equal(r->root_entries, 0);
	assert_int_equal(r->root_write_errno, EROFS);
	assert_true(r->stdin_is_null);
	assert_int_equal(r->nofile, 64);
	assert_int_equal(r->memlock, 1 << 20);
	assert_non_null(strstr(r->status, "\nNoNewPrivs:\t1\n"));
	assert_non_null(strstr(r->status, "\nCapEff:\t0000000000000000\n"));
	assert_non_null(strstr(r->status, "\nCapBnd:\t0000000000000000\n"));
	assert_non_null(strstr(r->status, "\nSeccomp:\t0\n"));

	/* Outside, from the VMM's side, while it waits. */
	snprintf(ids, sizeof(ids), "%u\t%u\t%u\t%u", jail_uid, jail_uid, jail_uid, jail_uid);
	assert_field(pid, "Uid", ids);
	assert_field(pid, "Gid", ids);
	assert_field(pid, "NoNewPrivs", "1");
	assert_field(pid, "Seccomp", "0");
	assert_field(pid, "CapEff", "0000000000000000");
	assert_field(pid, "CapPrm", "0000000000000000");
	assert_field(pid, "CapInh", "0000000000000000");
	assert_field(pid, "CapBnd", "0000000000000000");
	assert_field(pid, "CapAmb", "0000000000000000");
	assert_true(proc_rss_kb(pid) > 0);
	for (i = 0; i < NR_NS; i++) {
		char path[64], mine[64] = "", theirs[64] = "";

		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_names[i]);
		assert_true(readlink(path, mine, sizeof(mine) - 1) > 0);
		print_message("%-4s parent %s, jailed %s\n", ns_names[i], mine, r->ns[i]);
		assert_non_null(strstr(r->ns[i], ns_names[i]));
		assert_string_not_equal(mine, r->ns[i]);
		/* A non-dumpable process's ns links: only with CAP_SYS_PTRACE (root). */
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns_names[i]);
		if (geteuid() == 0) {
			assert_true(readlink(path, theirs, sizeof(theirs) - 1) > 0);
			assert_string_equal(theirs, r->ns[i]);
		}
	}

	assert_int_equal(write(sv[0], "q", 1), 1);
	assert_int_equal(jail_reap(pid, &status), 0);
	live = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 42);
	assert_string_equal(jail_describe_status(status, how, sizeof(how)),
			    "exited with status 42");

	close(quit[1]);
	assert_int_equal(pthread_join(thr, NULL), 0);
	close(quit[0]);
	close(sv[0]);
	close(sv[1]);
	close(a.stray_fd);
	close(a.procfd);
	free(r);
}

/* Traps getppid(), allows the rest, as a device policy would after the jail. */
static int trap_getppid(void *arg)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};
	int sock = *(int *)arg;
	char c;

	/* Without CAP_SYS_ADMIN this works only because the jail set no_new_privs. */
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0))
		return 1;
	if (write(sock, "r", 1) != 1 || read(sock, &c, 1) != 1)
		return 2;
	syscall(__NR_getppid);
	return 3;
}

static void test_seccomp_violation_is_sigsys(void **state)
{
	struct jail_config c = {.pivot_root = pivot};
	char err[512] = "", how[96], ch;
	int sv[2], status;
	pid_t pid;

	NEED_USERNS();
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	c.keep_fds = &sv[1];
	c.nr_keep_fds = 1;
	pid = jail_spawn(&c, trap_getppid, &sv[1], err, sizeof(err));
	if (pid < 0)
		print_message("jail_spawn: %s\n", err);
	assert_true(pid > 0);
	live = pid;
	assert_int_equal(read(sv[0], &ch, 1), 1);
	/* What the e2e test checks of every device process. */
	assert_field(pid, "Seccomp", "2");
	assert_field(pid, "NoNewPrivs", "1");
	assert_field(pid, "CapEff", "0000000000000000");
	assert_int_equal(write(sv[0], "g", 1), 1);
	assert_int_equal(jail_reap(pid, &status), 0);
	live = 0;
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
	jail_describe_status(status, how, sizeof(how));
	print_message("trapped device %s\n", how);
	assert_non_null(strstr(how, "SIGSYS"));
	assert_non_null(strstr(how, "seccomp"));
	close(sv[0]);
	close(sv[1]);
}

static int wait_forever(void *arg)
{
	int sock = *(int *)arg;
	char c;

	if (write(sock, "r", 1) != 1)
		return 1;
	for (;;)
		if (read(sock, &c, 1) <= 0)
			pause();
}

/* PID 1 ignores SIGTERM it has no handler for; the VMM stops it with SIGKILL. */
static void test_jailed_init_needs_sigkill(void **state)
{
	struct jail_config c = {.pivot_root = pivot};
	struct timespec ts = {0, 100 * 1000 * 1000};
	char err[512] = "", how[96], ch;
	int sv[2], status;
	pid_t pid;

	NEED_USERNS();
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	c.keep_fds = &sv[1];
	c.nr_keep_fds = 1;
	pid = jail_spawn(&c, wait_forever, &sv[1], err, sizeof(err));
	assert_true(pid > 0);
	live = pid;
	assert_int_equal(read(sv[0], &ch, 1), 1);
	assert_int_equal(kill(pid, SIGTERM), 0);
	nanosleep(&ts, NULL);
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(jail_reap(pid, &status), 0);
	live = 0;
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	assert_string_equal(jail_describe_status(status, how, sizeof(how)),
			    "killed by signal SIGKILL");
	close(sv[0]);
	close(sv[1]);
}

/* jail_enter() alone: the caller keeps its PID, its next child is PID 1. */
static void test_enter_then_fork_is_pid1(void **state)
{
	struct jail_config c = {.pivot_root = pivot};
	int status;
	pid_t pid;

	NEED_USERNS();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[256];
		pid_t before = getpid(), child;
		int st;

		if (jail_enter(&c, err, sizeof(err))) {
			fprintf(stderr, "jail_enter: %s\n", err);
			_exit(10);
		}
		if (getpid() != before)
			_exit(11);
		child = fork();
		if (child == 0)
			_exit(getpid() == 1 ? 0 : 12);
		if (child < 0 || waitpid(child, &st, 0) != child || !WIFEXITED(st))
			_exit(13);
		_exit(WEXITSTATUS(st));
	}
	assert_int_equal(jail_reap(pid, &status), 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_spawn_failure_is_reported(void **state)
{
	struct jail_config c = {0};
	char root[192], err[512] = "";
	int status;

	NEED_USERNS();
	snprintf(root, sizeof(root), "%s/missing", tmpdir);
	c.pivot_root = root;
	assert_int_equal(jail_spawn(&c, NULL, NULL, err, sizeof(err)), -1);
	print_message("spawn failed: %s\n", err);
	assert_non_null(strstr(err, root));
	assert_non_null(strstr(err, "--disable-sandbox"));
	assert_null(strchr(err, '\n'));
	/* No process left behind. */
	assert_int_equal(waitpid(-1, &status, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static pid_t fork_dying(int how)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct rlimit none = {0, 0};

		setrlimit(RLIMIT_CORE, &none); /* SIGSYS and SIGSEGV dump core by default */
		if (how > 0) {
			signal(how, SIG_DFL); /* not cmocka's handler */
			raise(how);
		}
		_exit(-how);
	}
	return pid;
}

static void test_reap_and_describe(void **state)
{
	char how[128];
	int status;

	assert_int_equal(jail_reap(fork_dying(-3), &status), 0);
	assert_string_equal(jail_describe_status(status, how, sizeof(how)), "exited with status 3");
	assert_int_equal(jail_reap(fork_dying(SIGSYS), &status), 0);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
	assert_string_equal(jail_describe_status(status, how, sizeof(how)),
			    "killed by signal SIGSYS (seccomp: a system call outside its policy)");
	assert_int_equal(jail_reap(fork_dying(SIGSEGV), &status), 0);
	assert_string_equal(jail_describe_status(status, how, sizeof(how)),
			    "killed by signal SIGSEGV");
	assert_int_equal(jail_reap(fork_dying(SIGUSR1), &status), 0);
	assert_string_equal(jail_describe_status(status, how, sizeof(how)),
			    "killed by signal SIGUSR1");
	/* Not our child. */
	assert_int_equal(jail_reap(1, &status), -1);
	assert_int_equal(errno, ECHILD);
}

static void test_proc_status(void **state)
{
	char v[64];

	assert_true(proc_rss_kb(getpid()) > 0);
	assert_int_equal(proc_status_field(getpid(), "Seccomp", v, sizeof(v)), 0);
	assert_string_equal(v, "0");
	assert_int_equal(proc_status_field(getpid(), "NoSuchField", v, sizeof(v)), -1);
	assert_int_equal(proc_status_field(getpid(), "Name", v, 2), -1); /* too small */
	assert_int_equal(proc_rss_kb(INT_MAX), -1);
	assert_int_equal(proc_rss_kb(0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prepare_creates_missing_dir),
		cmocka_unit_test(test_prepare_refuses_impossible_dir),
		cmocka_unit_test_teardown(test_spawn_jailed_process, kill_live),
		cmocka_unit_test_teardown(test_seccomp_violation_is_sigsys, kill_live),
		cmocka_unit_test_teardown(test_jailed_init_needs_sigkill, kill_live),
		cmocka_unit_test(test_enter_then_fork_is_pid1),
		cmocka_unit_test(test_spawn_failure_is_reported),
		cmocka_unit_test(test_reap_and_describe),
		cmocka_unit_test(test_proc_status),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
