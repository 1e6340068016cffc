/* The main() of every Check test program: run one suite, report, exit. */
#ifndef MDCS_TEST_RUNNER_H
#define MDCS_TEST_RUNNER_H

#include <check.h>

/* Run all of s's tests; EXIT_SUCCESS if none failed. */
int run_suite(Suite *s);

#define CHECK_MAIN(suite_fn)                                                   \
	int main(void)                                                         \
	{                                                                      \
		return run_suite(suite_fn());                                  \
	}

#endif
