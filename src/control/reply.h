/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_CONTROL_REPLY_H
#define CROSVM_CONTROL_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "control/protocol.h"

/*
 * A client's view of a VM's answer: the answer is untrusted input. It is
 * accepted only when it is the one type that answers the request (or an
 * error); any text from the VM is made safe for a terminal first.
 */

/* The response type that answers a request type (0 for a type that is no request). */
uint16_t ctl_reply_type(uint16_t req_type);

/*
 * Checks resp (already decoded) as the answer to a request of req_type.
 * Returns 0 when it is the expected answer; -EPROTO (err says why) when it is
 * not; or, for an error answer, the VM's errno negated (-EIO when it gave none
 * or an impossible one) with err holding "refused: REASON", the reason escaped.
 */
int ctl_reply_check(uint16_t req_type, const struct ctl_msg *resp, char *err, size_t errlen);

/*
 * Copies the first inlen bytes of in (up to a NUL) into out, NUL-terminated
 * and truncated to fit: printable ASCII as it is, a backslash as "\\", any
 * other byte (control characters, escape sequences, CR, LF, bytes >= 0x7f)
 * as "\xNN". Returns the length written.
 */
size_t ctl_escape(const char *in, size_t inlen, char *out, size_t outlen);

#endif
