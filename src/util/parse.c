// SPDX-License-Identifier: BSD-3-Clause
#include "util/parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	/* Digits only: no sign, space or 0x; a leading 0 is not octal. */
	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

bool parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "true") || !strcmp(s, "1") || !strcmp(s, "yes")) {
		*out = true;
		return true;
	}
	if (!strcmp(s, "false") || !strcmp(s, "0") || !strcmp(s, "no")) {
		*out = false;
		return true;
	}
	return false;
}

/* A byte count with an optional K/M/G suffix (binary units). */
bool parse_size(const char *s, uint64_t *out)
{
	char num[32];
	size_t n = strlen(s);
	unsigned shift = 0;

	if (n == 0 || n >= sizeof(num))
		return false;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 'K':
	case 'k':
		shift = 10;
		break;
	case 'M':
	case 'm':
		shift = 20;
		break;
	case 'G':
	case 'g':
		shift = 30;
		break;
	default:
		break;
	}
	if (shift)
		num[n - 1] = '\0';
	if (!parse_u64(num, out) || *out > (UINT64_MAX >> shift))
		return false;
	*out <<= shift;
	return true;
}
