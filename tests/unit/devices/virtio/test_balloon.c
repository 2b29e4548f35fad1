// SPDX-License-Identifier: BSD-3-Clause
/* virtio-balloon driven as Linux's virtio_balloon does: PFN arrays, one stats buffer. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <linux/virtio_balloon.h>
#include <linux/virtio_ring.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "devices/virtio/balloon.h"
#include "virtio_driver.h"

#define MEM   (4u << 20)
#define QSIZE 16
#define PAGE  4096u

static struct vdrv drv;
static struct vdrv_queue dq[3];
static struct virtio_device dev;
static int signals[3], config_changes;

static void on_signal(struct virtio_device *d, unsigned q)
{
	signals[q]++;
}

static void on_config(struct virtio_device *d)
{
	config_changes++;
}

static int start(void)
{
	if (virtio_balloon_create(&dev, &drv.mem, NULL))
		return -1;
	dev.signal = on_signal;
	dev.config_changed = on_config;
	dev.driver_ok = true;
	memset(signals, 0, sizeof(signals));
	config_changes = 0;
	for (unsigned q = 0; q < 3; q++) {
		vdrv_queue_init(&drv, &dq[q], QSIZE, &dev.queues[q]);
		dev.queues[q].indirect = true;
		if (virtq_enable(&dev.queues[q], &drv.mem))
			return -1;
	}
	return 0;
}

static int setup(void **state)
{
	if (vdrv_init(&drv, MEM))
		return -1;
	return start();
}

/* Guest RAM with a hole: [0, 2 MiB) and [3 MiB, 4 MiB), as around a PCI window. */
static int setup_hole(void **state)
{
	struct gm_layout l = {.nr = 2, .gpa = {0, 3u << 20}, .size = {2u << 20, 1u << 20}};

	memset(&drv, 0, sizeof(drv));
	drv.heap = 0x1000;
	drv.heap_end = 2u << 20;
	if (gm_create(&drv.mem, &l))
		return -1;
	return start();
}

static int teardown(void **state)
{
	virtio_device_destroy(&dev);
	vdrv_destroy(&drv);
	return 0;
}

/* Makes one chain of a readable buffer holding data (len bytes) available on queue q. */
static uint16_t queue_chain(unsigned q, const void *data, uint32_t len)
{
	struct vdrv_buf b = {0, len, false};
	uint16_t head = vdrv_add_chain(&drv, &dq[q], &b, 1);

	memcpy(vdrv_ptr(&drv, vdrv_last_buf(0), len), data, len);
	vdrv_make_available(&drv, &dq[q], head);
	return head;
}

/* The same, and the kick. */
static uint16_t post(unsigned q, const void *data, uint32_t len)
{
	uint16_t head = queue_chain(q, data, len);

	dev.ops->queue_notify(&dev, q);
	return head;
}

static void expect_used(unsigned q, uint16_t head)
{
	uint32_t id, len;

	assert_true(vdrv_get_used(&drv, &dq[q], &id, &len));
	assert_int_equal(id, head);
	assert_int_equal(len, 0); /* the device never writes into balloon buffers */
}

static uint64_t mem_blocks(void)
{
	struct stat st;

	assert_int_equal(fstat(drv.mem.fd, &st), 0);
	return (uint64_t)st.st_blocks;
}

/* Allocates n pages of the driver's heap filled with a byte pattern. */
static uint64_t pattern_pages(unsigned n, uint8_t v)
{
	uint64_t gpa = vdrv_alloc(&drv, (uint64_t)n * PAGE, PAGE);

	assert_int_not_equal(gpa, 0);
	memset(vdrv_ptr(&drv, gpa, (uint64_t)n * PAGE), v, (uint64_t)n * PAGE);
	return gpa;
}

static bool page_is(uint64_t gpa, uint8_t v)
{
	const uint8_t *p = gm_ptr(&drv.mem, gpa, PAGE);

	for (unsigned i = 0; i < PAGE; i++)
		if (p[i] != v)
			return false;
	return true;
}

static struct balloon_stats stats(int expect)
{
	struct balloon_stats s;

	assert_int_equal(virtio_balloon_get_stats(&dev, &s, 0), expect);
	return s;
}

