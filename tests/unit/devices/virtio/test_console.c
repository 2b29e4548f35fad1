// SPDX-License-Identifier: BSD-3-Clause
/*
 * virtio-console driven as Linux's virtio_console does with one port: output
 * on transmitq reaches the output descriptor, the input fills receive buffers
 * only while the guest has posted one, malformed chains come back empty, and
 * an output or input that goes away costs the guest nothing.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "devices/virtio/console.h"
#include "virtio_driver.h"

#define MEM   (1u << 20)
#define QSIZE 16
#define RXQ   0
#define TXQ   1

static struct vdrv drv;
static struct vdrv_queue dq[2];
static struct virtio_device dev;
static int out[2], in[2]; /* pipes: [0] read end, [1] write end */

static void on_signal(struct virtio_device *d, unsigned q)
{
}

static int setup(void **state)
{
	struct console_arg io;

	signal(SIGPIPE, SIG_IGN); /* as crosvm's main does */
	if (vdrv_init(&drv, MEM) || pipe2(out, O_NONBLOCK) || pipe(in))
		return -1;
	io = (struct console_arg){out[1], in[0]};
	if (virtio_console_create(&dev, &drv.mem, &io))
		return -1;
	dev.signal = on_signal;
	dev.driver_ok = true;
	for (unsigned q = 0; q < 2; q++) {
		vdrv_queue_init(&drv, &dq[q], QSIZE, &dev.queues[q]);
		dev.queues[q].indirect = true;
		if (virtq_enable(&dev.queues[q], &drv.mem))
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	virtio_device_destroy(&dev);
	vdrv_destroy(&drv);
	for (int i = 0; i < 2; i++) {
		close(out[i]);
		close(in[i]);
	}
	return 0;
}

/* Sends text from the guest, split over n buffers; returns the head. */
static uint16_t transmit(const char *text, unsigned n)
{
	struct vdrv_buf b[4];
	size_t len = strlen(text), at = 0;
	uint16_t head;

	for (unsigned k = 0; k < n; k++)
		b[k] = (struct vdrv_buf){0, (uint32_t)(len / n + (k == n - 1 ? len % n : 0)),
					 false};
	head = vdrv_add_chain(&drv, &dq[TXQ], b, n);
	for (unsigned k = 0; k < n; k++) {
		memcpy(vdrv_ptr(&drv, vdrv_last_buf(k), b[k].len), text + at, b[k].len);
		at += b[k].len;
	}
	vdrv_make_available(&drv, &dq[TXQ], head);
	pthread_mutex_lock(&dev.lock);
	dev.ops->queue_notify(&dev, TXQ);
	pthread_mutex_unlock(&dev.lock);
	return head;
}

static void expect_used(unsigned q, uint16_t head, uint32_t want_len)
{
	uint32_t id, len;

	assert_true(vdrv_get_used(&drv, &dq[q], &id, &len));
	assert_int_equal(id, head);
	assert_int_equal(len, want_len);
}

/* Posts a receive buffer of len bytes; returns its head and (in *gpa) where it is. */
static uint16_t post_rx(uint32_t len, uint64_t *gpa)
{
	struct vdrv_buf b = {0, len, true};
	uint16_t head = vdrv_add_chain(&drv, &dq[RXQ], &b, 1);

	*gpa = vdrv_last_buf(0);
	vdrv_make_available(&drv, &dq[RXQ], head);
	pthread_mutex_lock(&dev.lock);
	dev.ops->queue_notify(&dev, RXQ);
	pthread_mutex_unlock(&dev.lock);
	return head;
}

/* What the device's thread does when its input is readable. */
static void input_ready(void)
{
	pthread_mutex_lock(&dev.lock);
	dev.ops->poll_ready(&dev);
	pthread_mutex_unlock(&dev.lock);
}

static int poll_fd(void)
{
	int fd;

	pthread_mutex_lock(&dev.lock);
	fd = dev.ops->poll_fd(&dev);
	pthread_mutex_unlock(&dev.lock);
	return fd;
}

static void test_transmit(void **state)
{
	char got[64] = {0};

	expect_used(TXQ, transmit("hello, ", 1), 0);
	expect_used(TXQ, transmit("console\n", 3), 0);
	assert_int_equal(read(out[0], got, sizeof(got)), 15);
	assert_string_equal(got, "hello, console\n");
}

static void test_receive_only_into_posted_buffers(void **state)
{
	uint64_t gpa1, gpa2;
	uint16_t h1, h2;

	/* Input waiting, no buffer: the device does not even wait on it. */
	assert_int_equal(write(in[1], "abcdefghij", 10), 10);
	assert_int_equal(poll_fd(), -1);
	/* A 4-byte buffer takes 4 bytes, the next the rest. */
	h1 = post_rx(4, &gpa1);
	assert_int_equal(poll_fd(), in[0]);
	input_ready();
	expect_used(RXQ, h1, 4);
	assert_memory_equal(vdrv_ptr(&drv, gpa1, 4), "abcd", 4);
	assert_int_equal(poll_fd(), -1);
	h2 = post_rx(64, &gpa2);
	input_ready();
	expect_used(RXQ, h2, 6);
	assert_memory_equal(vdrv_ptr(&drv, gpa2, 6), "efghij", 6);
	/* The end of the input: no more waiting on it, the buffer stays posted. */
	post_rx(64, &gpa2);
	close(in[1]);
	in[1] = -1;
	input_ready();
	assert_int_equal(poll_fd(), -1);
	assert_false(vdrv_get_used(&drv, &dq[RXQ], &(uint32_t){0}, &(uint32_t){0}));
}

static void test_malformed_and_gone(void **state)
{
	struct vdrv_buf wr = {0, 16, true}, rd = {0, 16, false};
	char got[16];
	uint16_t head;

	/* A transmit chain with nothing to read, a receive chain with nothing to write. */
	head = vdrv_add_chain(&drv, &dq[TXQ], &wr, 1);
	vdrv_make_available(&drv, &dq[TXQ], head);
	pthread_mutex_lock(&dev.lock);
	dev.ops->queue_notify(&dev, TXQ);
	pthread_mutex_unlock(&dev.lock);
	expect_used(TXQ, head, 0);
	head = vdrv_add_chain(&drv, &dq[RXQ], &rd, 1);
	vdrv_make_available(&drv, &dq[RXQ], head);
	pthread_mutex_lock(&dev.lock);
	dev.ops->queue_notify(&dev, RXQ);
	pthread_mutex_unlock(&dev.lock);
	expect_used(RXQ, head, 0);
	assert_int_equal(poll_fd(), -1);
	assert_int_equal(read(out[0], got, sizeof(got)), -1); /* nothing was written */
	/* The reader of the output goes away: the guest's writes still complete. */
	close(out[0]);
	out[0] = -1;
	expect_used(TXQ, transmit("lost", 1), 0);
	expect_used(TXQ, transmit("also lost", 2), 0);
	/* A reset drops the held receive buffer with its queue. */
	{
		uint64_t gpa;

		assert_int_equal(write(in[1], "x", 1), 1);
		post_rx(8, &gpa);
		assert_int_equal(poll_fd(), in[0]);
		pthread_mutex_lock(&dev.lock);
		dev.ops->reset(&dev);
		pthread_mutex_unlock(&dev.lock);
		assert_int_equal(poll_fd(), -1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_transmit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive_only_into_posted_buffers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_malformed_and_gone, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
