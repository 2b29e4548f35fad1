// SPDX-License-Identifier: BSD-3-Clause
#define _GNU_SOURCE
#include "sandbox/jail.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define HINT "; run with --disable-sandbox to run devices without a jail"

/* The ids and root a config resolves to in this VMM. */
struct jail_ids {
	const char *root;
	uid_t uid;
	gid_t gid;
	bool switch_ids; /* the VMM is root: become uid/gid before leaving its user ns */
};

static void resolve(const struct jail_config *c, struct jail_ids *r)
{
	r->root = c->pivot_root && *c->pivot_root ? c->pivot_root : JAIL_DEFAULT_PIVOT_ROOT;
	r->switch_ids = geteuid() == 0;
	if (r->switch_ids) {
		r->uid = c->uid ? c->uid : JAIL_DEFAULT_ID;
		r->gid = c->gid ? c->gid : JAIL_DEFAULT_ID;
	} else {
		r->uid = geteuid();
		r->gid = getegid();
	}
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Formats a one-line message into err (if any); returns -1, errno kept. */
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	/* The NOLINT: clang-tidy 14 false positive, only when this is not a run's first file. */
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
	va_end(ap);
	errno = saved;
	return -1;
}

/* Appends the --disable-sandbox hint to a message, if it is not there yet. */
static void add_hint(char *err, size_t errlen)
{
	size_t n;

	if (!err || !errlen || strstr(err, "--disable-sandbox"))
		return;
	n = strlen(err);
	snprintf(err + n, errlen - n, "%s", HINT);
}

static int write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, len);
	if (n < 0 || (size_t)n != len) {
		int saved = n < 0 ? errno : EIO;

		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Closes fds lo..hi; walks /proc/self/fd where close_range() is missing (before 5.9). */
static int close_span(unsigned lo, unsigned hi)
{
	struct dirent *e;
	DIR *d;

	if (close_range(lo, hi, 0) == 0)
		return 0;
	if (errno != ENOSYS)
		return -1;
	d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);

		if (end == e->d_name || *end || fd == dirfd(d) || fd < (long)lo || fd > (long)hi)
			continue;
		close((int)fd);
	}
	return closedir(d);
}

/*
 * stdin becomes /dev/null unless kept (a device never reads the terminal; the
 * serial console lives in the VMM); stdout and stderr stay, so the device's log
 * lines go where the VMM's go. Every other fd not in keep (or extra) is closed,
 * before any namespace is made, so nothing of the VMM's leaks into the jail.
 */
static int close_fds(const struct jail_config *c, int extra_fd, char *err, size_t errlen)
{
	unsigned n = 0, lo = 0, i;
	bool keep_stdin = false;
	int *keep;

	keep = calloc((size_t)c->nr_keep_fds + 4, sizeof(*keep));
	if (!keep)
		return fail(err, errlen, "jail: out of memory");
	keep[n++] = 0;
	keep[n++] = 1;
	keep[n++] = 2;
	if (extra_fd >= 0)
		keep[n++] = extra_fd;
	for (i = 0; i < c->nr_keep_fds; i++) {
		if (c->keep_fds[i] == 0)
			keep_stdin = true;
		if (c->keep_fds[i] >= 0)
			keep[n++] = c->keep_fds[i];
	}
	if (!keep_stdin) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null < 0) {
			free(keep);
			return fail(err, errlen, "jail: opening /dev/null: %s", strerror(errno));
		}
		if (null == 0) {
			fcntl(0, F_SETFD, 0);
		} else {
			dup2(null, 0);
			close(null);
		}
	}
	qsort(keep, n, sizeof(*keep), cmp_int);
	for (i = 0; i < n; i++) {
		unsigned k = (unsigned)keep[i];

		if (k > lo && close_span(lo, k - 1)) {
			free(keep);
			return fail(err, errlen, "jail: closing fds: %s", strerror(errno));
		}
		if (k + 1 > lo)
			lo = k + 1;
	}
	free(keep);
	if (close_span(lo, UINT_MAX))
		return fail(err, errlen, "jail: closing fds: %s", strerror(errno));
	return 0;
}

static int set_rlimit(int res, const char *name, rlim_t v, char *err, size_t errlen)
{
	struct rlimit rl = {v, v};

	if (v && setrlimit(res, &rl))
		return fail(err, errlen, "jail: setrlimit(%s, %llu): %s", name,
			    (unsigned long long)v, strerror(errno));
	return 0;
}

/*
 * A process may map only its own ids into a user namespace it creates, unless it
 * holds CAP_SETUID over the parent namespace, which it loses by creating one. So
 * a root VMM's child first becomes uid/gid here, then maps that one id to itself
 * inside. setresuid() made the process non-dumpable, which makes /proc/self
 * root-owned and the map files unwritable: it is dumpable (ptraceable by that
 * uid) for the few syscalls until the maps are written, then never again.
 */
