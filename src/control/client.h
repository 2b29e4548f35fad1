/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_CONTROL_CLIENT_H
#define CROSVM_CONTROL_CLIENT_H

#include <stddef.h>

#include "control/protocol.h"

/* How long a client waits for a VM, connecting and answering together (README: 15 s). */
#define CTL_TIMEOUT_MS 15000

/*
 * One request to the VM at path and its checked answer (reply.h), all within
 * timeout_ms: a VM whose connection queue is full, or that never answers, is
 * given up on. Returns 0 with *resp, or a negative errno with one line in err:
 * -EINVAL/-ENAMETOOLONG (the path), -ETIMEDOUT, the connect errno (-ENOENT,
 * -ECONNREFUSED: no VM there), -EPROTO (a malformed or unexpected answer), or
 * the VM's own errno for a refused request.
 */
int ctl_transact(const char *path, const struct ctl_msg *req, struct ctl_msg *resp, int timeout_ms,
		 char *err, size_t errlen);

#endif
