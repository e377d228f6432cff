/* fingerprint: which issue an error event belongs to (docs/api.md, "Error
 * issues"). Events with the same fingerprint are one issue: the client's own
 * fingerprint when it sends one ("{{ default }}" standing for ours), else the
 * exception types and the module (or file) and function of each in-app frame,
 * else the message with its variable parts replaced. Line numbers, addresses
 * and the exception's value never count. Pure: json-c and OpenSSL's SHA-256. */
#ifndef TELLTALE_FINGERPRINT_H
#define TELLTALE_FINGERPRINT_H

#include <stddef.h>

#include <json-c/json.h>

#include "pure/keys.h"

/* An issue's title is cut to this many bytes at a character boundary. */
#define FINGERPRINT_TITLE_MAX 1024

struct fingerprint {
	char hex[KEYS_SHA256_HEX_LEN + 1];  /* SHA-256 of the parts that group */
	char *title;                         /* "Type: value", or the normalised message */
	char *culprit;                       /* "module in function" of the innermost
	                                        in-app frame, or NULL */
};

/* msg[0..len) with integers, decimals, hex of 8+ digits, UUIDs, quoted
 * strings, e-mail and IP addresses replaced by <int>, <float>, <hex>, <uuid>,
 * <str>, <email> and <ip>. Returns a new string (the caller frees it) and sets
 * *out_len, or NULL on no memory. */
char *fingerprint_normalise(const char *msg, size_t len, size_t *out_len);

/* The fingerprint of an event: stack as stored (Sentry's {"values":
 * [exception...]}, or an /apps stack {"type", "frames"}; may be NULL), its
 * message, and the client's fingerprint (an array of strings; NULL, or
 * anything else, for none). Returns 0, or -1 on no memory. Release *out. */
int fingerprint_of(struct json_object *stack, const char *message, size_t message_len,
		   struct json_object *client, struct fingerprint *out);

void fingerprint_release(struct fingerprint *fp);

#endif