static void test_config(void **state)
{
	struct virtio_balloon_config c;
	uint32_t v = 123, two[2] = {77, 456};
	uint16_t hi = 1;

	assert_int_equal(dev.ops->device_id, 5);
	assert_int_equal(dev.ops->nr_queues, 3);
	assert_int_equal(dev.ops->config_size, sizeof(c));
	assert_true(dev.ops->features & (1u << VIRTIO_BALLOON_F_STATS_VQ));
	assert_true(dev.ops->features & (1u << VIRTIO_BALLOON_F_DEFLATE_ON_OOM));
	assert_false(dev.ops->features & (1u << VIRTIO_BALLOON_F_FREE_PAGE_HINT));
	dev.ops->config_read(&dev, 0, (uint8_t *)&c, sizeof(c));
	assert_int_equal(c.num_pages, 0);
	assert_int_equal(c.actual, 0);

	/* actual is the driver's to write, in any width... */
	dev.ops->config_write(&dev, offsetof(struct virtio_balloon_config, actual), (uint8_t *)&v,
			      4);
	dev.ops->config_read(&dev, offsetof(struct virtio_balloon_config, actual), (uint8_t *)&v,
			     4);
	assert_int_equal(v, 123);
	dev.ops->config_write(&dev, 6, (uint8_t *)&hi, 2);
	dev.ops->config_read(&dev, 0, (uint8_t *)&c, sizeof(c));
	assert_int_equal(c.actual, 0x1007b);
	/* ...num_pages and the rest are not: an 8-byte write over both only changes actual. */
	dev.ops->config_write(&dev, 0, (uint8_t *)two, 8);
	dev.ops->config_write(&dev, 8, (uint8_t *)two, 8);
	dev.ops->config_read(&dev, 0, (uint8_t *)&c, sizeof(c));
	assert_int_equal(c.num_pages, 0);
	assert_int_equal(c.actual, 456);
	assert_int_equal(c.free_page_hint_cmd_id, 0);
	assert_int_equal(c.poison_val, 0);
	assert_int_equal(stats(-ETIMEDOUT).actual_pages, 456);
	assert_int_equal(config_changes, 0);
}

static void test_set_target(void **state)
{
	struct virtio_balloon_config c;

	assert_int_equal(virtio_balloon_set_target(&dev, (1u << 20) + 100), 0);
	dev.ops->config_read(&dev, 0, (uint8_t *)&c, sizeof(c));
	assert_int_equal(c.num_pages, 256); /* rounded down to whole pages */
	assert_int_equal(config_changes, 1);
	/* The same target again: nothing changed, no interrupt. */
	assert_int_equal(virtio_balloon_set_target(&dev, 1u << 20), 0);
	assert_int_equal(config_changes, 1);
	/* More than guest RAM is refused and changes nothing. */
	assert_int_equal(virtio_balloon_set_target(&dev, MEM + PAGE), -ERANGE);
	assert_int_equal(virtio_balloon_set_target(&dev, UINT64_MAX), -ERANGE);
	assert_int_equal(stats(-ETIMEDOUT).target_pages, 256);
	assert_int_equal(virtio_balloon_set_target(&dev, MEM), 0);
	assert_int_equal(stats(-ETIMEDOUT).target_pages, MEM / PAGE);
	assert_int_equal(virtio_balloon_set_target(&dev, 0), 0);
	dev.ops->config_read(&dev, 0, (uint8_t *)&c, sizeof(c));
	assert_int_equal(c.num_pages, 0);
	assert_int_equal(config_changes, 3);
	/* A reset empties the balloon the driver reports but keeps the host's target. */
	assert_int_equal(virtio_balloon_set_target(&dev, 8 * PAGE), 0);
	c.actual = 5;
	dev.ops->config_write(&dev, 4, (uint8_t *)&c.actual, 4);
	dev.ops->reset(&dev);
	dev.ops->config_read(&dev, 0, (uint8_t *)&c, sizeof(c));
	assert_int_equal(c.num_pages, 8);
	assert_int_equal(c.actual, 0);
}

