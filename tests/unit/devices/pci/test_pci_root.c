// SPDX-License-Identifier: BSD-3-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "devices/pci/pci_root.h"
#include "port_bus.h"

static struct pci_root root;
static struct port_bus pb;

#define resets pb.exits[VM_EXIT_RESET]

static int setup(void **state)
{
	pb_init(&pb);
	pci_root_init(&root, pb_exit_notifier(&pb));
	pb_add(&pb, 0, 8, &pci_root_bus_ops, &root);
	return 0;
}

static void set_addr(uint32_t a)
{
	pci_root_bus_ops.write(&root, 0, (uint8_t *)&a, 4);
}

static uint32_t cfg_read32(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	uint32_t v;

	set_addr(0x80000000u | bus << 16 | dev << 11 | fn << 8 | reg);
	pci_root_bus_ops.read(&root, 4, (uint8_t *)&v, 4);
	return v;
}

static void test_type1_probe(void **state)
{
	uint32_t v;

	/* Linux's check: the address register reads back what was written. */
	set_addr(0x80000000u);
	pci_root_bus_ops.read(&root, 0, (uint8_t *)&v, 4);
	assert_int_equal(v, 0x80000000u);
	set_addr(0x80000003u); /* the low two bits are not stored */
	pci_root_bus_ops.read(&root, 0, (uint8_t *)&v, 4);
	assert_int_equal(v, 0x80000000u);
}

static void test_host_bridge(void **state)
{
	assert_int_equal(cfg_read32(0, 0, 0, 0) & 0xffff, 0x1ae0);
	assert_int_equal(cfg_read32(0, 0, 0, 8) >> 8, 0x060000);
	assert_int_equal(cfg_read32(0, 1, 0, 0), 0xffffffffu);
	assert_int_equal(cfg_read32(1, 0, 0, 0), 0xffffffffu);
	assert_int_equal(cfg_read32(0, 0, 1, 0), 0xffffffffu);
}

static void test_byte_access_and_wmask(void **state)
{
	uint8_t b = 0xff, v;

	set_addr(0x80000000u | 0x3c);
	pci_root_bus_ops.write(&root, 4, &b, 1); /* interrupt line: writable */
	pci_root_bus_ops.read(&root, 4, &v, 1);
	assert_int_equal(v, 0xff);
	set_addr(0x80000000u);
	pci_root_bus_ops.write(&root, 4 + 2, &b, 1); /* device ID: read-only */
	assert_int_equal(cfg_read32(0, 0, 0, 0) >> 16, 0x0001);
	/* Disabled address: reads float high. */
	set_addr(0);
	pci_root_bus_ops.read(&root, 4, &v, 1);
	assert_int_equal(v, 0xff);
}

static void test_reset_register(void **state)
{
	uint8_t v = 0x02;

	pci_root_bus_ops.write(&root, 1, &v, 1);
	assert_int_equal(resets, 0);
	v = 0x06;
	pci_root_bus_ops.write(&root, 1, &v, 1);
	assert_int_equal(resets, 1);
}

static struct pci_function extra;
static void extra_read(struct pci_function *fn, unsigned off, uint8_t *d, unsigned len)
{
	memset(d, 0x42, len);
}

static void test_add_function(void **state)
{
	extra.cfg_read = extra_read;
	assert_int_equal(pci_root_add(&root, 0, &extra), -1);
	assert_int_equal(pci_root_add(&root, 32, &extra), -1);
	assert_int_equal(pci_root_add(&root, 3, &extra), 0);
	assert_int_equal(cfg_read32(0, 3, 0, 0), 0x42424242u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_type1_probe, setup),
		cmocka_unit_test_setup(test_host_bridge, setup),
		cmocka_unit_test_setup(test_byte_access_and_wmask, setup),
		cmocka_unit_test_setup(test_reset_register, setup),
		cmocka_unit_test_setup(test_add_function, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
