// SPDX-License-Identifier: BSD-3-Clause
/* virtio-blk driven as Linux's virtio_blk does: header, data, status byte per chain. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ring.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices/virtio/blk.h"
#include "disk/qcow2.h"
#include "disk/raw.h"
#include "virtio_driver.h"

#define DISK_SECTORS 64

static struct vdrv drv;
static struct vdrv_queue dq;
static struct virtio_device dev;
static int disk_fd, signals;
static enum aio_engine engine;

static void on_signal(struct virtio_device *d, unsigned q)
{
	signals++;
}

/* A disk of DISK_SECTORS sectors whose file holds only the first `filled` of them. */
static int make_disk(bool ro, int filled)
{
	struct blk_disk disk = {
		.size = DISK_SECTORS * 512, .read_only = ro, .sparse = true, .engine = engine};
	uint8_t sec[512];

	disk_fd = memfd_create("disk", MFD_ALLOW_SEALING);
	for (int i = 0; i < filled; i++) {
		memset(sec, i, sizeof(sec));
		if (write(disk_fd, sec, sizeof(sec)) != sizeof(sec))
			return -1;
	}
	/* A file that cannot grow: writes past its end fail as on a full host disk. */
	if (filled < DISK_SECTORS && fcntl(disk_fd, F_ADD_SEALS, F_SEAL_GROW) < 0)
		return -1;
	if (raw_image_open(disk_fd, true, &disk.image))
		return -1;
	memcpy(disk.id, "test-disk-id", 12);
	if (vdrv_init(&drv, 4u << 20) || virtio_blk_create(&dev, &drv.mem, &disk))
		return -1;
	vdrv_queue_init(&drv, &dq, 16, &dev.queues[0]);
	dev.queues[0].indirect = true;
	dev.signal = on_signal;
	dev.driver_ok = true;
	signals = 0;
	return virtq_enable(&dev.queues[0], &drv.mem);
}

static int make(bool ro)
{
	return make_disk(ro, DISK_SECTORS);
}

static int setup_rw(void **state)
{
	return make(false);
}

static int setup_ro(void **state)
{
	return make(true);
}

static int setup_short(void **state)
{
	return make_disk(false, DISK_SECTORS / 2);
}

static int use_pool(void **state)
{
	engine = AIO_ENGINE_POOL;
	return 0;
}

static int use_uring(void **state)
{
	engine = AIO_ENGINE_URING;
	return 0;
}

static int teardown(void **state)
{
	virtio_device_destroy(&dev); /* closes disk_fd */
	vdrv_destroy(&drv);
	return 0;
}

/* Sends a request: header, data_len bytes of data (out or in), status. Returns status. */
static uint8_t request(uint32_t type, uint64_t sector, void *data, uint32_t data_len, bool in,
		       uint32_t *used_len)
{
	struct virtio_blk_outhdr hdr = {.type = type, .sector = sector};
	struct vdrv_buf b[3] = {{0, sizeof(hdr), false}, {0, data_len, in}, {0, 1, true}};
	unsigned n = data_len ? 3 : 2;
	uint32_t id, len;
	uint64_t status_gpa;

	if (!data_len)
		b[1] = b[2];
	vdrv_add_chain(&drv, &dq, b, n);
	memcpy(vdrv_ptr(&drv, vdrv_last_buf(0), sizeof(hdr)), &hdr, sizeof(hdr));
	if (data_len && !in)
		memcpy(vdrv_ptr(&drv, vdrv_last_buf(1), data_len), data, data_len);
	status_gpa = vdrv_last_buf(n - 1);
	*(uint8_t *)vdrv_ptr(&drv, status_gpa, 1) = 0xee;
	vdrv_make_available(&drv, &dq, (uint16_t)((dq.free_head + 16 - n) % 16));
	dev.ops->queue_notify(&dev, 0);
	/* Reads, writes and flushes complete asynchronously. */
	assert_true(vdrv_wait_used(&drv, &dq, &dev, &id, &len));
	if (used_len)
		*used_len = len;
	if (data_len && in && data)
		memcpy(data, vdrv_ptr(&drv, vdrv_last_buf(1), data_len), data_len);
	return *(uint8_t *)vdrv_ptr(&drv, status_gpa, 1);
}

