// SPDX-License-Identifier: BSD-3-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <unistd.h>

#include "devices/serial.h"

static struct serial s;
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
	return 0;
}

static int teardown(void **state)
{
	close(pipefd[0]);
	close(pipefd[1]);
	return 0;
}

static uint8_t rd(unsigned reg)
{
	uint8_t v;

	serial_bus_ops.read(&s, reg, &v, 1);
	return v;
}

static void wr(unsigned reg, uint8_t v)
{
	serial_bus_ops.write(&s, reg, &v, 1);
}

static void test_transmit(void **state)
{
	char out[4] = {0};

	wr(0, 'h');
	wr(0, 'i');
	assert_int_equal(read(pipefd[0], out, 2), 2);
	assert_string_equal(out, "hi");
	/* Transmitter always empty. */
	assert_int_equal(rd(5) & 0x60, 0x60);
}

static void test_ier_probe(void **state)
{
	/* Linux's autoconfig: IER keeps exactly its low four bits. */
	wr(1, 0);
	assert_int_equal(rd(1), 0);
	wr(1, 0xff);
	assert_int_equal(rd(1), 0x0f);
	wr(1, 0);
}

static void test_dlab(void **state)
{
	wr(3, 0x83);
	wr(0, 0x01);
	wr(1, 0x02);
	assert_int_equal(rd(0), 0x01);
	assert_int_equal(rd(1), 0x02);
	wr(3, 0x03);
	assert_int_equal(rd(1), 0); /* IER again */
	assert_int_equal(rd(3), 0x03);
}

static void test_fifo_iir(void **state)
{
	assert_int_equal(rd(2), 0x01);
	wr(2, 0x01); /* enable FIFOs: 16550A reports bits 6-7 */
	assert_int_equal(rd(2), 0xc1);
	wr(2, 0x00);
	assert_int_equal(rd(2), 0x01);
}

static void test_thri(void **state)
{
	/* Enabling THRI with an empty THR raises it; reading IIR acknowledges it. */
	wr(1, 0x02);
	assert_int_equal(edges, 1);
	assert_true(level);
	assert_int_equal(rd(2) & 0x0f, 0x02);
	assert_false(level);
	assert_int_equal(rd(2) & 0x0f, 0x01);
	/* Every byte sent raises it again as a fresh edge. */
	wr(0, 'x');
	assert_int_equal(edges, 2);
	wr(0, 'y');
	assert_int_equal(edges, 3);
	wr(1, 0);
	assert_false(level);
}

static void test_receive(void **state)
{
	uint8_t in[SERIAL_FIFO_SIZE + 8];

	memset(in, 'a', sizeof(in));
	wr(1, 0x01); /* RDI */
	assert_int_equal(serial_input(&s, (const uint8_t *)"ok", 2), 2);
	assert_true(level);
	assert_int_equal(rd(2) & 0x0f, 0x04);
	assert_int_equal(rd(5) & 0x01, 0x01);
	assert_int_equal(rd(0), 'o');
	assert_int_equal(rd(0), 'k');
	assert_int_equal(rd(5) & 0x01, 0);
	assert_false(level);
	/* The FIFO takes what fits and no more. */
	assert_int_equal(serial_input(&s, in, sizeof(in)), SERIAL_FIFO_SIZE);
	assert_int_equal(serial_rx_room(&s), 0);
	rd(0);
	assert_int_equal(serial_rx_room(&s), 1);
	/* FCR clear-receive empties it. */
	wr(2, 0x03);
	assert_int_equal(serial_rx_room(&s), SERIAL_FIFO_SIZE);
	wr(1, 0);
}

static void test_loopback(void **state)
{
	wr(4, 0x10 | 0x0b); /* loop, DTR, RTS, OUT2 */
	assert_int_equal(rd(6) & 0xf0, 0x20 | 0x10 | 0x80);
	wr(0, 'L');
	assert_int_equal(rd(5) & 1, 1);
	assert_int_equal(rd(0), 'L');
	wr(4, 0x0b);
	assert_int_equal(rd(6) & 0xb0, 0xb0);
}

static void test_scratch(void **state)
{
	wr(7, 0x5a);
	assert_int_equal(rd(7), 0x5a);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
