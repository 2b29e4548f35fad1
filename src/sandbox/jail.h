/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_SANDBOX_JAIL_H
#define CROSVM_SANDBOX_JAIL_H

/*
 * The jail a device process enters (namespaces, an empty read-only root, no
 * capabilities, no new privileges, rlimits) and the runner that forks one.
 * Seccomp is not applied here: the device loads its policy itself, right after
 * the jail is entered and before it touches guest data.
 */

#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

#define JAIL_DEFAULT_PIVOT_ROOT "/var/empty"
/* The `nobody` user and `nogroup` group of Debian and most distributions. */
#define JAIL_DEFAULT_ID 65534

struct jail_config {
	/* Empty directory that becomes "/". NULL: JAIL_DEFAULT_PIVOT_ROOT. */
	const char *pivot_root;
	/*
	 * Host ids the jailed process runs as when the VMM runs as root; 0 means
	 * JAIL_DEFAULT_ID (mapping host root into a jail is never wanted). When the
	 * VMM is not root, its own ids are used (the only ones it may map).
	 * The ids are the same inside the jail (an identity map of one id).
	 */
	uid_t uid;
	gid_t gid;
	/*
	 * Descriptors that survive into the jail; every other one is closed.
	 * stdout and stderr are always kept (the device logs like the VMM does);
	 * stdin becomes /dev/null unless fd 0 is listed here.
	 */
	const int *keep_fds;
	unsigned nr_keep_fds;
	/* RLIMIT_NOFILE and RLIMIT_MEMLOCK (soft and hard); 0 leaves one as is. */
	rlim_t max_open_files;
	rlim_t max_memlock;
};

/*
 * In the VMM, before forking any device: creates the pivot-root directory
 * (0755, owned by root) if it is missing, then builds the whole jail once in a
 * throwaway child so the real spawns cannot fail for a reason known now.
 * Returns 0, or -1 with one line in err naming --disable-sandbox.
 */
int jail_prepare(const struct jail_config *c, char *err, size_t errlen);

/*
 * Jails the calling process, which must be single-threaded (a child just
 * forked). On return it runs as c->uid/c->gid in new user, mount, network, IPC
 * and UTS namespaces, with "/" the read-only pivot-root directory, no
 * capabilities, no_new_privs, the rlimits, not dumpable, and only the kept fds.
 * The PID namespace is created too, but unshare(CLONE_NEWPID) moves only the
 * caller's future children into it: jail_spawn() forks the device there.
 * Returns 0, or -1 with a one-line message in err (the process is then half
 * jailed and should exit).
 */
int jail_enter(const struct jail_config *c, char *err, size_t errlen);

/*
 * Forks a device process, jails it and runs fn(arg) in it as PID 1 of its own
 * PID namespace; the process exits with fn's return value (low 8 bits).
 * The returned pid is a direct child of the caller, in the caller's PID
 * namespace: wait for it with jail_reap(), read /proc/<pid>/status from it.
 * fn starts with every signal handler at its default and nothing blocked.
 * Safe to call from a multithreaded VMM (the process is forked with fork()).
 * Returns -1 with a one-line message in err when the jail cannot be built.
 *
 * Being PID 1, the device ignores signals it has no handler for when they come
 * from kill()/raise() (e.g. SIGTERM); the VMM stops it with SIGKILL. Signals the
 * kernel forces (a seccomp SIGSYS, SIGSEGV) kill it as usual.
 */
pid_t jail_spawn(const struct jail_config *c, int (*fn)(void *arg), void *arg, char *err,
		 size_t errlen);

/* Waits for pid (retrying on EINTR). Returns 0 with its wait status, or -1. */
int jail_reap(pid_t pid, int *status);

/*
 * Describes a wait status in buf: "exited with status 3", "killed by signal
 * SIGSEGV", or for SIGSYS "killed by signal SIGSYS (seccomp: a system call
 * outside its policy)". Returns buf.
 */
const char *jail_describe_status(int status, char *buf, size_t len);

#endif
