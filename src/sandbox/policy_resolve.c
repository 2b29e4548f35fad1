// SPDX-License-Identifier: BSD-3-Clause
/* The standard policy resolver: a directory first (--seccomp-policy-dir), then the built-ins. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/policy.h"

/* Policies are a few KiB; anything this big is not one. */
#define MAX_POLICY_FILE (1u << 20)

static int read_policy(const char *dir, const char *name, struct policy_text *out)
{
	char path[PATH_MAX];
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd, n = snprintf(path, sizeof(path), "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	/* O_NONBLOCK: a FIFO planted in the directory must not hang us; it is refused below. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		int e = errno;

		close(fd);
		return -e;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > MAX_POLICY_FILE) {
		close(fd);
		return S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) /* shrank under us: parse what is there */
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*out = (struct policy_text){.data = buf, .len = got, .owned = buf};
	return 0;
}

int policy_resolve_dir(void *ctx, const char *name, struct policy_text *out)
{
	const char *dir = ctx;

	/* Names are base names (policy_parse strips include paths): no escaping the directory. */
	if (!*name || strchr(name, '/') || !strcmp(name, "..") || !strcmp(name, "."))
		return -EINVAL;
	if (dir && *dir) {
		int rc = read_policy(dir, name, out);

		if (rc != -ENOENT)
			return rc;
	}
	for (size_t i = 0; i < policy_builtin_count; i++) {
		if (!strcmp(policy_builtins[i].name, name)) {
			*out = (struct policy_text){.data = policy_builtins[i].text,
						    .len = policy_builtins[i].len};
			return 0;
		}
	}
	return -ENOENT;
}
