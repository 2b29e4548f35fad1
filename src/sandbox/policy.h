/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Seccomp policies in crosvm's (minijail's) file syntax, compiled to a libseccomp filter.
 *
 *   # comment                     blank lines and comments are skipped
 *   @include common_device.policy another policy (by base name, see below), at most 8 deep
 *   @frequency ./x.frequency      ignored (minijail's BPF ordering hint)
 *   read: 1                       allow (also "allow")
 *   open: return ENOENT           fail with an errno (name or number)
 *   ptrace: kill                  kill (also kill-process, kill-thread, trap, log)
 *   mmap: arg2 in ~PROT_EXEC || arg2 == PROT_READ|PROT_EXEC && arg3 & MAP_PRIVATE
 *   ioctl: arg1 == FIONBIO; return ENOTTY     allow if the expression holds, else the errno
 *
 * An expression is an "||" of "&&" groups of atoms "argN OP VALUE" with OP one of == != < <=
 * > >= & (some bit of VALUE set) and in (no bit outside VALUE set). VALUE is a number (decimal,
 * 0x hex, 0 octal), a named constant (policy_const_lookup()), or those combined with "|", "~"
 * and parentheses. Long lines continue after a trailing backslash. A syscall is named once
 * per policy (its includes too); a file included twice is read once (diamond includes).
 *
 * Includes name files in one flat directory: "@include /usr/share/policy/crosvm/x.policy"
 * and "@include ./x.policy" both ask the resolver for "x.policy", so crosvm's own policies
 * work unchanged whether they come from --seccomp-policy-dir or from the built-ins.
 *
 * libseccomp limits what a line may say (each is refused with a clear error, never
 * miscompiled): one comparison per argument in an "&&" group unless the two merge into one
 * (arg0 & 1 && arg0 & 2, arg0 < 10 && arg0 <= 5); at most 256 libseccomp rules per line;
 * and != < <= > >= only in a line that is a single libseccomp rule (one group, no "&" of
 * several bits, no "; return"), because libseccomp 2.5 builds wrong filters from several
 * such rules. "== & in" (and "; return" over them) work in any number of groups.
 *
 * Every error is one line "FILE:LINE: reason".
 */
#ifndef CROSVM_SANDBOX_POLICY_H
#define CROSVM_SANDBOX_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/filter.h>
#include <seccomp.h>

/* Where policies are installed; built-ins are used for any file not found there. */
#define POLICY_DEFAULT_DIR "/usr/share/policy/crosvm"

/* The text of one policy file; `owned` (or NULL) is free()d once the text is parsed. */
struct policy_text {
	const char *data;
	size_t len;
	void *owned;
};

/*
 * Looks up policy file `name` (a base name such as "block_device.policy").
 * Returns 0 and fills *out, or a negative errno (-ENOENT: no such policy).
 */
typedef int (*policy_resolver)(void *ctx, const char *name, struct policy_text *out);

/* What a filter does with a system call its policy does not allow. */
enum policy_mode {
	/* Kills the process (SECCOMP_RET_KILL_PROCESS). */
	POLICY_MODE_KILL,
	/*
	 * Sends SIGSYS to the thread (SECCOMP_RET_TRAP), for sigsys_install() to report the call;
	 * explicit kill lines still kill, trap lines trap, errno lines stay.
	 */
	POLICY_MODE_TRAP,
	/*
	 * Only logs the call (SECCOMP_RET_LOG) and lets it through; explicit kill lines are
	 * logged too, trap lines still trap, errno lines stay.
	 */
	POLICY_MODE_LOG,
};

/*
 * Parses policy `name` (asking `resolve` for it and for its includes) and builds a filter
 * whose default action is `mode`'s. x86_64 only.
 * Returns 0 and *out (seccomp_release() it), or -1 with a one-line message in err.
 */
int policy_compile(const char *name, policy_resolver resolve, void *ctx, enum policy_mode mode,
		   scmp_filter_ctx *out, char *err, size_t errlen);

enum {
	/* Install on every thread of the process (SECCOMP_FILTER_FLAG_TSYNC), not only this one. */
	POLICY_LOAD_TSYNC = 1 << 0,
};

/*
 * Installs a compiled filter (setting no_new_privs first, as an unprivileged process must).
 * Returns 0, or -1 with a message in err. The filter stays the caller's to release.
 */
int policy_load(scmp_filter_ctx filter, unsigned flags, char *err, size_t errlen);

/* policy_compile() then policy_load(). */
int policy_install(const char *name, policy_resolver resolve, void *ctx, enum policy_mode mode,
		   unsigned flags, char *err, size_t errlen);

/* A compiled filter as the BPF program the kernel takes: loading it allocates nothing. */
struct policy_prog {
	struct sock_filter *insns;
	unsigned short len;
};

/*
 * Exports filter as BPF. With allow_ip != 0 the program first allows any x86_64 system call
 * whose instruction pointer (seccomp_data.instruction_pointer: the address after the syscall
 * instruction) equals allow_ip, before the policy is consulted (7 instructions more); 0
 * exports the policy unchanged. The kernel takes at most BPF_MAXINSNS (4096) instructions:
 * a longer program is refused here.
 * Returns 0 and *out (free it with policy_prog_free()), or -1 with a one-line message in err.
 */
int policy_export(scmp_filter_ctx filter, uint64_t allow_ip, struct policy_prog *out, char *err,
		  size_t errlen);

/* Frees what policy_export() allocated (a zeroed or freed *p is fine too). */
void policy_prog_free(struct policy_prog *p);

/*
 * Sets no_new_privs and loads p with seccomp(SECCOMP_SET_MODE_FILTER): POLICY_LOAD_TSYNC
 * makes it SECCOMP_FILTER_FLAG_TSYNC. Only raw system calls (no allocation, no libseccomp):
 * safe after fork, in a thread, and under a filter already loaded (which must allow prctl
 * and seccomp). Returns 0 or -errno: -EBUSY when TSYNC fails because another thread has a
 * filter this one cannot follow, -EINVAL for unknown flags.
 */
int policy_prog_load(const struct policy_prog *p, unsigned flags);

/*
 * The standard resolver: ctx is a directory (const char *, or NULL for none) whose files are
 * preferred; a name not found there comes from the policies built into the binary.
 */
int policy_resolve_dir(void *ctx, const char *name, struct policy_text *out);

/* The built-in policies (every seccomp/x86_64 file at build time), sorted by name. */
struct policy_builtin {
	const char *name;
	const char *text;
	size_t len;
};
extern const struct policy_builtin policy_builtins[];
extern const size_t policy_builtin_count;

#endif