static int enter_user_ns(const struct jail_ids *r, char *err, size_t errlen)
{
	char map[64];

	if (r->switch_ids) {
		if (setgroups(0, NULL))
			return fail(err, errlen, "jail: setgroups: %s", strerror(errno));
		if (setresgid(r->gid, r->gid, r->gid))
			return fail(err, errlen, "jail: setresgid(%u): %s", (unsigned)r->gid,
				    strerror(errno));
		if (setresuid(r->uid, r->uid, r->uid))
			return fail(err, errlen, "jail: setresuid(%u): %s", (unsigned)r->uid,
				    strerror(errno));
		if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
			return fail(err, errlen, "jail: PR_SET_DUMPABLE: %s", strerror(errno));
	}
	if (unshare(CLONE_NEWUSER)) {
		if (errno == EINVAL)
			return fail(err, errlen,
				    "jail: cannot create a user namespace from a multithreaded "
				    "process");
		return fail(err, errlen, "jail: cannot create a user namespace as uid %u: %s",
			    (unsigned)r->uid, strerror(errno));
	}
	/* An unprivileged gid_map needs setgroups denied first. */
	if (write_file("/proc/self/setgroups", "deny"))
		return fail(err, errlen, "jail: writing /proc/self/setgroups: %s", strerror(errno));
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)r->uid, (unsigned)r->uid);
	if (write_file("/proc/self/uid_map", map))
		return fail(err, errlen, "jail: writing uid_map \"%u %u 1\": %s", (unsigned)r->uid,
			    (unsigned)r->uid, strerror(errno));
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)r->gid, (unsigned)r->gid);
	if (write_file("/proc/self/gid_map", map))
		return fail(err, errlen, "jail: writing gid_map \"%u %u 1\": %s", (unsigned)r->gid,
			    (unsigned)r->gid, strerror(errno));
	/* Never dumpable from here on: no core files, no ptrace by the same uid. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		return fail(err, errlen, "jail: PR_SET_DUMPABLE: %s", strerror(errno));
	return 0;
}

/* Is path on the initial ramfs (rootfs: ramfs or tmpfs, the kernel's first mount)? */
static bool is_rootfs(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && (sf.f_type == RAMFS_MAGIC || sf.f_type == TMPFS_MAGIC);
}

/*
 * The jail's "/" is a read-only bind mount of the (empty) pivot-root directory;
 * the host's tree is detached, so nothing of it can be reached by path.
 */
static int enter_root(const char *root, char *err, size_t errlen)
{
	unsigned long fl = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	struct statvfs sv;

	/* No mount or unmount below may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return fail(err, errlen, "jail: making / private: %s", strerror(errno));
	/* pivot_root() needs the new root to be a mount point. */
	if (mount(root, root, NULL, MS_BIND, NULL))
		return fail(err, errlen, "jail: bind-mounting %s: %s", root, strerror(errno));
	if (chdir(root))
		return fail(err, errlen, "jail: chdir(%s): %s", root, strerror(errno));
	/* Old root stacked on the new one, then detached: no put_old directory needed. */
	if (syscall(SYS_pivot_root, ".", ".") == 0) {
		if (umount2(".", MNT_DETACH))
			return fail(err, errlen, "jail: detaching the old root: %s",
				    strerror(errno));
	} else if (errno == EINVAL && is_rootfs("/")) {
		/*
		 * The initramfs (rootfs) cannot be pivoted away from: move the new
		 * root over "/" and chroot into it, as switch_root does. The old root
		 * stays underneath, out of reach by path; chroot() out of it would
		 * need CAP_SYS_CHROOT, which the jail drops next.
		 */
		if (mount(".", "/", NULL, MS_MOVE, NULL))
			return fail(err, errlen, "jail: moving %s over the initramfs root: %s",
				    root, strerror(errno));
		if (chroot("."))
			return fail(err, errlen, "jail: chroot(%s): %s", root, strerror(errno));
	} else {
		return fail(err, errlen, "jail: pivot_root(%s): %s", root, strerror(errno));
	}
	if (chdir("/"))
		return fail(err, errlen, "jail: chdir(/): %s", strerror(errno));
	/*
	 * A remount in a user namespace must keep the flags locked from the host's
	 * mount (the atime ones are not implied by the others): carry them over.
	 */
	if (statvfs("/", &sv))
		return fail(err, errlen, "jail: statvfs(/): %s", strerror(errno));
	if (sv.f_flag & ST_NOATIME)
		fl |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		fl |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		fl |= MS_RELATIME;
	if (mount(NULL, "/", NULL, fl, NULL))
		return fail(err, errlen, "jail: remounting / read-only: %s", strerror(errno));
	return 0;
}

