// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>

#include "gdb/packet.h"

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void gdb_decoder_init(struct gdb_decoder *d)
{
	d->state = GDB_DEC_IDLE;
	d->sum = 0;
	d->got_sum = 0;
	d->bad = false;
	d->bad_hex = false;
	d->len = 0;
	d->buf[0] = 0;
}

static void put(struct gdb_decoder *d, uint8_t c)
{
	if (d->len >= GDB_MAX_PACKET) {
		d->bad = true; /* keep reading to the '#', but store nothing more */
		return;
	}
	d->buf[d->len++] = c;
}

static void start(struct gdb_decoder *d)
{
	gdb_decoder_init(d);
	d->state = GDB_DEC_DATA;
}

enum gdb_event gdb_decoder_feed(struct gdb_decoder *d, uint8_t c)
{
	int v;

	switch (d->state) {
	case GDB_DEC_IDLE:
		if (c == '$')
			start(d);
		else if (c == '+')
			return GDB_EV_ACK;
		else if (c == '-')
			return GDB_EV_NACK;
		else if (c == 0x03)
			return GDB_EV_INTERRUPT;
		/* anything else between packets is line noise */
		return GDB_EV_NONE;
	case GDB_DEC_DATA:
		if (c == '$') { /* a new packet restarts: the previous one was lost */
			start(d);
			return GDB_EV_NONE;
		}
		if (c == '#') {
			d->state = GDB_DEC_SUM1;
			return GDB_EV_NONE;
		}
		d->sum += c;
		if (c == '}')
			d->state = GDB_DEC_ESCAPE;
		else if (c == '*')
			d->state = GDB_DEC_REPEAT;
		else
			put(d, c);
		return GDB_EV_NONE;
	case GDB_DEC_ESCAPE:
		if (c == '$' || c == '#') { /* escape cut short by framing */
			d->bad = true;
			d->state = GDB_DEC_DATA;
			return gdb_decoder_feed(d, c);
		}
		d->sum += c;
		put(d, c ^ 0x20);
		d->state = GDB_DEC_DATA;
		return GDB_EV_NONE;
	case GDB_DEC_REPEAT:
		if (c == '$' || c == '#') {
			d->bad = true;
			d->state = GDB_DEC_DATA;
			return gdb_decoder_feed(d, c);
		}
		d->sum += c;
		d->state = GDB_DEC_DATA;
		/* n - 29 more copies; the protocol keeps n printable (' '..'~') */
		if (d->len == 0 || c < ' ' || c > '~') {
			d->bad = true;
			return GDB_EV_NONE;
		}
		for (int i = 0; i < c - 29; i++)
			put(d, d->buf[d->len - 1]);
		return GDB_EV_NONE;
	case GDB_DEC_SUM1:
		v = hexval(c);
		d->bad_hex = v < 0;
		d->got_sum = (uint8_t)((v < 0 ? 0 : v) << 4);
		d->state = GDB_DEC_SUM2;
		return GDB_EV_NONE;
	case GDB_DEC_SUM2:
		v = hexval(c);
		d->state = GDB_DEC_IDLE;
		d->buf[d->len] = 0;
		if (v < 0 || d->bad_hex || (uint8_t)(d->got_sum | v) != d->sum)
			return GDB_EV_BAD_SUM;
		return d->bad ? GDB_EV_MALFORMED : GDB_EV_PACKET;
	}
	return GDB_EV_NONE;
}

static const char hexdig[] = "0123456789abcdef";

int gdb_encode(const void *payload, size_t len, uint8_t *out, size_t cap)
{
	const uint8_t *p = payload;
	uint8_t sum = 0;
	size_t o = 0;

	if (cap < 4)
		return -ENOSPC;
	out[o++] = '$';
	for (size_t i = 0; i < len; i++) {
		uint8_t c = p[i];
		bool esc = c == '$' || c == '#' || c == '}' || c == '*';

		if (o + (esc ? 2 : 1) + 3 > cap)
			return -ENOSPC;
		if (esc) {
			out[o++] = '}';
			sum += '}';
			c ^= 0x20;
		}
		out[o++] = c;
		sum += c;
	}
	out[o++] = '#';
	out[o++] = (uint8_t)hexdig[sum >> 4];
	out[o++] = (uint8_t)hexdig[sum & 15];
	return (int)o;
}

void gdb_hex_encode(const void *src, size_t n, char *dst)
{
	const uint8_t *s = src;

	for (size_t i = 0; i < n; i++) {
		dst[2 * i] = hexdig[s[i] >> 4];
		dst[2 * i + 1] = hexdig[s[i] & 15];
	}
}

int gdb_hex_decode(const char *src, size_t n, void *dst)
{
	uint8_t *d = dst;

	for (size_t i = 0; i < n; i++) {
		int hi = hexval((uint8_t)src[2 * i]);
		int lo = hi < 0 ? -1 : hexval((uint8_t)src[2 * i + 1]);

		if (lo < 0)
			return -EINVAL;
		d[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int gdb_parse_hex(const char **p, uint64_t *val)
{
	const char *s = *p;
	uint64_t v = 0;
	int n = 0;
	int h;

	while ((h = hexval((uint8_t)*s)) >= 0) {
		if (++n > 16)
			return -EINVAL;
		v = v << 4 | (uint64_t)h;
		s++;
	}
	if (n == 0)
		return -EINVAL;
	*p = s;
	*val = v;
	return 0;
}
