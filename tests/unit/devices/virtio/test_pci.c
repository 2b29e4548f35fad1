// SPDX-License-Identifier: BSD-3-Clause
/* The virtio-pci transport driven the way Linux's virtio_pci_modern does, with virtio-rng behind
 * it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>
#include <string.h>

#include "devices/virtio/pci.h"
#include "devices/virtio/rng.h"
#include "virtio_driver.h"

#define BAR0   0xc0000000ull
#define OFF(f) offsetof(struct virtio_pci_common_cfg, f)

static struct vdrv drv;
static struct vdrv_queue dq;
static struct virtio_device dev;
static struct virtio_pci vp;
static int fired[8], routes, kicked[8];
static uint64_t last_bar;
static bool last_en;

static void route(void *o, unsigned v, uint64_t addr, uint32_t data)
{
	routes++;
}

static void fire(void *o, unsigned v)
{
	fired[v]++;
}

static void bar_changed(void *o, uint64_t bar, bool en)
{
	last_bar = bar;
	last_en = en;
}

static void kick(void *o, unsigned q)
{
	kicked[q]++;
}

static int setup(void **state)
{
	struct virtio_pci_host host = {
		.bar_changed = bar_changed, .kick = kick, .msix = {route, fire, NULL}};

	memset(fired, 0, sizeof(fired));
	memset(kicked, 0, sizeof(kicked));
	routes = 0;
	if (vdrv_init(&drv, 4u << 20) || virtio_rng_create(&dev, &drv.mem, NULL))
		return -1;
	virtio_pci_init(&vp, &dev, BAR0, host);
	return 0;
}

static int teardown(void **state)
{
	virtio_device_destroy(&dev);
	vdrv_destroy(&drv);
	return 0;
}

static uint32_t cfg32(unsigned off)
{
	uint32_t v;

	vp.fn.cfg_read(&vp.fn, off, (uint8_t *)&v, 4);
	return v;
}

static void cfg_w16(unsigned off, uint16_t v)
{
	vp.fn.cfg_write(&vp.fn, off, (uint8_t *)&v, 2);
}

static void cfg_w32(unsigned off, uint32_t v)
{
	vp.fn.cfg_write(&vp.fn, off, (uint8_t *)&v, 4);
}

static uint32_t rd(uint64_t off, uint32_t len)
{
	uint32_t v = 0;

	virtio_pci_bar_read(&vp, off, (uint8_t *)&v, len);
	return v;
}

static void wr(uint64_t off, uint32_t v, uint32_t len)
{
	virtio_pci_bar_write(&vp, off, (uint8_t *)&v, len);
}

static void test_identity_and_caps(void **state)
{
	uint8_t types[8] = {0}, at;
	int n = 0;

	assert_int_equal(cfg32(0), 0x1044u << 16 | 0x1af4);
	assert_int_equal(cfg32(8) & 0xff, 1); /* revision 1: modern only */
	assert_int_equal((cfg32(4) >> 16) & 0x10, 0x10);
	for (at = (uint8_t)cfg32(0x34); at && n < 8; at = (uint8_t)(cfg32(at) >> 8)) {
		if ((cfg32(at) & 0xff) == 0x09)
			types[n++] = (uint8_t)(cfg32(at) >> 24);
		else
			assert_int_equal(cfg32(at) & 0xff, 0x11); /* MSI-X */
	}
	assert_int_equal(n, 4);
	assert_int_equal(types[0], VIRTIO_PCI_CAP_COMMON_CFG);
	assert_int_equal(types[1], VIRTIO_PCI_CAP_NOTIFY_CFG);
	assert_int_equal(types[2], VIRTIO_PCI_CAP_ISR_CFG);
	assert_int_equal(types[3], VIRTIO_PCI_CAP_DEVICE_CFG);
}

