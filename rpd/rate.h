/* Bounding how often rpd answers: a generic cell rate algorithm. */
#ifndef RPD_RATE_H
#define RPD_RATE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Whether one more answer fits in per_s a second, in bursts of as many
 * within any second (GCRA: *tat_us is the theoretical arrival time, now_us
 * the loop's clock in µs); if so, *tat_us moves on.  Answers go to
 * addresses nobody checked, so every kind of answer is bounded.
 */
static inline bool rate_take(uint64_t *tat_us, uint64_t now_us, unsigned per_s)
{
	uint64_t tat = *tat_us < now_us ? now_us : *tat_us;

	if (tat - now_us >= 1000000)
		return false;
	*tat_us = tat + 1000000 / per_s;
	return true;
}

#endif
