/* password: users' passwords, hashed with argon2id (libargon2) at the cost of
 * docs/api.md: m = 19 MiB, t = 2, p = 1. Only the encoded hash is ever kept. */
#ifndef TELLTALE_PASSWORD_H
#define TELLTALE_PASSWORD_H

#include <stddef.h>

#define PASSWORD_MIN_CHARS 12
#define PASSWORD_MAX_BYTES 1024
#define PASSWORD_HASH_MAX 128           /* an encoded hash and its NUL fit */

#define PASSWORD_T_COST 2
#define PASSWORD_M_COST_KIB 19456
#define PASSWORD_PARALLELISM 1

/* 1 when password[0..len) is long enough (PASSWORD_MIN_CHARS characters) and
 * short enough (PASSWORD_MAX_BYTES bytes) to be set. */
int password_acceptable(const char *password, size_t len);

/* Hashes password[0..len) with a fresh salt into out (PASSWORD_HASH_MAX
 * bytes): "$argon2id$v=19$m=19456,t=2,p=1$salt$hash". Returns 0 or -1. */
int password_hash(const char *password, size_t len, char out[PASSWORD_HASH_MAX]);

/* 1 when password[0..len) is the one stored was made from, else 0. A NULL
 * stored (no such user, or one without a password) is checked against a
 * fixed hash of the same cost all the same, so that an unknown name costs
 * what a known one does; it never matches. *hashed is set to 1 when a hash was
 * computed to compare, 0 when stored could not even be decoded (the unit
 * test holds the dummy path to it). */
int password_check(const char *stored, const char *password, size_t len, int *hashed);

#endif