static void test_config(void **state)
{
	struct virtio_blk_config c;

	assert_int_equal(dev.ops->device_id, 2);
	dev.ops->config_read(&dev, 0, (uint8_t *)&c, sizeof(c));
	assert_int_equal(c.capacity, DISK_SECTORS);
	assert_int_equal(c.blk_size, 512);
	assert_true(c.seg_max > 0);
	assert_true(dev.ops->features & (1u << VIRTIO_BLK_F_FLUSH));
	assert_false(dev.ops->features & (1u << VIRTIO_BLK_F_RO));
}

static int config_changes;

static void on_config_changed(struct virtio_device *d)
{
	config_changes++;
}

/* disk resize grows the raw file and the capacity the driver reads; never shrinks. */
static void test_resize(void **state)
{
	struct virtio_blk_config c;
	uint8_t buf[512];

	config_changes = 0;
	dev.config_changed = on_config_changed;
	assert_int_equal(virtio_blk_resize(&dev, (DISK_SECTORS + 8) * 512), 0);
	assert_int_equal(lseek(disk_fd, 0, SEEK_END), (DISK_SECTORS + 8) * 512);
	dev.ops->config_read(&dev, 0, (uint8_t *)&c, sizeof(c));
	assert_int_equal(c.capacity, DISK_SECTORS + 8);
	assert_int_equal(config_changes, 1);
	/* The new sectors are the guest's now, and read as zeros. */
	assert_int_equal(request(VIRTIO_BLK_T_IN, DISK_SECTORS + 7, buf, sizeof(buf), true, NULL),
			 VIRTIO_BLK_S_OK);
	assert_int_equal(buf[0], 0);
	assert_int_equal(virtio_blk_resize(&dev, DISK_SECTORS * 512), -ERANGE);
	assert_int_equal(virtio_blk_resize(&dev, (DISK_SECTORS + 8) * 512 + 1), -EINVAL);
	assert_int_equal(lseek(disk_fd, 0, SEEK_END), (DISK_SECTORS + 8) * 512);
	assert_int_equal(config_changes, 1);
	dev.config_changed = NULL;
}

static void test_read(void **state)
{
	uint8_t buf[1024];
	uint32_t len;

	assert_int_equal(request(VIRTIO_BLK_T_IN, 3, buf, sizeof(buf), true, &len),
			 VIRTIO_BLK_S_OK);
	assert_int_equal(len, 1025);
	assert_int_equal(buf[0], 3);
	assert_int_equal(buf[1023], 4);
	assert_true(signals > 0);
}

static void test_write_flush(void **state)
{
	uint8_t buf[512], back[512];

	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(request(VIRTIO_BLK_T_OUT, 10, buf, 512, false, NULL), VIRTIO_BLK_S_OK);
	assert_int_equal(pread(disk_fd, back, 512, 10 * 512), 512);
	assert_memory_equal(back, buf, 512);
	assert_int_equal(request(VIRTIO_BLK_T_FLUSH, 0, NULL, 0, false, NULL), VIRTIO_BLK_S_OK);
}

