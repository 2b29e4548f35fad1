// SPDX-License-Identifier: BSD-3-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devices/serial.h"
#include "devices/serial_stdin.h"
#include "port_bus.h"

static struct serial s;
static struct port_bus pb;
static int pipefd[2];
static int edges;
static bool level;

static void set_level(void *opaque, unsigned gsi, bool l)
{
	if (l && !level)
		edges++;
	level = l;
}

static int setup(void **state)
{
	struct irq_line irq = {set_level, NULL, 4};

	if (pipe(pipefd))
		return -1;
	edges = 0;
	level = false;
	serial_init(&s, "COM1", irq, SERIAL_OUT_FD, pipefd[1]);
	pb_init(&pb);
	pb_add(&pb, 0, 8, &serial_bus_ops, &s);
	return 0;
}

static int teardown(void **state)
{
	close(pipefd[0]);
	close(pipefd[1]);
	return 0;
}

static void test_transmit(void **state)
{
	char out[4] = {0};

	pb_out8(&pb, 0, 'h');
	pb_out8(&pb, 0, 'i');
	assert_int_equal(read(pipefd[0], out, 2), 2);
	assert_string_equal(out, "hi");
	/* Transmitter always empty. */
	assert_int_equal(pb_in8(&pb, 5) & 0x60, 0x60);
}

static void test_ier_probe(void **state)
{
	/* Linux's autoconfig: IER keeps exactly its low four bits. */
	pb_out8(&pb, 1, 0);
	assert_int_equal(pb_in8(&pb, 1), 0);
	pb_out8(&pb, 1, 0xff);
	assert_int_equal(pb_in8(&pb, 1), 0x0f);
	pb_out8(&pb, 1, 0);
}

static void test_dlab(void **state)
{
	pb_out8(&pb, 3, 0x83);
	pb_out8(&pb, 0, 0x01);
	pb_out8(&pb, 1, 0x02);
	assert_int_equal(pb_in8(&pb, 0), 0x01);
	assert_int_equal(pb_in8(&pb, 1), 0x02);
	pb_out8(&pb, 3, 0x03);
	assert_int_equal(pb_in8(&pb, 1), 0); /* IER again */
	assert_int_equal(pb_in8(&pb, 3), 0x03);
}

static void test_fifo_iir(void **state)
{
	assert_int_equal(pb_in8(&pb, 2), 0x01);
	pb_out8(&pb, 2, 0x01); /* enable FIFOs: 16550A reports bits 6-7 */
	assert_int_equal(pb_in8(&pb, 2), 0xc1);
	pb_out8(&pb, 2, 0x00);
	assert_int_equal(pb_in8(&pb, 2), 0x01);
}

static void test_thri(void **state)
{
	/* Enabling THRI with an empty THR raises it; reading IIR acknowledges it. */
	pb_out8(&pb, 1, 0x02);
	assert_int_equal(edges, 1);
	assert_true(level);
	assert_int_equal(pb_in8(&pb, 2) & 0x0f, 0x02);
	assert_false(level);
	assert_int_equal(pb_in8(&pb, 2) & 0x0f, 0x01);
	/* Every byte sent raises it again as a fresh edge. */
	pb_out8(&pb, 0, 'x');
	assert_int_equal(edges, 2);
	pb_out8(&pb, 0, 'y');
	assert_int_equal(edges, 3);
	pb_out8(&pb, 1, 0);
	assert_false(level);
}

