// SPDX-License-Identifier: BSD-3-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gdb/packet.h"

static struct gdb_decoder d;

/* Feeds a string; returns the last non-NONE event (NONE if there was none). */
static enum gdb_event feed(const char *s, size_t n)
{
	enum gdb_event last = GDB_EV_NONE;

	for (size_t i = 0; i < n; i++) {
		enum gdb_event e = gdb_decoder_feed(&d, (uint8_t)s[i]);

		if (e != GDB_EV_NONE)
			last = e;
	}
	return last;
}

#define FEED(s) feed(s, sizeof(s) - 1)

static int setup(void **state)
{
	gdb_decoder_init(&d);
	return 0;
}

static void test_plain_packet(void **state)
{
	/* 'g' = 0x67 */
	assert_int_equal(FEED("$g#67"), GDB_EV_PACKET);
	assert_int_equal(d.len, 1);
	assert_string_equal((char *)d.buf, "g");
	/* uppercase checksum digits are accepted too */
	assert_int_equal(FEED("$qSupported#37"), GDB_EV_PACKET);
	assert_string_equal((char *)d.buf, "qSupported");
	assert_int_equal(FEED("$?#3F"), GDB_EV_PACKET);
}

static void test_bad_checksum(void **state)
{
	assert_int_equal(FEED("$g#68"), GDB_EV_BAD_SUM);
	assert_int_equal(FEED("$g#6x"), GDB_EV_BAD_SUM);
	assert_int_equal(FEED("$g#x7"), GDB_EV_BAD_SUM);
	/* and the decoder recovers for the next packet */
	assert_int_equal(FEED("$g#67"), GDB_EV_PACKET);
}

static void test_acks_and_interrupt(void **state)
{
	assert_int_equal(gdb_decoder_feed(&d, '+'), GDB_EV_ACK);
	assert_int_equal(gdb_decoder_feed(&d, '-'), GDB_EV_NACK);
	assert_int_equal(gdb_decoder_feed(&d, 0x03), GDB_EV_INTERRUPT);
	assert_int_equal(gdb_decoder_feed(&d, 'x'), GDB_EV_NONE);
	/* inside a packet these are data */
	assert_int_equal(FEED("$+-#58"), GDB_EV_PACKET);
	assert_string_equal((char *)d.buf, "+-");
}

static void test_escape(void **state)
{
	char pkt[32];
	/* "X0,1:" then '}' '\x03' which decodes to '#' (0x23) */
	const char body[] = "X0,1:}\x03";
	uint8_t sum = 0;

	for (size_t i = 0; i < sizeof(body) - 1; i++)
		sum += (uint8_t)body[i];
	snprintf(pkt, sizeof(pkt), "$%s#%02x", body, sum);
	assert_int_equal(feed(pkt, strlen(pkt)), GDB_EV_PACKET);
	assert_int_equal(d.len, 6);
	assert_memory_equal(d.buf, "X0,1:#", 6);
}

static void test_run_length(void **state)
{
	char pkt[32];
	/* '0' followed by "*" and ' ' (32): 32 - 29 = 3 more zeros */
	const char body[] = "0* 1";
	uint8_t sum = 0;

	for (size_t i = 0; i < sizeof(body) - 1; i++)
		sum += (uint8_t)body[i];
	snprintf(pkt, sizeof(pkt), "$%s#%02x", body, sum);
	assert_int_equal(feed(pkt, strlen(pkt)), GDB_EV_PACKET);
	assert_string_equal((char *)d.buf, "00001");
}

static void test_run_length_malformed(void **state)
{
	/* a repeat with nothing before it: "* " sums to 0x4a */
	assert_int_equal(FEED("$* #4a"), GDB_EV_MALFORMED);
	/* a repeat count that is not printable: "a*\x01" */
	char pkt[16];
	int n = snprintf(pkt, sizeof(pkt), "$a*\x01#%02x", (uint8_t)('a' + '*' + 1));

	assert_int_equal(feed(pkt, (size_t)n), GDB_EV_MALFORMED);
	assert_int_equal(FEED("$g#67"), GDB_EV_PACKET);
}

static void test_oversized(void **state)
{
	static char pkt[GDB_MAX_PACKET + 16];
	uint8_t sum = 0;
	size_t n = 0;

	pkt[n++] = '$';
	for (int i = 0; i < GDB_MAX_PACKET + 1; i++) {
		pkt[n++] = 'a';
		sum += 'a';
	}
	n += (size_t)snprintf(pkt + n, 4, "#%02x", sum);
	assert_int_equal(feed(pkt, n), GDB_EV_MALFORMED);
	assert_true(d.len <= GDB_MAX_PACKET);
	/* exactly the maximum is fine */
	n = 0;
	sum = 0;
	pkt[n++] = '$';
	for (int i = 0; i < GDB_MAX_PACKET; i++) {
		pkt[n++] = 'a';
		sum += 'a';
	}
	n += (size_t)snprintf(pkt + n, 4, "#%02x", sum);
	assert_int_equal(feed(pkt, n), GDB_EV_PACKET);
	assert_int_equal(d.len, GDB_MAX_PACKET);
	assert_int_equal(d.buf[GDB_MAX_PACKET], 0);
}

