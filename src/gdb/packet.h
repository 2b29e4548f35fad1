/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CROSVM_GDB_PACKET_H
#define CROSVM_GDB_PACKET_H

/*
 * The GDB remote serial protocol's framing: "$payload#xx" with a two-digit hex
 * checksum, '}' escapes (next byte XOR 0x20), run-length "c*n" (n - 29 more copies
 * of c), acks '+'/'-' and the 0x03 interrupt byte. The decoder is fed one byte at a
 * time from the socket and never holds more than GDB_MAX_PACKET decoded bytes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Advertised as PacketSize; anything longer (decoded) is refused whole. */
#define GDB_MAX_PACKET 4096

enum gdb_event {
	GDB_EV_NONE,	  /* byte consumed, nothing complete yet */
	GDB_EV_PACKET,	  /* a packet with a good checksum: payload in buf[0..len) */
	GDB_EV_BAD_SUM,	  /* a complete packet whose checksum is wrong: send '-' */
	GDB_EV_MALFORMED, /* oversized, or a bad escape/repeat: send '+' and an error reply */
	GDB_EV_ACK,	  /* '+' outside a packet */
	GDB_EV_NACK,	  /* '-' outside a packet: resend the last reply */
	GDB_EV_INTERRUPT, /* 0x03 outside a packet */
};

enum gdb_dec_state {
	GDB_DEC_IDLE,
	GDB_DEC_DATA,
	GDB_DEC_ESCAPE,
	GDB_DEC_REPEAT,
	GDB_DEC_SUM1,
	GDB_DEC_SUM2,
};

struct gdb_decoder {
	enum gdb_dec_state state;
	uint8_t sum;	 /* running sum of the raw bytes between '$' and '#' */
	uint8_t got_sum; /* the transmitted checksum, as far as read */
	bool bad;	 /* the packet is malformed; still read up to its checksum */
	bool bad_hex;	 /* a checksum digit was not hex */
	size_t len;	 /* decoded bytes in buf */
	uint8_t buf[GDB_MAX_PACKET + 1]; /* +1: always NUL-terminated for the parser */
};

void gdb_decoder_init(struct gdb_decoder *d);

/* Feeds one byte; returns what it completed. */
enum gdb_event gdb_decoder_feed(struct gdb_decoder *d, uint8_t byte);

/*
 * Frames payload[0..len) as "$...#xx" into out (escaping '$', '#', '}' and '*'),
 * returning the framed length or -ENOSPC when cap is too small.
 */
int gdb_encode(const void *payload, size_t len, uint8_t *out, size_t cap);

/* Lowercase hex of src[0..n) into dst (2n chars, no NUL). */
void gdb_hex_encode(const void *src, size_t n, char *dst);

/* Decodes exactly 2n hex chars from src into dst; -EINVAL on a non-hex char. */
int gdb_hex_decode(const char *src, size_t n, void *dst);

/*
 * Parses a hex number at *p (at least one digit, at most 16), advancing *p past it;
 * -EINVAL when there is no digit or it would overflow 64 bits.
 */
int gdb_parse_hex(const char **p, uint64_t *val);

#endif
