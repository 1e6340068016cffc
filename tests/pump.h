/* Running rpd's event loop in a test until a counter reaches a value. */
#ifndef MDCS_TEST_PUMP_H
#define MDCS_TEST_PUMP_H

#include <stdint.h>

#include "loop.h"

/* Run loop until *counter is at least want, for bound_ms at most; the
 * counter's value then (UINT64_MAX if the loop failed). */
uint64_t pump(struct loop *loop, const uint64_t *counter, uint64_t want,
	      unsigned bound_ms);

#endif
