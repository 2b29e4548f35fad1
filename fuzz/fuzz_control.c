// SPDX-License-Identifier: BSD-3-Clause
/*
 * The server side of the control socket: the input is one datagram as a
 * client could send it. Whatever it is, the answer must be one well-formed
 * response, and only a valid request may reach the VM's handler.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/protocol.h"
#include "control/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int handled;

static void handle(void *opaque, const struct ctl_msg *req, struct ctl_msg *resp)
{
	uint8_t again[CTL_MAX_MSG];
	struct ctl_msg back;
	const char *why;
	int n;

	handled++;
	if (req->type == 0 || req->type >= CTL_RESP_OK)
		abort(); /* only requests get this far */
	/* What was decoded encodes back to a message that decodes the same. */
	n = ctl_encode(req, again, sizeof(again));
	if (n < 0 || ctl_decode(again, (size_t)n, &back, &why) || memcmp(&back, req, sizeof(back)))
		abort();
	memset(resp, 0, sizeof(*resp));
	resp->type = req->type == CTL_REQ_BALLOON_STATS ? CTL_RESP_BALLOON_STATS : CTL_RESP_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ctl_handler h = {.handle = handle};
	uint8_t out[CTL_MAX_MSG];
	struct ctl_msg resp;
	const char *why;
	int n;

	handled = 0;
	n = ctl_server_process(data, size, out, sizeof(out), &h);
	if (n < CTL_HDR_LEN || ctl_decode(out, (size_t)n, &resp, &why))
		abort(); /* every datagram gets a well-formed answer */
	if (resp.type == CTL_RESP_ERR && handled)
		abort();
	if (resp.type != CTL_RESP_ERR && !handled)
		abort();
	return 0;
}
