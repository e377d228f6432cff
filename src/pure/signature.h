/* signature: webhook secrets and signatures. A rule's secret is not stored:
 * it is derived from the stack's signing key (TELLTALE_WEBHOOK_SECRET) and
 * the rule's id and nonce, so the worker can show it once and the notifier
 * can sign with it, and the database holds nothing that signs. A receiver
 * verifies X-Telltale-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>"> with that secret (docs/api.md, "Webhooks"). */
#ifndef TELLTALE_SIGNATURE_H
#define TELLTALE_SIGNATURE_H

#include <stddef.h>
#include <stdint.h>

#define SIGNATURE_HEX_LEN 64
/* "whsec_" and 64 hex digits */
#define SIGNATURE_SECRET_LEN (6 + SIGNATURE_HEX_LEN)
/* "t=" and up to 20 digits, ",v1=" and 64 hex digits */
#define SIGNATURE_HEADER_MAX (2 + 20 + 4 + SIGNATURE_HEX_LEN)

/* The secret of rule rule_id with nonce (its rotation; "" for a rule made
 * before secrets were per rule) under key, into out with a NUL. Returns 0, or
 * -1 when OpenSSL fails. */
int signature_secret(const char *key, const char *rule_id, const char *nonce,
		     char out[SIGNATURE_SECRET_LEN + 1]);

/* "t=<t>,v1=<hex HMAC-SHA256 under secret of "<t>." and body>" into out with
 * a NUL. Returns 0, or -1 when OpenSSL fails. */
int signature_header(const char *secret, int64_t t, const char *body, size_t len,
		     char out[SIGNATURE_HEADER_MAX + 1]);

/* "sha256=<hex HMAC-SHA256 under key of body>", the signature of rules made
 * before secrets were per rule, into out with a NUL. Returns 0, or -1. */
int signature_legacy(const char *key, const char *body, size_t len,
		     char out[7 + SIGNATURE_HEX_LEN + 1]);

#endif
