// SPDX-License-Identifier: GPL-2.0-or-later
/* Errors are values: an address and a chain of contexts, innermost last. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "kvmtimer/error.h"

static void test_chain_keeps_status_and_address(void **state)
{
	(void)state;
	struct kt_err e = { 0 };
	assert_int_equal(kt_err_set(&e, KT_EFAULT, 0xffff888000001000ULL, "struct kvm_vcpu unreadable"),
			 KT_EFAULT);
	assert_int_equal(kt_err_wrap(&e, 0xffff888000002000ULL, "vCPU %d", 3), KT_EFAULT);
	assert_int_equal(kt_err_wrap(&e, 0, "VM pid %d", 42), KT_EFAULT);
	assert_string_equal(e.msg, "VM pid 42: vCPU 3: struct kvm_vcpu unreadable");
	/* The innermost address wins: it is where the read failed. */
	assert_int_equal(e.addr, 0xffff888000001000ULL);
}

static void test_wrap_sets_address_when_none(void **state)
{
	(void)state;
	struct kt_err e = { 0 };
	kt_err_set(&e, KT_ENOMEM, 0, "out of memory");
	kt_err_wrap(&e, 0x1000, "vm_list");
	assert_string_equal(e.msg, "vm_list: out of memory");
	assert_int_equal(e.addr, 0x1000);
	/* A long chain is cut, never overflows. */
	for (int i = 0; i < 100; i++)
		kt_err_wrap(&e, 0, "context %d", i);
	assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
	assert_int_equal(strncmp(e.msg, "context 99: context 98: ", 24), 0);
	assert_null(kt_err_wrap(NULL, 0, "x") ? "not ok" : NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_keeps_status_and_address),
		cmocka_unit_test(test_wrap_sets_address_when_none),
	};
	return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