static void test_receive(void **state)
{
	uint8_t in[SERIAL_FIFO_SIZE + 8];

	memset(in, 'a', sizeof(in));
	pb_out8(&pb, 1, 0x01); /* RDI */
	assert_int_equal(serial_input(&s, (const uint8_t *)"ok", 2), 2);
	assert_true(level);
	assert_int_equal(pb_in8(&pb, 2) & 0x0f, 0x04);
	assert_int_equal(pb_in8(&pb, 5) & 0x01, 0x01);
	assert_int_equal(pb_in8(&pb, 0), 'o');
	assert_int_equal(pb_in8(&pb, 0), 'k');
	assert_int_equal(pb_in8(&pb, 5) & 0x01, 0);
	assert_false(level);
	/* The FIFO takes what fits and no more. */
	assert_int_equal(serial_input(&s, in, sizeof(in)), SERIAL_FIFO_SIZE);
	assert_int_equal(serial_rx_room(&s), 0);
	pb_in8(&pb, 0);
	assert_int_equal(serial_rx_room(&s), 1);
	/* FCR clear-receive empties it. */
	pb_out8(&pb, 2, 0x03);
	assert_int_equal(serial_rx_room(&s), SERIAL_FIFO_SIZE);
	pb_out8(&pb, 1, 0);
}

static void test_loopback(void **state)
{
	pb_out8(&pb, 4, 0x10 | 0x0b); /* loop, DTR, RTS, OUT2 */
	assert_int_equal(pb_in8(&pb, 6) & 0xf0, 0x20 | 0x10 | 0x80);
	pb_out8(&pb, 0, 'L');
	assert_int_equal(pb_in8(&pb, 5) & 1, 1);
	assert_int_equal(pb_in8(&pb, 0), 'L');
	pb_out8(&pb, 4, 0x0b);
	assert_int_equal(pb_in8(&pb, 6) & 0xb0, 0xb0);
}

static void test_scratch(void **state)
{
	pb_out8(&pb, 7, 0x5a);
	assert_int_equal(pb_in8(&pb, 7), 0x5a);
}

/* type=unix: each line is one datagram, without its line end; a long line is split. */
static void test_datagram_lines(void **state)
{
	struct irq_line irq = {set_level, NULL, 4};
	char buf[512];
	int sv[2];
	ssize_t n;

	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	serial_init(&s, "COM1", irq, SERIAL_OUT_DATAGRAM, sv[0]);
	for (const char *p = "hello\r\nworld\n\npartial"; *p; p++)
		pb_out8(&pb, 0, (uint8_t)*p);
	n = recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "hello", 5);
	n = recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "world", 5);
	assert_int_equal(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), 0);  /* the empty line */
	assert_int_equal(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), -1); /* "partial" waits */
	for (int i = 0; i < 300; i++)
		pb_out8(&pb, 0, 'x');
	n = recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT);
	assert_int_equal(n, 255); /* "partial" and the x's up to the line buffer */
	assert_memory_equal(buf, "partialxxx", 10);
	/* The reader gone: lines are dropped, the guest goes on. */
	close(sv[1]);
	pb_out8(&pb, 0, '\n');
	assert_int_equal(pb_in8(&pb, 5) & 0x20, 0x20);
	close(sv[0]);
}

/* input=: the port reads a file through the feeder, at the pace of its FIFO, up to its end. */
static void test_input_file(void **state)
{
	struct irq_line irq = {set_level, NULL, 4};
	struct serial_stdin f = {0};
	char got[200];
	int p[2];

	serial_init(&s, "COM1", irq, SERIAL_OUT_SINK, -1);
	assert_int_equal(pipe(p), 0);
	for (int i = 0; i < 150; i++)
		assert_int_equal(write(p[1], &"0123456789"[i % 10], 1), 1);
	close(p[1]);
	assert_int_equal(serial_stdin_init(&f, &s, p[0]), 0);
	assert_int_equal(serial_stdin_start(&f), 0);
	/* More than the FIFO holds: the feeder waits for room, nothing is lost. */
	for (int i = 0; i < 150; i++) {
		for (int tries = 0; !(pb_in8(&pb, 5) & 1); tries++) {
			assert_true(tries < 2000);
			poll(NULL, 0, 1);
		}
		got[i] = (char)pb_in8(&pb, 0);
		assert_int_equal(got[i], "0123456789"[i % 10]);
	}
	serial_stdin_stop(&f); /* closes the file */
	assert_int_equal(close(p[0]), -1);
	serial_stdin_stop(&f); /* idempotent */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_transmit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ier_probe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dlab, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_iir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thri, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loopback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scratch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_datagram_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
