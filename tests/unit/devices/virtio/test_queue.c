// SPDX-License-Identifier: BSD-3-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <linux/virtio_ring.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio/queue.h"
#include "virtio_driver.h"

#define MEM (4u << 20)
#define QSZ 8

static struct vdrv drv;
static struct vdrv_queue dq;
static struct virtq q;
static struct virtq_chain *chain;

static int setup(void **state)
{
	if (vdrv_init(&drv, MEM))
		return -1;
	vdrv_queue_init(&drv, &dq, QSZ, &q);
	q.indirect = true;
	chain = malloc(sizeof(*chain));
	return virtq_enable(&q, &drv.mem) || !chain;
}

static int teardown(void **state)
{
	vdrv_destroy(&drv);
	free(chain);
	return 0;
}

static void test_empty(void **state)
{
	assert_int_equal(virtq_pop(&q, chain), VIRTQ_EMPTY);
}

static void test_simple_chain(void **state)
{
	struct vdrv_buf b[3] = {{0, 16, false}, {0, 100, false}, {0, 64, true}};
	uint16_t head = vdrv_add_chain(&drv, &dq, b, 3);
	uint8_t data[116], out[64];
	uint32_t id, len;

	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	memcpy(vdrv_ptr(&drv, vdrv_last_buf(0), 16), data, 16);
	memcpy(vdrv_ptr(&drv, vdrv_last_buf(1), 100), data + 16, 100);
	vdrv_make_available(&drv, &dq, head);

	assert_int_equal(virtq_pop(&q, chain), VIRTQ_OK);
	assert_int_equal(chain->head, head);
	assert_int_equal(chain->nbufs, 3);
	assert_int_equal(chain->readable, 116);
	assert_int_equal(chain->writable, 64);
	memset(out, 0, sizeof(out));
	/* Reads span buffers and honour the offset; past the end they stop short. */
	assert_int_equal(virtq_chain_read(&q, chain, 10, out, 20), 20);
	assert_memory_equal(out, data + 10, 20);
	assert_int_equal(virtq_chain_read(&q, chain, 100, out, 64), 16);
	memset(out, 0xab, sizeof(out));
	assert_int_equal(virtq_chain_write(&q, chain, 0, out, 100), 64);
	assert_int_equal(*(uint8_t *)vdrv_ptr(&drv, vdrv_last_buf(2) + 63, 1), 0xab);

	assert_false(vdrv_get_used(&drv, &dq, &id, &len));
	virtq_push(&q, chain->head, 64);
	assert_true(vdrv_get_used(&drv, &dq, &id, &len));
	assert_int_equal(id, head);
	assert_int_equal(len, 64);
	assert_true(virtq_should_notify(&q));
	assert_int_equal(virtq_pop(&q, chain), VIRTQ_EMPTY);
}

static void test_indirect(void **state)
{
	struct vdrv_buf b[4] = {{0, 8, false}, {0, 8, false}, {0, 512, true}, {0, 1, true}};
	uint16_t head = vdrv_add_indirect(&drv, &dq, b, 4);

	vdrv_make_available(&drv, &dq, head);
	assert_int_equal(virtq_pop(&q, chain), VIRTQ_OK);
	assert_int_equal(chain->nbufs, 4);
	assert_int_equal(chain->readable, 16);
	assert_int_equal(chain->writable, 513);
}

static void test_indirect_not_negotiated(void **state)
{
	struct vdrv_buf b[1] = {{0, 8, false}};

	q.indirect = false;
	vdrv_make_available(&drv, &dq, vdrv_add_indirect(&drv, &dq, b, 1));
	assert_int_equal(virtq_pop(&q, chain), VIRTQ_ERR_INDIRECT);
}

static int pop_raw(uint16_t head)
{
	vdrv_make_available(&drv, &dq, head);
	return virtq_pop(&q, chain);
}

static void test_bad_head(void **state)
{
	assert_int_equal(pop_raw(QSZ), VIRTQ_ERR_HEAD);
	assert_int_equal(pop_raw(0xffff), VIRTQ_ERR_HEAD);
	/* The queue goes on afterwards. */
	vdrv_set_desc(&drv, &dq, 0, 0x200000, 4, 0, 0);
	assert_int_equal(pop_raw(0), VIRTQ_OK);
}

static void test_bad_next(void **state)
{
	vdrv_set_desc(&drv, &dq, 0, 0x200000, 4, VRING_DESC_F_NEXT, QSZ);
	assert_int_equal(pop_raw(0), VIRTQ_ERR_INDEX);
	assert_int_equal(chain->head, 0); /* still returnable */
}

static void test_loop(void **state)
{
	vdrv_set_desc(&drv, &dq, 0, 0x200000, 4, VRING_DESC_F_NEXT, 1);
	vdrv_set_desc(&drv, &dq, 1, 0x200000, 4, VRING_DESC_F_NEXT, 0);
	assert_int_equal(pop_raw(0), VIRTQ_ERR_LOOP);
	/* A self-loop too. */
	vdrv_set_desc(&drv, &dq, 2, 0x200000, 4, VRING_DESC_F_NEXT, 2);
	assert_int_equal(pop_raw(2), VIRTQ_ERR_LOOP);
}

