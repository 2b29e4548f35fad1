// SPDX-License-Identifier: BSD-3-Clause
/* Validating a VM's answer on the client side; see reply.h. */
#include "control/reply.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* errno values a VM may send back; anything else is reported as EIO. */
#define MAX_ERRNO 4095

uint16_t ctl_reply_type(uint16_t req_type)
{
	switch (req_type) {
	case CTL_REQ_STOP:
	case CTL_REQ_SUSPEND:
	case CTL_REQ_RESUME:
	case CTL_REQ_BALLOON_SET:
	case CTL_REQ_DISK_RESIZE:
	case CTL_REQ_POWERBTN:
		return CTL_RESP_OK;
	case CTL_REQ_BALLOON_STATS:
		return CTL_RESP_BALLOON_STATS;
	default:
		return 0;
	}
}

size_t ctl_escape(const char *in, size_t inlen, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (!outlen)
		return 0;
	for (size_t i = 0; i < inlen && in[i]; i++) {
		unsigned char c = (unsigned char)in[i];
		char esc[4];
		size_t n = 1;

		if (c == '\\') {
			esc[0] = esc[1] = '\\';
			n = 2;
		} else if (c >= 0x20 && c < 0x7f) {
			esc[0] = (char)c;
		} else {
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hex[c >> 4];
			esc[3] = hex[c & 15];
			n = 4;
		}
		if (o + n >= outlen)
			break; /* never half an escape */
		memcpy(out + o, esc, n);
		o += n;
	}
	out[o] = '\0';
	return o;
}

static const char *type_name(uint16_t type)
{
	switch (type) {
	case CTL_RESP_OK:
		return "OK";
	case CTL_RESP_ERR:
		return "error";
	case CTL_RESP_BALLOON_STATS:
		return "balloon statistics";
	default:
		return ctl_type_name(type);
	}
}

static int refused(const struct ctl_msg *resp, char *err, size_t errlen)
{
	int e = resp->u.error.err;
	char reason[4 * CTL_ERR_MSG];

	if (e <= 0 || e > MAX_ERRNO)
		e = EIO;
	ctl_escape(resp->u.error.text, sizeof(resp->u.error.text), reason, sizeof(reason));
	if (reason[0])
		snprintf(err, errlen, "refused: %s", reason);
	else
		snprintf(err, errlen, "refused, without a reason (error %d: %s)", e, strerror(e));
	return -e;
}

int ctl_reply_check(uint16_t req_type, const struct ctl_msg *resp, char *err, size_t errlen)
{
	uint16_t want = ctl_reply_type(req_type);

	if (resp->type == CTL_RESP_ERR)
		return refused(resp, err, errlen);
	if (!want || resp->type != want) {
		snprintf(err, errlen, "bad answer: %s (%#x) to a %s request, expected %s",
			 type_name(resp->type), resp->type, ctl_type_name(req_type),
			 want ? type_name(want) : "none");
		return -EPROTO;
	}
	if (want == CTL_RESP_BALLOON_STATS && (resp->u.stats.valid >> CTL_BALLOON_STATS_MAX) != 0) {
		snprintf(err, errlen, "bad answer: statistics flagged beyond the %d known",
			 CTL_BALLOON_STATS_MAX);
		return -EPROTO;
	}
	return 0;
}
