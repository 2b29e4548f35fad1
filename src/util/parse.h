/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_UTIL_PARSE_H
#define CROSVM_UTIL_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* Whole-string unsigned decimal (0777 is 777, 0x10 is junk); false on junk, sign or overflow. */
bool parse_u64(const char *s, uint64_t *out);
/* A decimal byte count with an optional K/M/G suffix (binary units); false on junk or overflow. */
bool parse_size(const char *s, uint64_t *out);
/* "true"/"false" (also "1"/"0", "yes"/"no"). */
bool parse_bool(const char *s, bool *out);

#endif