static void test_inflate_frees_pages(void **state)
{
	uint64_t gpa = pattern_pages(8, 0xab), before;
	uint32_t pfn = (uint32_t)(gpa / PAGE);
	/* A run of four, then two single pages, out of order. */
	uint32_t pfns[6] = {pfn + 7, pfn, pfn + 1, pfn + 2, pfn + 3, pfn + 5};
	uint16_t head = queue_chain(0, pfns, sizeof(pfns));

	before = mem_blocks();
	dev.ops->queue_notify(&dev, 0);
	/*
	 * Freed in the host, not just zeroed: the memfd lost those six pages.
	 * (Checked before reading them: a read fault on a memfd hole allocates.)
	 */
	assert_int_equal(before - mem_blocks(), 6 * PAGE / 512);
	assert_int_equal(lseek(drv.mem.fd, (off_t)gpa, SEEK_HOLE), (off_t)gpa);
	assert_int_equal(lseek(drv.mem.fd, (off_t)gpa, SEEK_DATA), (off_t)(gpa + 4 * PAGE));
	expect_used(0, head);
	assert_int_equal(signals[0], 1);
	for (unsigned i = 0; i < 8; i++)
		assert_true(page_is(gpa + i * PAGE, (i == 4 || i == 6) ? 0xab : 0));
	assert_int_equal(stats(-ETIMEDOUT).freed_pages, 6);
	assert_int_equal(stats(-ETIMEDOUT).bad_pfns, 0);
	/* Deflating them does nothing to memory; the pages come back on touch. */
	head = post(1, pfns, sizeof(pfns));
	expect_used(1, head);
	*(uint8_t *)vdrv_ptr(&drv, gpa, 1) = 1;
	assert_int_equal(*(uint8_t *)vdrv_ptr(&drv, gpa, 1), 1);
}

static void test_inflate_invalid_pfns(void **state)
{
	uint64_t gpa = pattern_pages(2, 0x11), before;
	uint32_t pfn = (uint32_t)(gpa / PAGE);
	/* Past RAM, the last PFN, RAM's last page then one past it, and a good one. */
	uint32_t pfns[6] = {MEM / PAGE, UINT32_MAX, MEM / PAGE - 1, MEM / PAGE, pfn + 1, pfn};
	uint8_t buf[sizeof(pfns) + 3];
	uint16_t head;

	/* A trailing partial PFN (an odd length) naming pfn is ignored. */
	memcpy(buf, pfns, sizeof(pfns));
	memcpy(buf + sizeof(pfns), &pfn, 3);
	memset(vdrv_ptr(&drv, MEM - PAGE, PAGE), 0x22, PAGE);
	head = queue_chain(0, buf, sizeof(buf));
	before = mem_blocks();
	dev.ops->queue_notify(&dev, 0);
	assert_int_equal(before - mem_blocks(), 3 * PAGE / 512);
	expect_used(0, head);
	assert_int_equal(stats(-ETIMEDOUT).bad_pfns, 3);
	assert_int_equal(stats(-ETIMEDOUT).freed_pages, 3);
	assert_true(page_is(MEM - PAGE, 0));
	assert_true(page_is(gpa, 0));
	assert_true(page_is(gpa + PAGE, 0));
}

static void test_inflate_hostile_chains(void **state)
{
	uint64_t gpa = pattern_pages(1, 0x33);
	uint32_t pfn = (uint32_t)(gpa / PAGE), id, len;
	struct vdrv_buf b[2] = {{0, 4, true}, {0, 4, true}};
	uint16_t head;

	/* Device-writable PFN buffers are not read: nothing is freed, the chain comes back. */
	head = vdrv_add_chain(&drv, &dq[0], b, 2);
	memcpy(vdrv_ptr(&drv, vdrv_last_buf(0), 4), &pfn, 4);
	memcpy(vdrv_ptr(&drv, vdrv_last_buf(1), 4), &pfn, 4);
	vdrv_make_available(&drv, &dq[0], head);
	dev.ops->queue_notify(&dev, 0);
	expect_used(0, head);
	assert_true(page_is(gpa, 0x33));
	/* A buffer outside guest memory: returned unread. */
	head = dq[0].free_head;
	vdrv_set_desc(&drv, &dq[0], head, MEM - 2, 4, 0, 0);
	dq[0].free_head = (uint16_t)(head + 1);
	vdrv_make_available(&drv, &dq[0], head);
	/* An empty one and one of three bytes. */
	post(0, &pfn, 0);
	post(0, &pfn, 3);
	assert_true(vdrv_get_used(&drv, &dq[0], &id, &len));
	assert_int_equal(id, head);
	assert_int_equal(len, 0);
	assert_true(vdrv_get_used(&drv, &dq[0], &id, &len));
	assert_true(vdrv_get_used(&drv, &dq[0], &id, &len));
	assert_false(vdrv_get_used(&drv, &dq[0], &id, &len));
	assert_true(page_is(gpa, 0x33));
	assert_int_equal(stats(-ETIMEDOUT).freed_pages, 0);
	assert_int_equal(stats(-ETIMEDOUT).bad_pfns, 0);
}

