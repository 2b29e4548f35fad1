/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_UTIL_MACROS_H
#define CROSVM_UTIL_MACROS_H

#include <stddef.h>

/* The struct of type holding member at ptr (an embedded interface back to its owner). */
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/* Elements of an array (not a pointer). */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
