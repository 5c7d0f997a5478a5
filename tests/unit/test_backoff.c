/*
 * The pace of connection attempts (common/backoff.c): waits of 100 ms
 * doubling to 5 s, one step per failure of an attempt begun after the
 * last counted failure (older ones fail with it), and a success starting
 * again from 100 ms.  No sleeping: the waits are read, not waited.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "backoff.h"

/* Fail an attempt begun now; return the wait. */
static uint32_t
fail_now(struct backoff * b)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (backoff_failed(b, &t));
}

/* 100, 200, 400 ... 3200, then 5000 for ever; the wait is no longer. */
static void
test_doubling(void ** state)
{
	static const uint32_t want[] = {100, 200, 400, 800, 1600, 3200, 5000,
	    5000, 5000};
	struct backoff b;
	size_t i;
	uint32_t w;

	(void)state;
	backoff_init(&b, 100, 5000);
	assert_int_equal(backoff_wait(&b), 0);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(fail_now(&b), want[i]);
		assert_int_equal(b.fails, i + 1);
		w = backoff_wait(&b);
		assert_true(w > 0 && w <= want[i]);
	}
}

/* Attempts begun before a counted failure do not count again. */
static void
test_older_attempts(void ** state)
{
	struct backoff b;
	struct timespec early;

	(void)state;
	backoff_init(&b, 100, 5000);
	clock_gettime(CLOCK_MONOTONIC, &early);
	assert_int_equal(backoff_failed(&b, &early), 100);
	assert_int_equal(backoff_failed(&b, &early), 0);
	assert_int_equal(backoff_failed(&b, &early), 0);
	assert_int_equal(b.fails, 1);
	assert_int_equal(fail_now(&b), 200);
	assert_int_equal(b.fails, 2);
}

/* A success: no wait, and the next failure waits the minimum. */
static void
test_success_resets(void ** state)
{
	struct backoff b;

	(void)state;
	backoff_init(&b, 100, 5000);
	assert_int_equal(backoff_succeeded(&b), 0);
	(void)fail_now(&b);
	(void)fail_now(&b);
	(void)fail_now(&b);
	assert_int_equal(backoff_succeeded(&b), 3);
	assert_int_equal(backoff_wait(&b), 0);
	assert_int_equal(fail_now(&b), 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doubling),
		cmocka_unit_test(test_older_attempts),
		cmocka_unit_test(test_success_resets),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