static void test_inflate_around_hole(void **state)
{
	/* Region 0 ends at PFN 512; region 1 starts at PFN 768, at memfd offset 2 MiB. */
	uint32_t pfns[7] = {510, 511, 512, 767, 768, 769, 1024};
	uint64_t before;
	uint16_t head;

	memset(gm_ptr(&drv.mem, 509 * PAGE, 3 * PAGE), 0x44, 3 * PAGE);
	memset(gm_ptr(&drv.mem, 768 * PAGE, 3 * PAGE), 0x55, 3 * PAGE);
	head = queue_chain(0, pfns, sizeof(pfns));
	before = mem_blocks();
	dev.ops->queue_notify(&dev, 0);
	assert_int_equal(before - mem_blocks(), 4 * PAGE / 512);
	/* The hole punched for PFN 768 is at its memfd offset, 2 MiB. */
	assert_int_equal(lseek(drv.mem.fd, 2 << 20, SEEK_DATA), (2 << 20) + 2 * PAGE);
	expect_used(0, head);
	assert_int_equal(stats(-ETIMEDOUT).freed_pages, 4);
	assert_int_equal(stats(-ETIMEDOUT).bad_pfns, 3);
	assert_true(page_is(509 * PAGE, 0x44));
	assert_true(page_is(510 * PAGE, 0));
	assert_true(page_is(511 * PAGE, 0));
	assert_true(page_is(768 * PAGE, 0));
	assert_true(page_is(769 * PAGE, 0));
	assert_true(page_is(770 * PAGE, 0x55));
}

static void put_stat(uint8_t *at, uint16_t tag, uint64_t val)
{
	struct virtio_balloon_stat s = {.tag = tag, .val = val};

	memcpy(at, &s, sizeof(s));
}

static void test_stats_report(void **state)
{
	uint8_t buf[8 * 10];
	struct balloon_stats s;
	uint16_t head;

	assert_int_equal(virtio_balloon_request_stats(&dev), -EAGAIN); /* no buffer yet */
	put_stat(buf, VIRTIO_BALLOON_S_MEMFREE, 1000);
	put_stat(buf + 10, VIRTIO_BALLOON_S_MEMTOT, 4000);
	put_stat(buf + 20, 42, 7); /* unknown: ignored */
	put_stat(buf + 30, VIRTIO_BALLOON_S_AVAIL, 2000);
	put_stat(buf + 40, VIRTIO_BALLOON_S_MAJFLT, 5);
	put_stat(buf + 50, VIRTIO_BALLOON_S_HTLB_PGFAIL, 3);
	put_stat(buf + 60, VIRTIO_BALLOON_S_MEMFREE, 1500); /* a repeated tag: the last counts */
	put_stat(buf + 70, VIRTIO_BALLOON_S_CACHES, 9);	    /* cut short: ignored */
	head = post(2, buf, 7 * 10 + 5);
	assert_int_equal(signals[2], 0); /* the device keeps the buffer */
	s = stats(0);
	assert_int_equal(s.reports, 1);
	assert_int_equal(s.valid,
			 (1u << VIRTIO_BALLOON_S_MEMFREE) | (1u << VIRTIO_BALLOON_S_MEMTOT) |
				 (1u << VIRTIO_BALLOON_S_AVAIL) | (1u << VIRTIO_BALLOON_S_MAJFLT) |
				 (1u << VIRTIO_BALLOON_S_HTLB_PGFAIL));
	assert_int_equal(s.free_memory, 1500);
	assert_int_equal(s.total_memory, 4000);
	assert_int_equal(s.available_memory, 2000);
	assert_int_equal(s.major_faults, 5);
	assert_int_equal(s.hugetlb_failures, 3);
	assert_int_equal(s.disk_caches, 0);
	assert_int_equal(s.minor_faults, 0);

	/* A request hands the buffer back; until the driver reposts it the report is old. */
	assert_int_equal(virtio_balloon_request_stats(&dev), 0);
	expect_used(2, head);
	assert_int_equal(signals[2], 1);
	assert_int_equal(virtio_balloon_request_stats(&dev), 0); /* still on its way */
	s = stats(-ETIMEDOUT);
	assert_int_equal(s.reports, 1);
	assert_int_equal(s.free_memory, 1500);
	/* The next report replaces the last one as a whole. */
	put_stat(buf, VIRTIO_BALLOON_S_SWAP_IN, 8192);
	put_stat(buf + 10, VIRTIO_BALLOON_S_MINFLT, 77);
	post(2, buf, 20);
	s = stats(0);
	assert_int_equal(s.reports, 2);
	assert_int_equal(s.valid,
			 (1u << VIRTIO_BALLOON_S_SWAP_IN) | (1u << VIRTIO_BALLOON_S_MINFLT));
	assert_int_equal(s.swap_in, 8192);
	assert_int_equal(s.minor_faults, 77);
	assert_int_equal(s.free_memory, 0);
	/* A reset forgets the buffer: no request can be answered until a new one comes. */
	dev.ops->reset(&dev);
	assert_int_equal(virtio_balloon_request_stats(&dev), -EAGAIN);
}

