// SPDX-License-Identifier: BSD-3-Clause
/* The device thread: kicks through eventfds, pause/resume, async completions. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <linux/virtio_blk.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices/virtio/blk.h"
#include "devices/virtio/rng.h"
#include "devices/virtio/worker.h"
#include "disk/raw.h"
#include "virtio_driver.h"

static struct vdrv drv;
static struct vdrv_queue dq;
static struct virtio_device dev;
static struct virtio_worker w;

static void on_signal(struct virtio_device *d, unsigned q)
{
}

static void start(void)
{
	vdrv_queue_init(&drv, &dq, 16, &dev.queues[0]);
	dev.signal = on_signal;
	dev.driver_ok = true;
	assert_int_equal(virtq_enable(&dev.queues[0], &drv.mem), 0);
	assert_int_equal(virtio_worker_init(&w, &dev, dev.ops->nr_queues), 0);
	assert_int_equal(virtio_worker_start(&w), 0);
}

static void kick(void)
{
	uint64_t one = 1;

	assert_int_equal(write(w.kick[0], &one, sizeof(one)), sizeof(one));
}

/* Waits up to 5 s for the thread to return a chain. */
static bool used(uint32_t *len)
{
	uint32_t id;

	for (int i = 0; i < 500; i++) {
		if (vdrv_get_used(&drv, &dq, &id, len))
			return true;
		usleep(10000);
	}
	return false;
}

static void test_rng_kick(void **state)
{
	struct vdrv_buf b = {0, 4096, true};
	uint32_t len;

	assert_int_equal(vdrv_init(&drv, 4u << 20), 0);
	assert_int_equal(virtio_rng_create(&dev, &drv.mem, NULL), 0);
	start();
	vdrv_make_available(&drv, &dq, vdrv_add_chain(&drv, &dq, &b, 1));
	kick();
	assert_true(used(&len));
	assert_int_equal(len, 4096);

	/* Paused: the kick is remembered, not served, until resume. */
	virtio_worker_pause(&w);
	vdrv_make_available(&drv, &dq, vdrv_add_chain(&drv, &dq, &b, 1));
	kick();
	usleep(200000);
	assert_false(vdrv_get_used(&drv, &dq, &(uint32_t){0}, &len));
	virtio_worker_resume(&w);
	assert_true(used(&len));
	assert_int_equal(len, 4096);

	virtio_worker_stop(&w);
	virtio_device_destroy(&dev);
	vdrv_destroy(&drv);
}

/* A disk read completes through the engine's eventfd on the device thread. */
static void test_blk_async(void **state)
{
	struct blk_disk disk = {.size = 1 << 20, .sparse = true};
	struct virtio_blk_outhdr hdr = {.type = VIRTIO_BLK_T_IN, .sector = 2};
	struct vdrv_buf b[3] = {{0, sizeof(hdr), false}, {0, 512, true}, {0, 1, true}};
	uint8_t sec[512];
	uint32_t len;
	int fd = memfd_create("disk", 0);

	memset(sec, 0x42, sizeof(sec));
	assert_int_equal(ftruncate(fd, 1 << 20), 0);
	assert_int_equal(pwrite(fd, sec, 512, 1024), 512);
	assert_int_equal(raw_image_open(fd, true, &disk.image), 0);
	assert_int_equal(vdrv_init(&drv, 4u << 20), 0);
	assert_int_equal(virtio_blk_create(&dev, &drv.mem, &disk), 0);
	start();
	vdrv_make_available(&drv, &dq, vdrv_add_chain(&drv, &dq, b, 3));
	memcpy(vdrv_ptr(&drv, vdrv_last_buf(0), sizeof(hdr)), &hdr, sizeof(hdr));
	kick();
	assert_true(used(&len));
	assert_int_equal(len, 513);
	assert_int_equal(*(uint8_t *)vdrv_ptr(&drv, vdrv_last_buf(1), 1), 0x42);
	assert_int_equal(*(uint8_t *)vdrv_ptr(&drv, vdrv_last_buf(2), 1), VIRTIO_BLK_S_OK);
	virtio_worker_stop(&w);
	virtio_device_destroy(&dev);
	vdrv_destroy(&drv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rng_kick),
		cmocka_unit_test(test_blk_async),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
