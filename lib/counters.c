/* The datapath counters' names, as mdcsctl, rpd and the tests print them. */
#include "counters.h"

const char *const mdcs_counter_names[MDCS_CNT_MAX] = {
#define COUNTER_NAME(id, name) name,
	MDCS_COUNTERS(COUNTER_NAME)
#undef COUNTER_NAME
};
