// SPDX-License-Identifier: BSD-3-Clause
#include "sandbox/proc_status.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int proc_status_field(pid_t pid, const char *key, char *out, size_t outlen)
{
	char path[64], line[512];
	size_t klen = strlen(key);
	int ret = -1;
	FILE *f;

	if (pid <= 0 || outlen == 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		const char *v;
		size_t vlen;

		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		v = line + klen + 1;
		v += strspn(v, " \t");
		vlen = strcspn(v, "\n");
		if (vlen < outlen) {
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			ret = 0;
		}
		break;
	}
	fclose(f);
	return ret;
}

long proc_rss_kb(pid_t pid)
{
	char v[64], *end;
	long kb;

	/* "VmRSS:	    1234 kB"; kernel threads and zombies have no VmRSS line. */
	if (proc_status_field(pid, "VmRSS", v, sizeof(v)))
		return -1;
	errno = 0;
	kb = strtol(v, &end, 10);
	if (errno || end == v || kb < 0)
		return -1;
	return kb;
}
