/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_UTIL_TERM_H
#define CROSVM_UTIL_TERM_H

#include <stdbool.h>

/* Puts stdin in raw mode if it is a terminal; the original mode is restored by term_restore(). */
int term_set_raw(void);
/* false when stdin is a terminal owned by another process group (we are a background job). */
bool term_stdin_usable(void);
/* Idempotent and async-signal-safe, so it can run on every exit path. */
void term_restore(void);

#endif