static void test_longest_chain_ok(void **state)
{
	/* A chain using every descriptor exactly once is fine. */
	for (uint16_t i = 0; i < QSZ; i++)
		vdrv_set_desc(&drv, &dq, i, 0x200000, 4, i + 1 < QSZ ? VRING_DESC_F_NEXT : 0,
			      (uint16_t)(i + 1));
	assert_int_equal(pop_raw(0), VIRTQ_OK);
	assert_int_equal(chain->nbufs, QSZ);
}

static void test_outside_memory(void **state)
{
	vdrv_set_desc(&drv, &dq, 0, MEM - 4, 8, 0, 0);
	assert_int_equal(pop_raw(0), VIRTQ_ERR_MEMORY);
	vdrv_set_desc(&drv, &dq, 0, UINT64_MAX - 2, 8, 0, 0);
	assert_int_equal(pop_raw(0), VIRTQ_ERR_MEMORY);
	vdrv_set_desc(&drv, &dq, 0, 0x200000, UINT32_MAX, 0, 0);
	assert_int_equal(pop_raw(0), VIRTQ_ERR_MEMORY);
}

static void test_order(void **state)
{
	vdrv_set_desc(&drv, &dq, 0, 0x200000, 4, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	vdrv_set_desc(&drv, &dq, 1, 0x200000, 4, 0, 0);
	assert_int_equal(pop_raw(0), VIRTQ_ERR_ORDER);
	/* An empty writable buffer is still writable (found by fuzz_virtio_rng). */
	vdrv_set_desc(&drv, &dq, 0, 0x200000, 0, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	assert_int_equal(pop_raw(0), VIRTQ_ERR_ORDER);
}

static void test_bad_indirect(void **state)
{
	uint64_t table = vdrv_alloc(&drv, 64, 16);
	struct vring_desc *t = vdrv_ptr(&drv, table, 64);

	memset(t, 0, 64);
	t[0] = (struct vring_desc){0x200000, 4, 0, 0};
	/* Length not a multiple of 16, zero, and INDIRECT together with NEXT. */
	vdrv_set_desc(&drv, &dq, 0, table, 24, VRING_DESC_F_INDIRECT, 0);
	assert_int_equal(pop_raw(0), VIRTQ_ERR_INDIRECT);
	vdrv_set_desc(&drv, &dq, 0, table, 0, VRING_DESC_F_INDIRECT, 0);
	assert_int_equal(pop_raw(0), VIRTQ_ERR_INDIRECT);
	vdrv_set_desc(&drv, &dq, 0, table, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	assert_int_equal(pop_raw(0), VIRTQ_ERR_INDIRECT);
	/* Table outside guest memory. */
	vdrv_set_desc(&drv, &dq, 0, MEM - 16, 32, VRING_DESC_F_INDIRECT, 0);
	assert_int_equal(pop_raw(0), VIRTQ_ERR_MEMORY);
	/* Nested indirect. */
	t[0] = (struct vring_desc){table, 16, VRING_DESC_F_INDIRECT, 0};
	vdrv_set_desc(&drv, &dq, 0, table, 16, VRING_DESC_F_INDIRECT, 0);
	assert_int_equal(pop_raw(0), VIRTQ_ERR_INDIRECT);
	/* Loop and out-of-range next inside the table. */
	t[0] = (struct vring_desc){0x200000, 4, VRING_DESC_F_NEXT, 1};
	t[1] = (struct vring_desc){0x200000, 4, VRING_DESC_F_NEXT, 0};
	vdrv_set_desc(&drv, &dq, 0, table, 32, VRING_DESC_F_INDIRECT, 0);
	assert_int_equal(pop_raw(0), VIRTQ_ERR_LOOP);
	t[1] = (struct vring_desc){0x200000, 4, VRING_DESC_F_NEXT, 7};
	vdrv_set_desc(&drv, &dq, 0, table, 48, VRING_DESC_F_INDIRECT, 0);
	assert_int_equal(pop_raw(0), VIRTQ_ERR_INDEX);
	/* An indirect descriptor in the middle of a direct chain. */
	t[1] = (struct vring_desc){0x200000, 4, 0, 0};
	vdrv_set_desc(&drv, &dq, 0, 0x200000, 4, VRING_DESC_F_NEXT, 1);
	vdrv_set_desc(&drv, &dq, 1, table, 32, VRING_DESC_F_INDIRECT, 0);
	assert_int_equal(pop_raw(0), VIRTQ_ERR_INDIRECT);
}

static void test_avail_runaway(void **state)
{
	struct vring_avail *a = vdrv_ptr(&drv, dq.avail, 6 + 2 * QSZ);

	a->idx = QSZ + 1; /* more entries than the ring holds */
	assert_int_equal(virtq_pop(&q, chain), VIRTQ_ERR_RING);
}

static void test_enable_validation(void **state)
{
	struct virtq v = q;

	v.size = 6;
	assert_int_equal(virtq_enable(&v, &drv.mem), -1);
	v = q;
	v.size = 0;
	assert_int_equal(virtq_enable(&v, &drv.mem), -1);
	v = q;
	v.desc_addr += 8;
	assert_int_equal(virtq_enable(&v, &drv.mem), -1);
	v = q;
	v.used_addr = MEM - 8;
	assert_int_equal(virtq_enable(&v, &drv.mem), -1);
	v = q;
	v.avail_addr = UINT64_MAX - 1;
	assert_int_equal(virtq_enable(&v, &drv.mem), -1);
	assert_false(v.ready);
	assert_int_equal(virtq_pop(&v, chain), VIRTQ_EMPTY);
}

static void test_notify_suppression(void **state)
{
	struct vring_avail *a = vdrv_ptr(&drv, dq.avail, 6 + 2 * QSZ + 2);

	vdrv_set_desc(&drv, &dq, 0, 0x200000, 4, 0, 0);
	a->flags = VRING_AVAIL_F_NO_INTERRUPT;
	assert_int_equal(pop_raw(0), VIRTQ_OK);
	virtq_push(&q, 0, 0);
	assert_false(virtq_should_notify(&q));

	/* EVENT_IDX: notify only when crossing used_event. */
	q.event_idx = true;
	a->flags = 0;
	a->ring[QSZ] = 2; /* used_event: interrupt once used idx passes 2 */
	assert_int_equal(pop_raw(0), VIRTQ_OK);
	virtq_push(&q, 0, 0); /* used idx 2 */
	assert_false(virtq_should_notify(&q));
	assert_int_equal(pop_raw(0), VIRTQ_OK);
	virtq_push(&q, 0, 0); /* used idx 3: crossed */
	assert_true(virtq_should_notify(&q));
	/* avail_event follows what the device consumed. */
	assert_int_equal(*(uint16_t *)vdrv_ptr(&drv, dq.used + 4 + 8 * QSZ, 2), 3);
}

/*
 * EVENT_IDX: finding the ring empty publishes avail_event = the next entry,
 * so an entry the driver adds after the device's last look is always kicked.
 */
static void test_empty_publishes_avail_event(void **state)
{
	uint16_t *avail_event = vdrv_ptr(&drv, dq.used + 4 + 8 * QSZ, 2);

	q.event_idx = true;
	vdrv_set_desc(&drv, &dq, 0, 0x200000, 4, 0, 0);
	assert_int_equal(pop_raw(0), VIRTQ_OK);
	assert_int_equal(pop_raw(0), VIRTQ_OK);
	*avail_event = 0; /* stale, as if the store had not reached the driver yet */
	assert_int_equal(virtq_pop(&q, chain), VIRTQ_EMPTY);
	assert_int_equal(*avail_event, 2);
}

/* Chains put back come out again in order; with EVENT_IDX the next addition is kicked. */
static void test_unpop(void **state)
{
	uint16_t *avail_event = vdrv_ptr(&drv, dq.used + 4 + 8 * QSZ, 2);
	struct vdrv_buf b = {0, 32, true};
	uint16_t h[3];

	q.event_idx = true;
	for (unsigned i = 0; i < 3; i++) {
		h[i] = vdrv_add_chain(&drv, &dq, &b, 1);
		vdrv_make_available(&drv, &dq, h[i]);
	}
	assert_int_equal(virtq_pop(&q, chain), VIRTQ_OK);
	assert_int_equal(chain->head, h[0]);
	assert_int_equal(virtq_pop(&q, chain), VIRTQ_OK);
	assert_int_equal(virtq_pop(&q, chain), VIRTQ_OK);
	virtq_unpop(&q, 2);
	/* The driver has added nothing new since: the event is at its avail index. */
	assert_int_equal(*avail_event, 3);
	assert_true(vring_need_event(*avail_event, 4, 3)); /* its next addition kicks */
	assert_int_equal(virtq_pop(&q, chain), VIRTQ_OK);
	assert_int_equal(chain->head, h[1]);
	assert_int_equal(virtq_pop(&q, chain), VIRTQ_OK);
	assert_int_equal(chain->head, h[2]);
	assert_int_equal(virtq_pop(&q, chain), VIRTQ_EMPTY);
	virtq_unpop(&q, 0);
	assert_int_equal(virtq_pop(&q, chain), VIRTQ_EMPTY);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_empty),
		T(test_simple_chain),
		T(test_indirect),
		T(test_indirect_not_negotiated),
		T(test_bad_head),
		T(test_bad_next),
		T(test_loop),
		T(test_longest_chain_ok),
		T(test_outside_memory),
		T(test_order),
		T(test_bad_indirect),
		T(test_avail_runaway),
		T(test_enable_validation),
		T(test_notify_suppression),
		T(test_empty_publishes_avail_event),
		T(test_unpop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
