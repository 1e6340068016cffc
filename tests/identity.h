/* Fixed RP identities for tests: one seed byte names one key pair. */
#ifndef MDCS_TEST_IDENTITY_H
#define MDCS_TEST_IDENTITY_H

#include <stdint.h>

#include "control.h"

/* Derive id from a seed of 32 bytes all equal to fill; fails the test. */
void test_identity(struct ctl_identity *id, uint8_t fill);

#endif