static void test_get_id(void **state)
{
	char id[20];
	uint32_t len;

	assert_int_equal(request(VIRTIO_BLK_T_GET_ID, 0, id, 20, true, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 21);
	assert_memory_equal(id, "test-disk-id", 12);
}

static void test_discard_write_zeroes(void **state)
{
	struct virtio_blk_discard_write_zeroes seg = {.sector = 4, .num_sectors = 2};
	uint8_t back[1024], zero[1024] = {0};

	assert_int_equal(request(VIRTIO_BLK_T_WRITE_ZEROES, 0, &seg, sizeof(seg), false, NULL),
			 VIRTIO_BLK_S_OK);
	assert_int_equal(pread(disk_fd, back, 1024, 4 * 512), 1024);
	assert_memory_equal(back, zero, 1024);
	seg.sector = 20;
	assert_int_equal(request(VIRTIO_BLK_T_DISCARD, 0, &seg, sizeof(seg), false, NULL),
			 VIRTIO_BLK_S_OK);
	/* Out of range, and a payload that is not whole segments. */
	seg.sector = DISK_SECTORS - 1;
	assert_int_equal(request(VIRTIO_BLK_T_DISCARD, 0, &seg, sizeof(seg), false, NULL),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(request(VIRTIO_BLK_T_DISCARD, 0, &seg, 10, false, NULL),
			 VIRTIO_BLK_S_UNSUPP);
}

static void test_bad_requests(void **state)
{
	uint8_t buf[1024];
	uint32_t len;

	/* Past the end, straddling the end, sector overflow, partial sectors. */
	assert_int_equal(request(VIRTIO_BLK_T_IN, DISK_SECTORS, buf, 512, true, NULL),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(request(VIRTIO_BLK_T_IN, DISK_SECTORS - 1, buf, 1024, true, NULL),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(request(VIRTIO_BLK_T_OUT, UINT64_MAX / 256, buf, 512, false, NULL),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(request(VIRTIO_BLK_T_IN, 0, buf, 100, true, &len), VIRTIO_BLK_S_IOERR);
	assert_int_equal(len, 1);
	assert_int_equal(request(VIRTIO_BLK_T_OUT, 0, buf, 511, false, NULL), VIRTIO_BLK_S_IOERR);
	/* Unknown type. */
	assert_int_equal(request(77, 0, NULL, 0, false, NULL), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(request(VIRTIO_BLK_T_SCSI_CMD, 0, NULL, 0, false, NULL),
			 VIRTIO_BLK_S_UNSUPP);
}

static void test_malformed_chains(void **state)
{
	struct vdrv_buf only_out[1] = {{0, 16, false}};
	struct vdrv_buf short_hdr[2] = {{0, 8, false}, {0, 1, true}};
	uint32_t id, len;

	/* No writable status byte: returned with nothing written. */
	vdrv_make_available(&drv, &dq, vdrv_add_chain(&drv, &dq, only_out, 1));
	dev.ops->queue_notify(&dev, 0);
	assert_true(vdrv_wait_used(&drv, &dq, &dev, &id, &len));
	assert_int_equal(len, 0);
	/* A header shorter than 16 bytes: IOERR in the status byte. */
	vdrv_make_available(&drv, &dq, vdrv_add_chain(&drv, &dq, short_hdr, 2));
	dev.ops->queue_notify(&dev, 0);
	assert_true(vdrv_wait_used(&drv, &dq, &dev, &id, &len));
	assert_int_equal(len, 1);
	assert_int_equal(*(uint8_t *)vdrv_ptr(&drv, vdrv_last_buf(1), 1), VIRTIO_BLK_S_IOERR);
	/* A chain pointing outside guest memory comes back with length 0. */
	vdrv_set_desc(&drv, &dq, 0, 0x7fffff000ull, 16, 0, 0);
	vdrv_make_available(&drv, &dq, 0);
	dev.ops->queue_notify(&dev, 0);
	assert_true(vdrv_wait_used(&drv, &dq, &dev, &id, &len));
	assert_int_equal(len, 0);
}

static void test_read_only(void **state)
{
	uint8_t buf[512], back[512];
	struct virtio_blk_discard_write_zeroes seg = {.sector = 0, .num_sectors = 1};

	assert_true(dev.ops->features & (1u << VIRTIO_BLK_F_RO));
	memset(buf, 0x77, sizeof(buf));
	assert_int_equal(request(VIRTIO_BLK_T_OUT, 1, buf, 512, false, NULL), VIRTIO_BLK_S_IOERR);
	assert_int_equal(request(VIRTIO_BLK_T_WRITE_ZEROES, 0, &seg, sizeof(seg), false, NULL),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(pread(disk_fd, back, 512, 512), 512);
	assert_int_equal(back[0], 1); /* untouched */
	assert_int_equal(virtio_blk_resize(&dev, (DISK_SECTORS + 8) * 512), -EROFS);
	assert_int_equal(lseek(disk_fd, 0, SEEK_END), DISK_SECTORS * 512);
	assert_int_equal(request(VIRTIO_BLK_T_IN, 1, buf, 512, true, NULL), VIRTIO_BLK_S_OK);
}

/* The host file ends (or cannot grow) before the disk does: I/O errors, not crashes. */
static void test_host_errors(void **state)
{
	uint8_t buf[512];

	memset(buf, 0x11, sizeof(buf));
	assert_int_equal(request(VIRTIO_BLK_T_IN, DISK_SECTORS - 2, buf, 512, true, NULL),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(request(VIRTIO_BLK_T_OUT, DISK_SECTORS - 2, buf, 512, false, NULL),
			 VIRTIO_BLK_S_IOERR);
	/* And the device goes on serving what the file does hold. */
	assert_int_equal(request(VIRTIO_BLK_T_IN, 1, buf, 512, true, NULL), VIRTIO_BLK_S_OK);
	assert_int_equal(buf[0], 1);
}

/* Many requests in flight at once, completed in any order, each with its own data. */
static void test_many_in_flight(void **state)
{
	uint64_t gpa[5], st[5];
	uint32_t id, len;
	unsigned got = 0;

	for (unsigned i = 0; i < 5; i++) {
		struct virtio_blk_outhdr hdr = {.type = VIRTIO_BLK_T_IN, .sector = 2 * i};
		struct vdrv_buf b[3] = {{0, sizeof(hdr), false}, {0, 512, true}, {0, 1, true}};

		vdrv_make_available(&drv, &dq, vdrv_add_chain(&drv, &dq, b, 3));
		memcpy(vdrv_ptr(&drv, vdrv_last_buf(0), sizeof(hdr)), &hdr, sizeof(hdr));
		gpa[i] = vdrv_last_buf(1);
		st[i] = vdrv_last_buf(2);
	}
	dev.ops->queue_notify(&dev, 0);
	while (got < 5 && vdrv_wait_used(&drv, &dq, &dev, &id, &len)) {
		assert_int_equal(len, 513);
		got++;
	}
	assert_int_equal(got, 5);
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(*(uint8_t *)vdrv_ptr(&drv, st[i], 1), VIRTIO_BLK_S_OK);
		assert_int_equal(*(uint8_t *)vdrv_ptr(&drv, gpa[i], 1), 2 * i);
	}
}

/* A reset with requests in flight: they land, but nothing comes back on the old ring. */
static void test_reset_in_flight(void **state)
{
	struct virtio_blk_outhdr hdr = {.type = VIRTIO_BLK_T_IN, .sector = 0};
	struct vdrv_buf b[3] = {{0, sizeof(hdr), false}, {0, 4096, true}, {0, 1, true}};
	uint8_t buf[512];
	uint32_t id, len;

	for (int i = 0; i < 3; i++) {
		vdrv_make_available(&drv, &dq, vdrv_add_chain(&drv, &dq, b, 3));
		memcpy(vdrv_ptr(&drv, vdrv_last_buf(0), sizeof(hdr)), &hdr, sizeof(hdr));
	}
	dev.ops->queue_notify(&dev, 0);
	dev.ops->reset(&dev);
	assert_false(vdrv_wait_used(&drv, &dq, &dev, &id, &len));
	/* The device serves new requests afterwards. */
	assert_int_equal(request(VIRTIO_BLK_T_IN, 5, buf, 512, true, NULL), VIRTIO_BLK_S_OK);
	assert_int_equal(buf[0], 5);
}

/* A qcow2 image behind the device: I/O through the format, synchronously. */
static void test_qcow2(void **state)
{
	char path[] = "/tmp/test_blk_qcow2.XXXXXX", err[256];
	struct virtio_blk_discard_write_zeroes seg = {.sector = 8, .num_sectors = 4};
	uint8_t buf[4096], back[4096], zero[4096] = {0};
	struct blk_disk disk = {.size = DISK_SECTORS * 512, .sparse = true};
	struct qcow2 *q;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	assert_int_equal(qcow2_create(path, DISK_SECTORS * 512, NULL, err, sizeof(err)), 0);
	fd = open(path, O_RDWR);
	assert_int_equal(qcow2_open(fd, path, true, &q, err, sizeof(err)), 0);
	disk.image = (struct disk_image){&qcow2_image_ops, q};
	assert_int_equal(vdrv_init(&drv, 4u << 20), 0);
	assert_int_equal(virtio_blk_create(&dev, &drv.mem, &disk), 0);
	vdrv_queue_init(&drv, &dq, 16, &dev.queues[0]);
	dev.queues[0].indirect = true;
	dev.signal = on_signal;
	dev.driver_ok = true;
	assert_int_equal(virtq_enable(&dev.queues[0], &drv.mem), 0);

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(request(VIRTIO_BLK_T_OUT, 6, buf, sizeof(buf), false, NULL),
			 VIRTIO_BLK_S_OK);
	assert_int_equal(request(VIRTIO_BLK_T_IN, 6, back, sizeof(back), true, NULL),
			 VIRTIO_BLK_S_OK);
	assert_memory_equal(back, buf, sizeof(buf));
	/* The file holds qcow2, not the guest's bytes at the guest's offsets. */
	assert_true(pread(fd, back, sizeof(back), 6 * 512) != sizeof(back) ||
		    memcmp(back, buf, sizeof(buf)) != 0);
	assert_int_equal(request(VIRTIO_BLK_T_WRITE_ZEROES, 0, &seg, sizeof(seg), false, NULL),
			 VIRTIO_BLK_S_OK);
	seg.sector = 12;
	seg.num_sectors = 2;
	assert_int_equal(request(VIRTIO_BLK_T_DISCARD, 0, &seg, sizeof(seg), false, NULL),
			 VIRTIO_BLK_S_OK);
	assert_int_equal(request(VIRTIO_BLK_T_FLUSH, 0, NULL, 0, false, NULL), VIRTIO_BLK_S_OK);
	assert_int_equal(request(VIRTIO_BLK_T_IN, 6, back, sizeof(back), true, NULL),
			 VIRTIO_BLK_S_OK);
	assert_memory_equal(back, buf, 1024);	      /* sectors 6, 7 */
	assert_memory_equal(back + 1024, zero, 3072); /* 8..13 zeroed or discarded */
	/* Grown through the format: the new sectors are there, reading zeros. */
	assert_int_equal(virtio_blk_resize(&dev, (DISK_SECTORS + 8) * 512), 0);
	memset(back, 0xff, sizeof(back));
	assert_int_equal(request(VIRTIO_BLK_T_IN, DISK_SECTORS, back, sizeof(back), true, NULL),
			 VIRTIO_BLK_S_OK);
	assert_memory_equal(back, zero, sizeof(back));
	assert_int_equal(virtio_blk_resize(&dev, DISK_SECTORS * 512), -ERANGE);
	virtio_device_destroy(&dev); /* closes the image */
	vdrv_destroy(&drv);

	/* What the device wrote is in the image for the next user. */
	fd = open(path, O_RDONLY);
	assert_int_equal(qcow2_open(fd, path, false, &q, err, sizeof(err)), 0);
	assert_int_equal(qcow2_read(q, back, 1024, 6 * 512), 0);
	assert_memory_equal(back, buf, 1024);
	assert_int_equal(qcow2_size(q), (DISK_SECTORS + 8) * 512);
	qcow2_close(q);
	unlink(path);
}

static bool uring_works(void)
{
	struct aio *a;

	if (aio_create(&a, 0, 1, AIO_ENGINE_URING))
		return false;
	aio_destroy(a);
	return true;
}

int main(void)
{
#define RW(f) cmocka_unit_test_setup_teardown(f, setup_rw, teardown)
#define ENGINE_TESTS                                                                             \
	RW(test_config), RW(test_read), RW(test_write_flush), RW(test_get_id),                   \
		RW(test_discard_write_zeroes), RW(test_bad_requests), RW(test_malformed_chains), \
		RW(test_many_in_flight), RW(test_reset_in_flight), RW(test_resize),              \
		cmocka_unit_test_setup_teardown(test_read_only, setup_ro, teardown),             \
		cmocka_unit_test_setup_teardown(test_host_errors, setup_short, teardown)
	const struct CMUnitTest pool[] = {ENGINE_TESTS};
	const struct CMUnitTest uring[] = {ENGINE_TESTS};
	const struct CMUnitTest image[] = {cmocka_unit_test(test_qcow2)};
	int failed = cmocka_run_group_tests_name("virtio-blk, thread pool", pool, use_pool, NULL);

	failed += cmocka_run_group_tests_name("virtio-blk, qcow2 image", image, NULL, NULL);

	if (uring_works())
		failed +=
			cmocka_run_group_tests_name("virtio-blk, io_uring", uring, use_uring, NULL);
	else
		printf("io_uring unavailable (build or kernel): its group is skipped\n");
	return failed;
}
