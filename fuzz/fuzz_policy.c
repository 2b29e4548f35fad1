// SPDX-License-Identifier: BSD-3-Clause
/*
 * Seccomp policy text: the input is a policy file, parsed and compiled to a libseccomp
 * filter (never loaded). Its includes are served from a few fixed files (one including
 * itself, one including the built-ins), and any other name from the built-in policies.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t *data;
	size_t size;
};

static int resolve(void *ctx, const char *name, struct policy_text *out)
{
	static const struct {
		const char *name, *text;
	} fixed[] = {
		{"a.policy", "close: 1\nfutex: arg1 & FUTEX_PRIVATE_FLAG\n"},
		{"loop.policy", "@include loop.policy\n"},
		{"dev.policy", "@include common_device.policy\ngetrandom: 1\n"},
		{"bad.policy", "read: arg9 == 1\n"},
	};
	const struct input *in = ctx;

	if (!strcmp(name, "fuzz.policy")) {
		*out = (struct policy_text){.data = (const char *)in->data, .len = in->size};
		return 0;
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (!strcmp(name, fixed[i].name)) {
			*out = (struct policy_text){.data = fixed[i].text,
						    .len = strlen(fixed[i].text)};
			return 0;
		}
	}
	return policy_resolve_dir(NULL, name, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	scmp_filter_ctx f;
	char err[256];

	/* All three modes, by the input's length. */
	enum policy_mode mode = (enum policy_mode)(size % 3);

	memset(err, 0, sizeof(err));
	if (policy_compile("fuzz.policy", resolve, &in, mode, &f, err, sizeof(err)) == 0) {
		if (!f)
			abort();
		seccomp_release(f);
	} else if (f || !err[0] || strchr(err, '\n') || !strchr(err, ':')) {
		abort(); /* every error is one non-empty "FILE:LINE: reason" line */
	}
	return 0;
}
