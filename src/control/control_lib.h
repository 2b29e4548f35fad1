/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_CONTROL_CONTROL_LIB_H
#define CROSVM_CONTROL_CONTROL_LIB_H

/* libcrosvm_control's internals that are not its public API (not exported). */

#include "control/crosvm_control.h"
#include "control/protocol.h"

/* The timeout of every call without one of its own (CTL_TIMEOUT_MS; ms <= 0 restores it). */
void ctl_lib_set_timeout_ms(int ms);
int ctl_lib_timeout_ms(void);
/*
 * Presses the VM's ACPI power button (crosvm powerbtn). crosvm's
 * crosvm_control.h has no such function, so neither does the public API.
 */
bool ctl_lib_powerbtn(const char *socket_path);
/* Our statistics as crosvm's BalloonStatsFfi (-1 where none was reported). */
void ctl_lib_stats_ffi(const struct ctl_balloon_stats *s, struct BalloonStatsFfi *out);

#endif
