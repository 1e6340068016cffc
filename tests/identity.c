/* Fixed RP identities for tests: one seed byte names one key pair. */
#include <check.h>
#include <string.h>

#include "identity.h"

void test_identity(struct ctl_identity *id, uint8_t fill)
{
	uint8_t seed[32];

	memset(seed, fill, sizeof(seed));
	ck_assert_int_eq(ctl_identity_from_seed(id, seed), 0);
}
