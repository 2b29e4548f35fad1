// SPDX-License-Identifier: BSD-3-Clause
/*
 * A libseccomp filter as a plain BPF program, and loading one without libseccomp.
 *
 * libseccomp allocates while it loads a filter (it generates the program then), which a
 * process cannot afford in every place it wants a filter: after fork in a multithreaded
 * parent, or in a thread. Exporting first leaves only a prctl and a seccomp call to make.
 *
 * The exported program may get a prefix that lets one instruction pointer through: classic
 * BPF jumps are relative and only go forward, so the policy's program works unchanged behind
 * instructions of our own, as long as those jump only within themselves or to its start.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/policy.h"

/* The halves of the 64-bit seccomp_data.instruction_pointer, in the task's byte order. */
#define IP_OFF offsetof(struct seccomp_data, instruction_pointer)
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define IP_LO IP_OFF
#define IP_HI (IP_OFF + sizeof(uint32_t))
#else
#define IP_LO (IP_OFF + sizeof(uint32_t))
#define IP_HI IP_OFF
#endif

enum { PREFIX_LEN = 7 };

/*
 * Allows x86_64 calls from allow_ip; anything else falls through to the policy, whose first
 * instruction follows the prefix (a jump offset counts from the next instruction).
 */
static void allow_ip_prefix(uint64_t allow_ip, struct sock_filter *out)
{
	const struct sock_filter prefix[PREFIX_LEN] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 5),
		/* 2 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, IP_LO),
		/* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)allow_ip, 0, 3),
		/* 4 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, IP_HI),
		/* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(allow_ip >> 32), 0, 1),
		/* 6 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* 7: the policy */
	};

	memcpy(out, prefix, sizeof(prefix));
}

int policy_export(scmp_filter_ctx filter, uint64_t allow_ip, struct policy_prog *out, char *err,
		  size_t errlen)
{
	size_t skip = allow_ip ? PREFIX_LEN : 0, n, got = 0;
	struct sock_filter *insns = NULL;
	struct stat st;
	int fd, rc;

	*out = (struct policy_prog){NULL, 0};
	fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "seccomp: cannot export the filter: memfd_create: %s",
			 strerror(errno));
		return -1;
	}
	rc = seccomp_export_bpf(filter, fd);
	if (rc) {
		snprintf(err, errlen, "seccomp: cannot export the filter: %s", strerror(-rc));
		goto fail;
	}
	if (fstat(fd, &st)) {
		snprintf(err, errlen, "seccomp: cannot export the filter: fstat: %s",
			 strerror(errno));
		goto fail;
	}
	if (st.st_size <= 0 || st.st_size % sizeof(*insns)) {
		snprintf(err, errlen,
			 "seccomp: libseccomp exported %lld bytes, not a whole BPF program",
			 (long long)st.st_size);
		goto fail;
	}
	n = (size_t)st.st_size / sizeof(*insns);
	if (n + skip > BPF_MAXINSNS) {
		snprintf(err, errlen,
			 "seccomp: the filter is %zu BPF instructions%s, the kernel takes at most "
			 "%d",
			 n + skip, skip ? " with the allow_ip prefix" : "", BPF_MAXINSNS);
		goto fail;
	}
	insns = calloc(n + skip, sizeof(*insns));
	if (!insns) {
		snprintf(err, errlen, "seccomp: cannot export the filter: out of memory");
		goto fail;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = pread(fd, (char *)(insns + skip) + got, (size_t)st.st_size - got,
				  (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "seccomp: cannot read the exported filter: %s",
				 r ? strerror(errno) : "short read");
			goto fail;
		}
		got += (size_t)r;
	}
	if (skip)
		allow_ip_prefix(allow_ip, insns);
	close(fd);
	*out = (struct policy_prog){insns, (unsigned short)(n + skip)};
	return 0;
fail:
	free(insns);
	close(fd);
	return -1;
}

void policy_prog_free(struct policy_prog *p)
{
	if (!p)
		return;
	free(p->insns);
	*p = (struct policy_prog){NULL, 0};
}

int policy_prog_load(const struct policy_prog *p, unsigned flags)
{
	struct sock_fprog prog = {.len = p->len, .filter = p->insns};
	unsigned kflags = 0;
	long rc;

	if (flags & ~(unsigned)POLICY_LOAD_TSYNC)
		return -EINVAL;
	if (flags & POLICY_LOAD_TSYNC)
		kflags |= SECCOMP_FILTER_FLAG_TSYNC;
	/* Unprivileged processes may only install a filter with no_new_privs set. */
	if (syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L))
		return -errno;
	rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, kflags, &prog);
	if (rc < 0)
		return -errno;
	/* TSYNC names the thread that could not follow (one with an unrelated filter). */
	return rc ? -EBUSY : 0;
}