static void test_oversized_by_repeat(void **state)
{
	/* 4096 bytes of 'a' reached through repeats: each "a*~" adds 1 + 97 */
	static char pkt[GDB_MAX_PACKET];
	uint8_t sum = 0;
	size_t n = 0;

	pkt[n++] = '$';
	for (int i = 0; i < 50; i++) {
		pkt[n++] = 'a';
		pkt[n++] = '*';
		pkt[n++] = '~';
		sum += 'a' + '*' + '~';
	}
	n += (size_t)snprintf(pkt + n, 4, "#%02x", sum);
	assert_int_equal(feed(pkt, n), GDB_EV_MALFORMED);
}

static void test_restart_on_dollar(void **state)
{
	/* a lost '#': the new '$' starts over */
	assert_int_equal(FEED("$garbage$g#67"), GDB_EV_PACKET);
	assert_string_equal((char *)d.buf, "g");
}

static void test_encode_roundtrip(void **state)
{
	const uint8_t payload[] = {'O', 'K', '$', '#', '}', '*', 0, 0xff};
	uint8_t out[64];
	int n = gdb_encode(payload, sizeof(payload), out, sizeof(out));

	assert_true(n > 0);
	assert_int_equal(out[0], '$');
	/* 8 bytes, 4 escaped: 1 + 12 + 3 */
	assert_int_equal(n, 16);
	assert_int_equal(feed((char *)out, (size_t)n), GDB_EV_PACKET);
	assert_int_equal(d.len, sizeof(payload));
	assert_memory_equal(d.buf, payload, sizeof(payload));

	n = gdb_encode("OK", 2, out, sizeof(out));
	assert_int_equal(n, 6);
	assert_memory_equal(out, "$OK#9a", 6);
	assert_int_equal(gdb_encode("", 0, out, sizeof(out)), 4);
	assert_memory_equal(out, "$#00", 4);
}

static void test_encode_nospace(void **state)
{
	uint8_t out[6];

	assert_int_equal(gdb_encode("OK", 2, out, 6), 6);
	assert_int_equal(gdb_encode("OK", 2, out, 5), -ENOSPC);
	assert_int_equal(gdb_encode("#", 1, out, 5), -ENOSPC);
	assert_int_equal(gdb_encode("", 0, out, 3), -ENOSPC);
}

static void test_hex(void **state)
{
	const uint8_t b[] = {0x00, 0xab, 0x7f};
	char s[7] = {0};
	uint8_t back[3];
	const char *p;
	uint64_t v;

	gdb_hex_encode(b, 3, s);
	assert_string_equal(s, "00ab7f");
	assert_int_equal(gdb_hex_decode("00AB7f", 3, back), 0);
	assert_memory_equal(back, b, 3);
	assert_int_equal(gdb_hex_decode("0g", 1, back), -EINVAL);
	assert_int_equal(gdb_hex_decode("0", 1, back), -EINVAL);

	p = "ffffffff81000000,4";
	assert_int_equal(gdb_parse_hex(&p, &v), 0);
	assert_true(v == 0xffffffff81000000ull);
	assert_string_equal(p, ",4");
	p = "10000000000000000";
	assert_int_equal(gdb_parse_hex(&p, &v), -EINVAL);
	p = ",4";
	assert_int_equal(gdb_parse_hex(&p, &v), -EINVAL);
	assert_string_equal(p, ",4");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_plain_packet, setup),
		cmocka_unit_test_setup(test_bad_checksum, setup),
		cmocka_unit_test_setup(test_acks_and_interrupt, setup),
		cmocka_unit_test_setup(test_escape, setup),
		cmocka_unit_test_setup(test_run_length, setup),
		cmocka_unit_test_setup(test_run_length_malformed, setup),
		cmocka_unit_test_setup(test_oversized, setup),
		cmocka_unit_test_setup(test_oversized_by_repeat, setup),
		cmocka_unit_test_setup(test_restart_on_dollar, setup),
		cmocka_unit_test_setup(test_encode_roundtrip, setup),
		cmocka_unit_test_setup(test_encode_nospace, setup),
		cmocka_unit_test_setup(test_hex, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
