/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_UTIL_CONTAINER_OF_H
#define CROSVM_UTIL_CONTAINER_OF_H

#include <stddef.h>

/* The struct of type holding member at ptr (an embedded interface back to its owner). */
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#endif
