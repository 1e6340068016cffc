/* This RP's Ed25519 identity: key files, and generating them. */
#ifndef RPD_IDENTITY_H
#define RPD_IDENTITY_H

#include "control.h"

/* Read a key file: the 32-octet seed in hexadecimal. */
int identity_load(const char *path, struct ctl_identity *id);

/* Write a new key file (mode 0600) and print the public key. */
int identity_generate(const char *path);

#endif
