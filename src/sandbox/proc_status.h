/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_SANDBOX_PROC_STATUS_H
#define CROSVM_SANDBOX_PROC_STATUS_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Copies the value of field key ("VmRSS", "Seccomp", ...) of /proc/<pid>/status
 * into out, without the leading whitespace or the newline. Returns 0, or -1 when
 * the process or the field is not there (or out is too small).
 */
int proc_status_field(pid_t pid, const char *key, char *out, size_t outlen);

/* Resident set size of pid in KiB (VmRSS), or -1. */
long proc_rss_kb(pid_t pid);

#endif
