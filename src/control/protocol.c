// SPDX-License-Identifier: BSD-3-Clause
/* Encoding and validating control messages; see protocol.h for the layout. */
#include "control/protocol.h"

#include <endian.h>
#include <string.h>

static void put16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return le16toh(v);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

#define STATS_LEN ((3 + CTL_BALLOON_STATS_MAX) * 8)

/* The exact payload length of each type, or -1 for an unknown type. */
static int payload_len(uint16_t type)
{
	switch (type) {
	case CTL_REQ_STOP:
	case CTL_REQ_SUSPEND:
	case CTL_REQ_RESUME:
	case CTL_REQ_BALLOON_STATS:
	case CTL_REQ_POWERBTN:
	case CTL_RESP_OK:
		return 0;
	case CTL_REQ_BALLOON_SET:
		return 8;
	case CTL_REQ_DISK_RESIZE:
		return 16;
	case CTL_RESP_ERR:
		return 4 + CTL_ERR_MSG;
	case CTL_RESP_BALLOON_STATS:
		return STATS_LEN;
	default:
		return -1;
	}
}

_Static_assert(CTL_HDR_LEN + STATS_LEN <= CTL_MAX_MSG, "the largest message fits");

int ctl_encode(const struct ctl_msg *m, uint8_t *buf, size_t cap)
{
	int len = payload_len(m->type);
	uint8_t *p = buf + CTL_HDR_LEN;

	if (len < 0 || cap < (size_t)(CTL_HDR_LEN + len))
		return -1;
	memset(buf, 0, (size_t)(CTL_HDR_LEN + len));
	put32(buf, CTL_MAGIC);
	put16(buf + 4, CTL_VERSION);
	put16(buf + 6, m->type);
	put32(buf + 8, (uint32_t)len);
	switch (m->type) {
	case CTL_REQ_BALLOON_SET:
		put64(p, m->u.bytes);
		break;
	case CTL_REQ_DISK_RESIZE:
		put32(p, m->u.resize.index);
		put64(p + 8, m->u.resize.size);
		break;
	case CTL_RESP_ERR:
		put32(p, (uint32_t)m->u.error.err);
		/* Always NUL-terminated on the wire (the buffer was zeroed above). */
		memcpy(p + 4, m->u.error.text, strnlen(m->u.error.text, CTL_ERR_MSG - 1));
		break;
	case CTL_RESP_BALLOON_STATS:
		put64(p, m->u.stats.target_bytes);
		put64(p + 8, m->u.stats.actual_bytes);
		put64(p + 16, m->u.stats.valid);
		for (size_t i = 0; i < CTL_BALLOON_STATS_MAX; i++)
			put64(p + 24 + 8 * i, m->u.stats.stat[i]);
		break;
	default:
		break;
	}
	return CTL_HDR_LEN + len;
}

int ctl_decode(const uint8_t *buf, size_t len, struct ctl_msg *m, const char **why)
{
	const uint8_t *p = buf + CTL_HDR_LEN;
	int want;

	memset(m, 0, sizeof(*m));
	if (len < CTL_HDR_LEN) {
		*why = "message shorter than its header";
		return -1;
	}
	if (len > CTL_MAX_MSG) {
		*why = "message too long";
		return -1;
	}
	if (get32(buf) != CTL_MAGIC) {
		*why = "bad magic (not a crosvm control message)";
		return -1;
	}
	if (get16(buf + 4) != CTL_VERSION) {
		*why = "unsupported protocol version";
		return -1;
	}
	m->type = get16(buf + 6);
	want = payload_len(m->type);
	if (want < 0) {
		*why = "unknown message type";
		return -1;
	}
	if (get32(buf + 8) != (uint32_t)want || len != (size_t)(CTL_HDR_LEN + want)) {
		*why = "payload length does not match the message type";
		return -1;
	}
	if (get32(buf + 12) != 0) {
		*why = "reserved header field is not zero";
		return -1;
	}
	switch (m->type) {
	case CTL_REQ_BALLOON_SET:
		m->u.bytes = get64(p);
		break;
	case CTL_REQ_DISK_RESIZE:
		if (get32(p + 4) != 0) {
			*why = "reserved resize field is not zero";
			return -1;
		}
		m->u.resize.index = get32(p);
		m->u.resize.size = get64(p + 8);
		break;
	case CTL_RESP_ERR:
		m->u.error.err = (int32_t)get32(p);
		memcpy(m->u.error.text, p + 4, CTL_ERR_MSG);
		m->u.error.text[CTL_ERR_MSG - 1] = '\0';
		break;
	case CTL_RESP_BALLOON_STATS:
		m->u.stats.target_bytes = get64(p);
		m->u.stats.actual_bytes = get64(p + 8);
		m->u.stats.valid = get64(p + 16);
		for (size_t i = 0; i < CTL_BALLOON_STATS_MAX; i++)
			m->u.stats.stat[i] = get64(p + 24 + 8 * i);
		break;
	default:
		break;
	}
	return 0;
}

const char *ctl_type_name(uint16_t type)
{
	switch (type) {
	case CTL_REQ_STOP:
		return "stop";
	case CTL_REQ_SUSPEND:
		return "suspend";
	case CTL_REQ_RESUME:
		return "resume";
	case CTL_REQ_BALLOON_SET:
		return "balloon";
	case CTL_REQ_BALLOON_STATS:
		return "balloon_stats";
	case CTL_REQ_DISK_RESIZE:
		return "disk resize";
	case CTL_REQ_POWERBTN:
		return "powerbtn";
	default:
		return "unknown";
	}
}