static void test_bar_sizing(void **state)
{
	cfg_w32(0x10, 0xffffffff);
	cfg_w32(0x14, 0xffffffff);
	assert_int_equal(cfg32(0x10), (uint32_t) ~(VPCI_BAR_SIZE - 1) | 0x4);
	assert_int_equal(cfg32(0x14), 0xffffffff);
	cfg_w32(0x10, (uint32_t)BAR0);
	cfg_w32(0x14, 0);
	cfg_w16(0x04, 0x0006); /* memory + bus master */
	assert_true(last_en);
	assert_int_equal(last_bar, BAR0);
	assert_true(vp.mem_enabled);
}

static void test_features(void **state)
{
	wr(OFF(device_feature_select), 1, 4);
	assert_int_equal(rd(OFF(device_feature), 4) & 1, 1); /* VERSION_1 (bit 32) */
	wr(OFF(device_feature_select), 0, 4);
	assert_true(rd(OFF(device_feature), 4) & (1u << VIRTIO_RING_F_EVENT_IDX));
	wr(OFF(device_feature_select), 7, 4);
	assert_int_equal(rd(OFF(device_feature), 4), 0);

	/* Without VERSION_1, FEATURES_OK does not stick. */
	wr(OFF(device_status), VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
	wr(OFF(device_status), 0x0b, 1);
	assert_int_equal(rd(OFF(device_status), 1) & VIRTIO_CONFIG_S_FEATURES_OK, 0);
	/* Unknown bits are dropped; VERSION_1 makes it stick. */
	wr(OFF(guest_feature_select), 0, 4);
	wr(OFF(guest_feature), 0xffffffff, 4);
	wr(OFF(guest_feature_select), 1, 4);
	wr(OFF(guest_feature), 1, 4);
	assert_int_equal(dev.acked_features, (1ull << VIRTIO_F_VERSION_1) | dev.ops->features);
	wr(OFF(device_status), 0x0b, 1);
	assert_int_equal(rd(OFF(device_status), 1) & VIRTIO_CONFIG_S_FEATURES_OK,
			 VIRTIO_CONFIG_S_FEATURES_OK);
	/* Features are frozen after FEATURES_OK. */
	wr(OFF(guest_feature_select), 0, 4);
	wr(OFF(guest_feature), 0, 4);
	assert_int_not_equal(dev.acked_features & 0xffffffff, 0);
}

/* Linux's probe sequence up to DRIVER_OK with queue 0 on MSI-X vector 1. */
static void bring_up(void)
{
	struct virtq dummy;
	uint32_t msix_ctrl_off = vp.msix_cap + 2u;

	test_bar_sizing(NULL);
	wr(OFF(device_status), VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
	wr(OFF(guest_feature_select), 1, 4);
	wr(OFF(guest_feature), 1, 4);
	wr(OFF(device_status), 0x0b, 1);
	/* MSI-X: enable, program and unmask vectors 0 and 1. */
	cfg_w16(msix_ctrl_off, 0x8000);
	for (unsigned v = 0; v < 2; v++) {
		wr(VPCI_MSIX_TABLE + 16 * v, 0xfee00000, 4);
		wr(VPCI_MSIX_TABLE + 16 * v + 4, 0, 4);
		wr(VPCI_MSIX_TABLE + 16 * v + 8, 0x30 + v, 4);
		wr(VPCI_MSIX_TABLE + 16 * v + 12, 0, 4);
	}
	wr(OFF(msix_config), 0, 2);
	wr(OFF(queue_select), 0, 2);
	assert_int_equal(rd(OFF(queue_size), 2), 256);
	vdrv_queue_init(&drv, &dq, 16, &dummy);
	wr(OFF(queue_size), 16, 2);
	wr(OFF(queue_msix_vector), 1, 2);
	assert_int_equal(rd(OFF(queue_msix_vector), 2), 1);
	wr(OFF(queue_desc_lo), (uint32_t)dq.desc, 4);
	wr(OFF(queue_desc_hi), 0, 4);
	wr(OFF(queue_avail_lo), (uint32_t)dq.avail, 4);
	wr(OFF(queue_avail_hi), 0, 4);
	wr(OFF(queue_used_lo), (uint32_t)dq.used, 4);
	wr(OFF(queue_used_hi), 0, 4);
	wr(OFF(queue_enable), 1, 2);
	assert_int_equal(rd(OFF(queue_enable), 2), 1);
	wr(OFF(device_status), 0x0f, 1);
}

static void test_rng_request(void **state)
{
	struct vdrv_buf b = {0, 64, true};
	uint32_t id, len;
	uint8_t zero[64] = {0};
	uint16_t head;

	bring_up();
	assert_true(dev.driver_ok);
	assert_true(routes >= 2);
	head = vdrv_add_chain(&drv, &dq, &b, 1);
	memset(vdrv_ptr(&drv, vdrv_last_buf(0), 64), 0, 64);
	vdrv_make_available(&drv, &dq, head);
	wr(VPCI_NOTIFY + 0, 0, 2); /* the kick, as without an ioeventfd */
	assert_true(vdrv_get_used(&drv, &dq, &id, &len));
	assert_int_equal(id, head);
	assert_int_equal(len, 64);
	assert_memory_not_equal(vdrv_ptr(&drv, vdrv_last_buf(0), 64), zero, 64);
	assert_int_equal(fired[1], 1);
	assert_int_equal(rd(VPCI_ISR, 1), 1);
	assert_int_equal(rd(VPCI_ISR, 1), 0); /* read clears */
}

static void test_masked_vector_pends(void **state)
{
	struct vdrv_buf b = {0, 8, true};

	bring_up();
	wr(VPCI_MSIX_TABLE + 16 + 12, 1, 4); /* mask vector 1 */
	vdrv_make_available(&drv, &dq, vdrv_add_chain(&drv, &dq, &b, 1));
	wr(VPCI_NOTIFY, 0, 2);
	assert_int_equal(fired[1], 0);
	assert_int_equal(rd(VPCI_MSIX_PBA, 4), 2);
	wr(VPCI_MSIX_TABLE + 16 + 12, 0, 4); /* unmask: delivered now */
	assert_int_equal(fired[1], 1);
	assert_int_equal(rd(VPCI_MSIX_PBA, 4), 0);
}

static void test_bad_queue_config(void **state)
{
	/* Rings outside guest memory: the queue stays disabled and NEEDS_RESET is set. */
	test_bar_sizing(NULL);
	wr(OFF(queue_select), 0, 2);
	wr(OFF(queue_desc_lo), 0xfffff000, 4);
	wr(OFF(queue_desc_hi), 0x7, 4);
	wr(OFF(queue_enable), 1, 2);
	assert_int_equal(rd(OFF(queue_enable), 2), 0);
	assert_true(rd(OFF(device_status), 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	/* A queue that does not exist reads as size 0; a bad vector reads NO_VECTOR. */
	wr(OFF(queue_select), 5, 2);
	assert_int_equal(rd(OFF(queue_size), 2), 0);
	wr(OFF(queue_select), 0, 2);
	wr(OFF(queue_msix_vector), 40, 2);
	assert_int_equal(rd(OFF(queue_msix_vector), 2), VIRTIO_MSI_NO_VECTOR);
	/* Accesses outside every structure are ignored, reads as zero. */
	assert_int_equal(rd(0x7ff0, 4), 0);
	wr(0x6000, 0x12345678, 4);
	assert_int_equal(rd(OFF(num_queues), 2), 1);
}

/*
 * One write covering queue_select and the queue fields after it (a guest may write 8 bytes
 * at once): the fields go to the queue it selects, and a queue that does not exist takes
 * none of them (found by fuzz_virtio_pci: the vector landed past queue_vector[]).
 */
static void test_select_and_program_in_one_write(void **state)
{
	uint64_t v = 8 | 16ull << 16 | 1ull << 32; /* select 8, size 16, vector 1, enable 0 */
	uint8_t status;

	bring_up();
	status = (uint8_t)rd(OFF(device_status), 1);
	virtio_pci_bar_write(&vp, OFF(queue_select), (uint8_t *)&v, 8);
	assert_int_equal(rd(OFF(queue_select), 2), 8);
	assert_int_equal(rd(OFF(queue_size), 2), 0);
	assert_int_equal(rd(OFF(device_status), 1), status);
	assert_int_equal(vp.isr, 0);
	wr(OFF(queue_select), 0, 2);
	assert_int_equal(rd(OFF(queue_msix_vector), 2), 1); /* queue 0 untouched */

	/* From a queue that does not exist to one that does: it gets the fields. */
	wr(OFF(device_status), 0, 1);
	wr(OFF(queue_select), 5, 2);
	v = 0 | 16ull << 16 | 1ull << 32;
	virtio_pci_bar_write(&vp, OFF(queue_select), (uint8_t *)&v, 8);
	assert_int_equal(rd(OFF(queue_size), 2), 16);
	assert_int_equal(rd(OFF(queue_msix_vector), 2), 1);
}

static void test_reset(void **state)
{
	bring_up();
	wr(OFF(device_status), 0, 1);
	assert_int_equal(rd(OFF(device_status), 1), 0);
	assert_false(dev.driver_ok);
	assert_false(dev.queues[0].ready);
	assert_int_equal(dev.acked_features, 0);
	assert_int_equal(rd(OFF(queue_size), 2), 256);
	assert_int_equal(rd(OFF(queue_msix_vector), 2), VIRTIO_MSI_NO_VECTOR);
}

static void test_config_changed(void **state)
{
	uint32_t gen = rd(OFF(config_generation), 1);

	/* Before DRIVER_OK: the generation moves, but no interrupt. */
	assert_non_null(dev.config_changed);
	dev.config_changed(&dev);
	assert_int_equal(rd(OFF(config_generation), 1), (gen + 1) & 0xff);
	assert_int_equal(rd(VPCI_ISR, 1), 0);
	bring_up(); /* msix_config is vector 0, queue 0 on vector 1 */
	gen = rd(OFF(config_generation), 1);
	dev.config_changed(&dev);
	assert_int_equal(rd(OFF(config_generation), 1), (gen + 1) & 0xff);
	assert_int_equal(fired[0], 1);
	assert_int_equal(fired[1], 0);
	assert_int_equal(rd(VPCI_ISR, 1), VIRTIO_PCI_ISR_CONFIG);
	assert_int_equal(rd(VPCI_ISR, 1), 0);
	/* Without a config vector only the ISR bit tells. */
	wr(OFF(msix_config), VIRTIO_MSI_NO_VECTOR, 2);
	dev.config_changed(&dev);
	assert_int_equal(fired[0], 1);
	assert_int_equal(rd(VPCI_ISR, 1), VIRTIO_PCI_ISR_CONFIG);
}

/* DRIVER_OK makes the device look at its ready queues once (buffers posted before it). */
static void test_driver_ok_kicks(void **state)
{
	assert_int_equal(kicked[0], 0);
	bring_up();
	assert_int_equal(kicked[0], 1);
	/* Writing the same status again is not a new DRIVER_OK. */
	wr(OFF(device_status), rd(OFF(device_status), 1), 1);
	assert_int_equal(kicked[0], 1);
}

static void test_mmio_dispatch(void **state)
{
	uint8_t b[4];

	assert_false(virtio_pci_mmio(&vp, BAR0, b, 4, false)); /* decoding off */
	test_bar_sizing(NULL);
	assert_true(virtio_pci_mmio(&vp, BAR0 + OFF(num_queues), b, 2, false));
	assert_int_equal(b[0], 1);
	assert_false(virtio_pci_mmio(&vp, BAR0 + VPCI_BAR_SIZE, b, 4, false));
	assert_false(virtio_pci_mmio(&vp, BAR0 - 4, b, 4, false));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_identity_and_caps),
		T(test_driver_ok_kicks),
		T(test_bar_sizing),
		T(test_features),
		T(test_rng_request),
		T(test_masked_vector_pends),
		T(test_bad_queue_config),
		T(test_select_and_program_in_one_write),
		T(test_reset),
		T(test_config_changed),
		T(test_mmio_dispatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
