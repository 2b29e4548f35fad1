// SPDX-License-Identifier: BSD-3-Clause
/* VM exit counters: by reason, by port and page, merged across vCPUs, bounded tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "vm/exit_stats.h"

static struct exit_stats a, b, sum;

static void io(struct exit_stats *s, uint16_t port)
{
	struct kvm_run run = {.exit_reason = KVM_EXIT_IO};

	run.io.port = port;
	exit_stats_count(s, &run);
}

static void mmio(struct exit_stats *s, uint64_t addr)
{
	struct kvm_run run = {.exit_reason = KVM_EXIT_MMIO};

	run.mmio.phys_addr = addr;
	exit_stats_count(s, &run);
}

static void test_count_and_merge(void **state)
{
	struct kvm_run hlt = {.exit_reason = KVM_EXIT_HLT}, odd = {.exit_reason = 1000};

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&sum, 0, sizeof(sum));
	for (int i = 0; i < 5; i++)
		io(&a, 0xcfc);
	io(&a, 0); /* port 0 is a key like any other */
	io(&b, 0xcfc);
	mmio(&a, 0xfe001004);
	mmio(&b, 0xfe001ff8); /* the same page */
	mmio(&b, 0xfe002000);
	exit_stats_count(&a, &hlt);
	exit_stats_count(&a, &odd); /* past the counted reasons: ignored, not out of bounds */
	assert_int_equal(a.reason[KVM_EXIT_IO], 6);
	assert_int_equal(exit_stats_at(a.io, 0xcfc), 5);
	assert_int_equal(exit_stats_at(a.io, 0), 1);
	assert_int_equal(exit_stats_at(a.io, 0xcf8), 0);
	exit_stats_add(&sum, &a);
	exit_stats_add(&sum, &b);
	assert_int_equal(sum.reason[KVM_EXIT_IO], 7);
	assert_int_equal(sum.reason[KVM_EXIT_MMIO], 3);
	assert_int_equal(sum.reason[KVM_EXIT_HLT], 1);
	assert_int_equal(exit_stats_at(sum.io, 0xcfc), 6);
	assert_int_equal(exit_stats_at(sum.mmio, 0xfe001000), 2);
	assert_int_equal(exit_stats_at(sum.mmio, 0xfe002000), 1);
}

static void test_full_table(void **state)
{
	uint64_t counted = 0;

	memset(&a, 0, sizeof(a));
	/* More distinct ports than slots: the rest is counted apart, nothing is lost. */
	for (unsigned p = 0; p < 3 * EXIT_ADDR_SLOTS; p++)
		io(&a, (uint16_t)(p * 7));
	for (unsigned i = 0; i < EXIT_ADDR_SLOTS; i++)
		counted += a.io[i].n;
	assert_int_equal(counted, EXIT_ADDR_SLOTS);
	assert_int_equal(a.io_other, 2 * EXIT_ADDR_SLOTS);
	assert_int_equal(a.reason[KVM_EXIT_IO], 3 * EXIT_ADDR_SLOTS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_and_merge),
		cmocka_unit_test(test_full_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