static void test_stats_hostile(void **state)
{
	struct vdrv_buf wb = {0, 40, true};
	uint8_t buf[2000];
	uint16_t first, head;
	uint32_t id, len;

	/* A device-writable stats buffer: an empty report, and never written to. */
	head = vdrv_add_chain(&drv, &dq[2], &wb, 1);
	memset(vdrv_ptr(&drv, vdrv_last_buf(0), 40), 0x66, 40);
	put_stat(vdrv_ptr(&drv, vdrv_last_buf(0), 10), VIRTIO_BALLOON_S_MEMTOT, 1);
	wb.gpa = vdrv_last_buf(0);
	vdrv_make_available(&drv, &dq[2], head);
	dev.ops->queue_notify(&dev, 2);
	assert_int_equal(stats(0).valid, 0);
	assert_int_equal(stats(0).reports, 1);
	assert_int_equal(*(uint8_t *)vdrv_ptr(&drv, wb.gpa + 39, 1), 0x66);
	/* A second buffer while one is held: the older one goes back unused. */
	first = head;
	put_stat(buf, VIRTIO_BALLOON_S_MEMTOT, 1);
	head = post(2, buf, 9); /* shorter than one entry */
	expect_used(2, first);
	assert_int_equal(stats(0).valid, 0);
	assert_int_equal(stats(0).reports, 2);
	/* An absurdly long report: only the first 64 entries count. */
	memset(buf, 0, sizeof(buf));
	for (unsigned i = 0; i < sizeof(buf) / 10; i++)
		put_stat(buf + 10 * i, i < 64 ? VIRTIO_BALLOON_S_SWAP_OUT : VIRTIO_BALLOON_S_MEMTOT,
			 i);
	post(2, buf, sizeof(buf));
	expect_used(2, head);
	assert_int_equal(stats(0).valid, 1u << VIRTIO_BALLOON_S_SWAP_OUT);
	assert_int_equal(stats(0).swap_out, 63);
	assert_false(vdrv_get_used(&drv, &dq[2], &id, &len));
}

static void *repost(void *arg)
{
	uint8_t buf[10];
	const struct timespec delay = {0, 50 * 1000000};

	nanosleep(&delay, NULL);
	put_stat(buf, VIRTIO_BALLOON_S_MEMFREE, 31337);
	/* As the device's worker thread would: under the device lock. */
	pthread_mutex_lock(&dev.lock);
	post(2, buf, sizeof(buf));
	pthread_mutex_unlock(&dev.lock);
	return NULL;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void test_stats_wait(void **state)
{
	struct balloon_stats s;
	uint8_t buf[10];
	pthread_t t;
	double t0;

	/* With no report yet, a wait is for the first one. */
	t0 = now();
	assert_int_equal(virtio_balloon_get_stats(&dev, &s, 100), -ETIMEDOUT);
	assert_true(now() - t0 >= 0.09);
	assert_int_equal(s.reports, 0);
	put_stat(buf, VIRTIO_BALLOON_S_MEMFREE, 1);
	post(2, buf, sizeof(buf));
	/* Request, then wait while the "guest" answers 50 ms later. */
	assert_int_equal(virtio_balloon_request_stats(&dev), 0);
	assert_int_equal(pthread_create(&t, NULL, repost, NULL), 0);
	t0 = now();
	assert_int_equal(virtio_balloon_get_stats(&dev, &s, 5000), 0);
	assert_true(now() - t0 < 4.0);
	pthread_join(t, NULL);
	assert_int_equal(s.reports, 2);
	assert_int_equal(s.free_memory, 31337);
	/* A request nobody answers times out with the last report. */
	assert_int_equal(virtio_balloon_request_stats(&dev), 0);
	t0 = now();
	assert_int_equal(virtio_balloon_get_stats(&dev, &s, 150), -ETIMEDOUT);
	assert_true(now() - t0 >= 0.14);
	assert_int_equal(s.free_memory, 31337);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_config),
		T(test_set_target),
		T(test_inflate_frees_pages),
		T(test_inflate_invalid_pfns),
		T(test_inflate_hostile_chains),
		cmocka_unit_test_setup_teardown(test_inflate_around_hole, setup_hole, teardown),
		T(test_stats_report),
		T(test_stats_hostile),
		T(test_stats_wait),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
