/* Keyed BLAKE2b standing in for Ed25519 in simulations (fastsig.h). */
#include <string.h>
#include <sodium.h>

#include "fastsig.h"

/* The MAC key of a public key: H(secret || pk). */
static void key_of(const uint8_t *secret, const uint8_t *pk, uint8_t key[32])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, secret, 32);
	crypto_generichash_update(&st, pk, MDCS_CTL_KEY_LEN);
	crypto_generichash_final(&st, key, 32);
}

static void mac(const uint8_t *secret, const uint8_t *pk, const uint8_t *m,
		size_t n, uint8_t out[MDCS_CTL_SIG_LEN])
{
	uint8_t key[32];

	key_of(secret, pk, key);
	crypto_generichash(out, MDCS_CTL_SIG_LEN, m, n, key, sizeof(key));
}

static int fast_sign(const struct ctl_signer *s, const uint8_t *m, size_t n,
		     uint8_t sig[MDCS_CTL_SIG_LEN])
{
	mac(s->ctx, s->pk, m, n, sig);
	return 0;
}

static int fast_verify(const struct ctl_signer *s, const uint8_t *pk,
		       const uint8_t *m, size_t n, const uint8_t *sig)
{
	uint8_t want[MDCS_CTL_SIG_LEN];

	mac(s->ctx, pk, m, n, want);
	return sodium_memcmp(want, sig, sizeof(want)) ? -1 : 0;
}

void fastsig_init(struct ctl_signer *s, const uint8_t *pk,
		  const uint8_t secret[32])
{
	memcpy(s->pk, pk, MDCS_CTL_KEY_LEN);
	s->sign = fast_sign;
	s->verify = fast_verify;
	s->ctx = secret;
}