/* Bounding set first (dropping needs CAP_SETPCAP), then ambient, then the rest. */
static int drop_caps(char *err, size_t errlen)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	int cap;

	/* Up to the kernel's last capability: PR_CAPBSET_READ fails past it. */
	for (cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0))
			return fail(err, errlen, "jail: dropping capability %d: %s", cap,
				    strerror(errno));
	/* EINVAL: a kernel before ambient capabilities (4.3), which has none to clear. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return fail(err, errlen, "jail: clearing ambient capabilities: %s",
			    strerror(errno));
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capset, &h, d))
		return fail(err, errlen, "jail: capset: %s", strerror(errno));
	return 0;
}

/* jail_enter(), keeping extra_fd (-1: none) open too. */
static int enter(const struct jail_config *c, int extra_fd, char *err, size_t errlen)
{
	struct jail_ids r;

	resolve(c, &r);
	if (close_fds(c, extra_fd, err, errlen))
		return -1;
	/* While still root: raising a hard limit needs CAP_SYS_RESOURCE on the host. */
	if (set_rlimit(RLIMIT_NOFILE, "RLIMIT_NOFILE", c->max_open_files, err, errlen) ||
	    set_rlimit(RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK", c->max_memlock, err, errlen))
		return -1;
	if (enter_user_ns(&r, err, errlen))
		return -1;
	/* Owned by the new user namespace, where this process has every capability. */
	if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS))
		return fail(err, errlen, "jail: unshare(mount, pid, net, ipc, uts): %s",
			    strerror(errno));
	if (enter_root(r.root, err, errlen) || drop_caps(err, errlen))
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return fail(err, errlen, "jail: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	return 0;
}

int jail_enter(const struct jail_config *c, char *err, size_t errlen)
{
	return enter(c, -1, err, errlen);
}

/* What the jailed intermediate process tells jail_spawn() over a pipe. */
struct spawn_report {
	pid_t pid; /* the device process, or -1 */
	char err[256];
};

static void send_report(int fd, pid_t pid, const char *msg)
{
	struct spawn_report rep;

	memset(&rep, 0, sizeof(rep));
	rep.pid = pid;
	snprintf(rep.err, sizeof(rep.err), "%s", msg);
	/* Smaller than PIPE_BUF: one write, never split. */
	if (write(fd, &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
		_exit(126);
}

/*
 * The device starts with no handler of the VMM's (a crash or shutdown handler
 * written for the VMM has no business running in it) and nothing blocked, as
 * after an execve().
 */
static void reset_signals(void)
{
	struct sigaction sa;
	sigset_t none;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL); /* fails for SIGKILL, SIGSTOP and glibc's own */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/*
 * unshare(CLONE_NEWPID) moves only later children into the new PID namespace,
 * so the fork()ed process jails itself and then clones the device process with
 * CLONE_PARENT: PID 1 inside, yet a child of the VMM (to wait for and to read
 * /proc/<pid> from). The intermediate process reports its pid and exits. It is
 * single-threaded, so the raw clone() (no fork handlers) leaves libc consistent;
 * only glibc's cached TID of the main thread stays the intermediate's, which
 * matters to PI and robust mutexes alone (the device's own threads are right).
 */
static void spawn_child(const struct jail_config *c, int (*fn)(void *arg), void *arg, int wfd)
{
	char err[256] = "";
	long pid;
	int ret;

	if (enter(c, wfd, err, sizeof(err))) {
		send_report(wfd, -1, err);
		_exit(127);
	}
	pid = syscall(SYS_clone, (unsigned long)(CLONE_PARENT | SIGCHLD), NULL, NULL, NULL, 0UL);
	if (pid < 0) {
		snprintf(err, sizeof(err), "jail: clone(CLONE_PARENT): %s", strerror(errno));
		send_report(wfd, -1, err);
		_exit(127);
	}
	if (pid > 0) {
		send_report(wfd, (pid_t)pid, "");
		_exit(0);
	}
	close(wfd);
	reset_signals();
	ret = fn ? fn(arg) : 0;
	/* Not exit(): the atexit handlers and stdio buffers are the VMM's. */
	fflush(stdout);
	fflush(stderr);
	_exit(ret & 0xff);
}

pid_t jail_spawn(const struct jail_config *c, int (*fn)(void *arg), void *arg, char *err,
		 size_t errlen)
{
	struct spawn_report rep;
	size_t got = 0;
	int p[2], status;
	pid_t mid;

	if (pipe2(p, O_CLOEXEC))
		return fail(err, errlen, "jail: pipe: %s", strerror(errno));
	/* Else both processes would write what is buffered now. */
	fflush(stdout);
	fflush(stderr);
	mid = fork();
	if (mid < 0) {
		fail(err, errlen, "jail: fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (mid == 0) {
		close(p[0]);
		spawn_child(c, fn, arg, p[1]);
	}
	close(p[1]);
	memset(&rep, 0, sizeof(rep));
	while (got < sizeof(rep)) {
		ssize_t n = read(p[0], (char *)&rep + got, sizeof(rep) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(p[0]);
	if (jail_reap(mid, &status))
		return fail(err, errlen, "jail: waiting for the jailing process: %s",
			    strerror(errno));
	if (got < sizeof(rep)) {
		char how[96];

		fail(err, errlen, "jail: the jailing process %s before reporting",
		     jail_describe_status(status, how, sizeof(how)));
		add_hint(err, errlen);
		return -1;
	}
	if (rep.pid <= 0) {
		rep.err[sizeof(rep.err) - 1] = '\0';
		fail(err, errlen, "%s", rep.err);
		add_hint(err, errlen);
		return -1;
	}
	return rep.pid;
}

int jail_reap(pid_t pid, int *status)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (status)
		*status = st;
	return 0;
}

const char *jail_describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status)) {
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status) || WIFSTOPPED(status)) {
		int sig = WIFSIGNALED(status) ? WTERMSIG(status) : WSTOPSIG(status);
		const char *abbr = sigabbrev_np(sig);
		char name[32];

		if (abbr)
			snprintf(name, sizeof(name), "SIG%s", abbr);
		else
			snprintf(name, sizeof(name), "%d", sig);
		snprintf(buf, len, "%s by signal %s%s%s",
			 WIFSIGNALED(status) ? "killed" : "stopped", name,
			 sig == SIGSYS ? " (seccomp: a system call outside its policy)" : "",
			 WIFSIGNALED(status) && WCOREDUMP(status) ? " (core dumped)" : "");
	} else {
		snprintf(buf, len, "ended with wait status %#x", (unsigned)status);
	}
	return buf;
}

/* mkdir -p with mode 0755 whatever the umask; existing components are left alone. */
static int make_dirs(const char *path)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	char *s;

	if (len == 0 || len >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (s = buf + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char saved = *s;

		*s = '\0';
		if (mkdir(buf, 0755) == 0) {
			if (chmod(buf, 0755))
				return -1;
		} else if (errno != EEXIST) {
			return -1;
		}
		*s = saved;
		if (!saved)
			return 0;
	}
}

static int read_sysctl(const char *path, long *v)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	*v = strtol(buf, NULL, 10);
	return 0;
}

