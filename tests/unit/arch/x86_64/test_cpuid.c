// SPDX-License-Identifier: BSD-3-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "arch/x86_64/cpuid.h"

static struct kvm_cpuid2 *make(void)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 4 * sizeof(struct kvm_cpuid_entry2));

	c->nent = 4;
	c->entries[0].function = 1;
	c->entries[0].ebx = 0xabcd;
	c->entries[1].function = 0xb;
	c->entries[1].index = 0;
	c->entries[2].function = 0xb;
	c->entries[2].index = 1;
	c->entries[3].function = 0x80000008;
	return c;
}

static void test_topology(void **state)
{
	struct kvm_cpuid2 *c = make();

	x86_cpuid_for_vcpu(c, 2, 3, true);
	assert_true(c->entries[0].ecx & (1u << 24));
	assert_int_equal(c->entries[0].ebx >> 24, 2);
	assert_int_equal((c->entries[0].ebx >> 16) & 0xff, 3);
	assert_int_equal(c->entries[0].ebx & 0xffff, 0xabcd);
	assert_true(c->entries[0].ecx & (1u << 31));
	assert_true(c->entries[0].edx & (1u << 28));
	assert_int_equal(c->entries[1].ebx, 1);
	assert_int_equal(c->entries[1].edx, 2);
	assert_int_equal(c->entries[2].eax, 2); /* 3 cores need 2 ID bits */
	assert_int_equal(c->entries[2].ebx, 3);
	assert_int_equal(c->entries[2].ecx, (2u << 8) | 1);
	assert_int_equal(c->entries[3].ecx & 0xff, 2);
	free(c);
}

static void test_single(void **state)
{
	struct kvm_cpuid2 *c = make();

	c->entries[0].edx = 1u << 28;
	x86_cpuid_for_vcpu(c, 0, 1, false);
	assert_false(c->entries[0].ecx & (1u << 24));
	assert_int_equal(c->entries[0].ebx >> 24, 0);
	assert_false(c->entries[0].edx & (1u << 28));
	assert_int_equal(c->entries[2].eax, 0);
	free(c);
}

/* XCR0 starts at leaf 0xD.0's components without MPX, and only with XSAVE. */
static void test_initial_xcr0(void **state)
{
	struct kvm_cpuid2 *c = make();

	c->entries[1].function = 0xd; /* reuse the 0xb index-0 slot */
	c->entries[1].eax = 0x21f;    /* x87 SSE AVX BNDREGS BNDCSR PKRU */
	c->entries[1].edx = 0x1;
	assert_int_equal(x86_cpuid_initial_xcr0(c), 0);
	c->entries[0].ecx = 1u << 26;
	assert_int_equal(x86_cpuid_initial_xcr0(c), 0x100000207ull);
	c->entries[1].index = 1; /* subleaf 1 is not the component list */
	assert_int_equal(x86_cpuid_initial_xcr0(c), 0);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_topology),
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_initial_xcr0),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
