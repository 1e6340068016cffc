/* This RP's Ed25519 identity: key files, and generating them. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "identity.h"
#include "log.h"

#define SEED_LEN 32

int identity_load(const char *path, struct ctl_identity *id)
{
	char hex[2 * SEED_LEN + 2];
	uint8_t seed[SEED_LEN];
	size_t used = 0;
	FILE *f = fopen(path, "re");
	int rc = -1;

	if (!f) {
		log_err("key file %s: %m", path);
		return -1;
	}
	if (!fgets(hex, sizeof(hex), f) ||
	    sodium_hex2bin(seed, sizeof(seed), hex, strcspn(hex, "\r\n"), NULL,
			   &used, NULL) ||
	    used != SEED_LEN)
		log_err("key file %s: not a hexadecimal 32-octet seed", path);
	else
		rc = ctl_identity_from_seed(id, seed);
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(hex, sizeof(hex));
	fclose(f);
	return rc;
}

int identity_generate(const char *path)
{
	uint8_t seed[SEED_LEN];
	char hex[2 * SEED_LEN + 1], pk_hex[2 * MDCS_CTL_KEY_LEN + 1];
	struct ctl_identity id;
	bool written = false;
	int fd, rc = -1;

	if (sodium_init() < 0)
		return -1;
	randombytes_buf(seed, sizeof(seed));
	if (ctl_identity_from_seed(&id, seed))
		return -1;
	sodium_bin2hex(hex, sizeof(hex), seed, sizeof(seed));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		written = dprintf(fd, "%s\n", hex) == 2 * SEED_LEN + 1;
		if (close(fd))
			written = false;
	}
	if (!written) {
		fprintf(stderr, "rpd: %s: %s\n", path, strerror(errno));
	} else {
		sodium_bin2hex(pk_hex, sizeof(pk_hex), id.pk, sizeof(id.pk));
		printf("%s\n", pk_hex);
		rc = 0;
	}
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(hex, sizeof(hex));
	sodium_memzero(&id, sizeof(id));
	return rc;
}
