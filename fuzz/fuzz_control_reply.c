// SPDX-License-Identifier: BSD-3-Clause
/*
 * The client side of the control socket: the input is a request type (first
 * byte) and one answer datagram as a hostile VM could send it. The answer is
 * accepted only as the one type that answers that request; any text the
 * client would print from it is printable ASCII.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/protocol.h"
#include "control/reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t requests[] = {
	CTL_REQ_STOP,	     CTL_REQ_SUSPEND,	    CTL_REQ_RESUME,
	CTL_REQ_BALLOON_SET, CTL_REQ_BALLOON_STATS, CTL_REQ_DISK_RESIZE,
};

static void check_printable(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512], esc[64];
	struct ctl_msg resp;
	const char *why;
	uint16_t req;
	int r;

	if (size < 1)
		return 0;
	req = requests[data[0] % (sizeof(requests) / sizeof(requests[0]))];
	/* The escaper alone, on the raw bytes, with a small buffer. */
	ctl_escape((const char *)data + 1, size - 1, esc, sizeof(esc));
	check_printable(esc);
	if (ctl_decode(data + 1, size - 1, &resp, &why))
		return 0;
	memset(err, 0, sizeof(err));
	r = ctl_reply_check(req, &resp, err, sizeof(err));
	if (r == 0) {
		/* Success only for the expected answer. */
		if (resp.type != ctl_reply_type(req))
			abort();
		if (resp.type == CTL_RESP_BALLOON_STATS &&
		    (resp.u.stats.valid >> CTL_BALLOON_STATS_MAX))
			abort();
		return 0;
	}
	if (r >= 0 || -r > 4095)
		abort();
	if (resp.type != CTL_RESP_ERR && r != -EPROTO)
		abort();
	check_printable(err);
	if (!err[0])
		abort();
	return 0;
}
