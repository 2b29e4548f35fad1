/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_CONTROL_PROTOCOL_H
#define CROSVM_CONTROL_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

/*
 * The control socket's wire format (version 1). The socket is SOCK_SEQPACKET:
 * one datagram is one message, so a message is never split or merged.
 *
 *   offset 0  le32 magic    CTL_MAGIC ("CVMC")
 *          4  le16 version  CTL_VERSION
 *          6  le16 type     enum ctl_type
 *          8  le32 length   payload bytes after this 16-byte header
 *         12  le32 reserved 0
 *         16  payload       fixed layout per type (below), little endian
 *
 * A client sends one request and reads one response. Every field is checked
 * by ctl_decode(): a wrong magic, version, type, a length that does not match
 * the type's payload, or a datagram longer than CTL_MAX_MSG is refused, and
 * the server answers CTL_RESP_ERR.
 */
#define CTL_MAGIC   0x434d5643u /* "CVMC" in memory order */
#define CTL_VERSION 1
#define CTL_HDR_LEN 16
#define CTL_MAX_MSG 512
#define CTL_ERR_MSG 200 /* bytes of text in an error response, NUL included */

enum ctl_type {
	/* Requests. */
	CTL_REQ_STOP = 1,	   /* no payload */
	CTL_REQ_SUSPEND = 2,	   /* no payload */
	CTL_REQ_RESUME = 3,	   /* no payload */
	CTL_REQ_BALLOON_SET = 4,   /* le64 bytes: target balloon size */
	CTL_REQ_BALLOON_STATS = 5, /* no payload */
	CTL_REQ_DISK_RESIZE = 6,   /* le32 disk index, le32 0, le64 new size in bytes */
	CTL_REQ_POWERBTN = 7,	   /* no payload: press the ACPI power button */
	/* Responses. */
	CTL_RESP_OK = 0x100,		/* no payload */
	CTL_RESP_ERR = 0x101,		/* le32 errno value, then CTL_ERR_MSG bytes of text */
	CTL_RESP_BALLOON_STATS = 0x102, /* struct ctl_balloon_stats */
};

/* Statistics as the guest reports them (VIRTIO_BALLOON_S_* tags index stat[]). */
#define CTL_BALLOON_STATS_MAX 16
struct ctl_balloon_stats {
	uint64_t target_bytes; /* what the host asked for */
	uint64_t actual_bytes; /* what the guest has given back */
	uint64_t valid;	       /* bit n: stat[n] was reported */
	uint64_t stat[CTL_BALLOON_STATS_MAX];
};

struct ctl_msg {
	uint16_t type;
	union {
		uint64_t bytes; /* BALLOON_SET */
		struct {
			uint32_t index;
			uint64_t size;
		} resize;
		struct {
			int32_t err;
			char text[CTL_ERR_MSG];
		} error;
		struct ctl_balloon_stats stats;
	} u;
};

/* Serialises m into buf (at least CTL_MAX_MSG bytes); returns its length, or -1. */
int ctl_encode(const struct ctl_msg *m, uint8_t *buf, size_t cap);
/* Parses and validates one datagram; returns 0 or -1 (why in *why). */
int ctl_decode(const uint8_t *buf, size_t len, struct ctl_msg *m, const char **why);
/* The subcommand name a request type corresponds to (for messages). */
const char *ctl_type_name(uint16_t type);

#endif