static int dry_run(void *arg)
{
	return 0;
}

int jail_prepare(const struct jail_config *c, char *err, size_t errlen)
{
	struct jail_ids r;
	struct stat st;
	char how[96];
	long v;
	int status;
	pid_t pid;

	resolve(c, &r);
	if (stat(r.root, &st)) {
		if (errno != ENOENT)
			return fail(err, errlen, "jail: pivot root %s: %s" HINT, r.root,
				    strerror(errno));
		if (make_dirs(r.root))
			return fail(err, errlen, "jail: cannot create pivot root %s: %s" HINT,
				    r.root, strerror(errno));
	} else if (!S_ISDIR(st.st_mode)) {
		return fail(err, errlen, "jail: pivot root %s is not a directory" HINT, r.root);
	} else if (!(st.st_mode & S_IXOTH) && st.st_uid != r.uid) {
		return fail(err, errlen,
			    "jail: pivot root %s (mode %03o) is not searchable by uid %u" HINT,
			    r.root, (unsigned)(st.st_mode & 07777), (unsigned)r.uid);
	}
	/* Named causes first; the dry run below catches whatever else (LSMs, seccomp). */
	if (read_sysctl("/proc/sys/user/max_user_namespaces", &v) == 0 && v <= 0)
		return fail(
			err, errlen,
			"jail: user namespaces are disabled (user.max_user_namespaces = 0)" HINT);
	if (read_sysctl("/proc/sys/kernel/unprivileged_userns_clone", &v) == 0 && v == 0)
		return fail(err, errlen,
			    "jail: unprivileged user namespaces are disabled "
			    "(kernel.unprivileged_userns_clone = 0)" HINT);
	pid = jail_spawn(c, dry_run, NULL, err, errlen);
	if (pid < 0)
		return -1;
	if (jail_reap(pid, &status))
		return fail(err, errlen, "jail: waiting for the trial jail: %s" HINT,
			    strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return fail(err, errlen, "jail: the trial jail %s" HINT,
			    jail_describe_status(status, how, sizeof(how)));
	return 0;
}
