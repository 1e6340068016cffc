/* The datapath counters' names, as mdcsctl, rpd and the tests print them. */
#ifndef MDCS_COUNTERS_H
#define MDCS_COUNTERS_H

#include "dp_abi.h"

/* Indexed by enum mdcs_counter: "encap-packets", "drop-no-route", ... */
extern const char *const mdcs_counter_names[MDCS_CNT_MAX];

#endif
