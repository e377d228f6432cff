/* params: the values that arrive as text in paths and query strings, checked
 * and converted before a handler uses them. Pure: no I/O, no globals. */
#ifndef TELLTALE_PARAMS_H
#define TELLTALE_PARAMS_H

#include <stddef.h>
#include <stdint.h>

/* Strict decimal: an optional '-', then digits only, within int64.
 * Returns 0 and sets *out, or -1. */
int params_parse_int64(const char *s, int64_t *out);

/* A path id: a positive 64-bit decimal integer. s is NUL-terminated at s[len]
 * (a decoded path segment) and may hold anything before, embedded NULs
 * included. Returns 0 and sets *out, or -1. */
int params_parse_id(const char *s, size_t len, int64_t *out);

/* A timestamp in a query string: RFC 3339, a bare date, or Unix seconds
 * (fractions allowed). A space where an offset's '+' stood is read as '+',
 * since an unescaped '+' in a query string decodes to a space.
 * Returns 0 and sets *out (microseconds), or -1. */
int params_parse_time(const char *s, int64_t *out);

/* The bucket widths of the time series. */
enum interval { INTERVAL_MINUTE, INTERVAL_HOUR, INTERVAL_DAY, INTERVAL_WEEK, INTERVAL__MAX };

extern const char *const interval_names[INTERVAL__MAX];
extern const int64_t interval_usec[INTERVAL__MAX];

/* Case-insensitive interval name, or INTERVAL__MAX. */
enum interval params_parse_interval(const char *s);

/* The start of the bucket of width iv that holds usec (UTC; weeks start Monday). */
int64_t params_bucket_start(enum interval iv, int64_t usec);

/* A UUID in its 8-4-4-4-12 hex form, either case. s is NUL-terminated at
 * s[len] (a decoded path segment or query value; an embedded NUL fails).
 * Returns 0 and writes the lower-case form and a NUL to out, or -1. */
#define PARAMS_UUID_LEN 36
int params_parse_uuid(const char *s, size_t len, char out[PARAMS_UUID_LEN + 1]);

/* A non-negative decimal number: digits with an optional fraction ("12",
 * "0.5"), finite. Returns 0 and sets *out, or -1. */
int params_parse_number(const char *s, double *out);

/* "true"/"false" (any case) or "1"/"0". Returns 0 and sets *out to 1 or 0, or -1. */
int params_parse_bool(const char *s, int *out);

/* 1 when s[0..len) is an absolute http or https URL: the scheme (any case),
 * "://", a non-empty host (a bracketed IPv6 literal allowed), an optional
 * numeric port, then anything without blanks or control characters; else 0. */
int params_http_url_ok(const char *s, size_t len);

/* The length of an mkey_ key: "mkey_" and 43 characters of URL-safe base64. */
#define PARAMS_MKEY_LEN 48

/* The credential of an "Authorization: Bearer <credential>" header: *credential
 * (lent) and *len. Returns 0, or -1 when the header is not of that form. */
int params_bearer(const char *header, const char **credential, size_t *len);

/* An API token: "tt_" and 32 to 256 characters of URL-safe base64 (tokens
 * telltale makes have 43; an operator's TELLTALE_ADMIN_TOKEN at least 32). */
#define PARAMS_TOKEN_MIN 32
#define PARAMS_TOKEN_MAX 256
int params_api_token_ok(const char *token, size_t len);

/* Reads an Authorization header "Bearer mkey_..." (scheme in any case, blanks
 * around the key allowed). Returns 0 and points *key at the key (lent from
 * header, PARAMS_MKEY_LEN bytes, not NUL-terminated), or -1 when the header
 * is not a Bearer credential holding a well-formed mkey_ key. */
int params_bearer_mkey(const char *header, const char **key);

/* 1 when origin (an Origin header: "scheme://host[:port]") names the site
 * that scheme and host (the request's scheme and Host header) make: the
 * same scheme and host, a default port (80 for http, 443 for https) written
 * or not, in any case. */
int params_same_origin(const char *origin, const char *scheme, const char *host);

#endif
