/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_FUZZ_INPUT_H
#define CROSVM_FUZZ_INPUT_H

/* Reading a fuzz input front to back; bytes past its end read as zero. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct input {
	const uint8_t *p;
	size_t left;
};

static inline void take(struct input *in, void *dst, size_t n)
{
	size_t k = n < in->left ? n : in->left;

	memset(dst, 0, n);
	memcpy(dst, in->p, k);
	in->p += k;
	in->left -= k;
}

static inline uint8_t take8(struct input *in)
{
	uint8_t v;

	take(in, &v, 1);
	return v;
}

#endif
