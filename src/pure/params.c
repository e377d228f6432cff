/* params: conversions of path and query text. */
#include "pure/params.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pure/timefmt.h"

const char *const interval_names[INTERVAL__MAX] = { "MINUTE", "HOUR", "DAY", "WEEK" };

const int64_t interval_usec[INTERVAL__MAX] = {
	60 * USEC_PER_SEC, 3600 * USEC_PER_SEC, 86400 * USEC_PER_SEC, 7 * 86400 * USEC_PER_SEC,
};

/* 1970-01-01 was a Thursday; the first Monday after it anchors the weeks. */
#define FIRST_MONDAY_USEC (4 * 86400 * USEC_PER_SEC)

int params_parse_int64(const char *s, int64_t *out)
{
	const char *digits = s[0] == '-' ? s + 1 : s;
	char *end;
	long long v;

	if (!isdigit((unsigned char)digits[0]))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int params_parse_id(const char *s, size_t len, int64_t *out)
{
	if (len == 0 || len > 19 || strlen(s) != len || s[0] == '-')
		return -1;
	if (params_parse_int64(s, out) != 0 || *out <= 0)
		return -1;
	return 0;
}

/* 1 when s is a plain decimal number: -?digits(.digits)? */
static int is_decimal(const char *s)
{
	const char *p = s[0] == '-' ? s + 1 : s;
	size_t n = strspn(p, "0123456789");

	if (n == 0)
		return 0;
	p += n;
	if (*p == '.') {
		n = strspn(p + 1, "0123456789");
		if (n == 0)
			return 0;
		p += 1 + n;
	}
	return *p == '\0';
}

int params_parse_time(const char *s, int64_t *out)
{
	char buf[64];
	size_t len = strlen(s);

	if (len == 0 || len >= sizeof(buf))
		return -1;
	if (is_decimal(s))
		return timefmt_from_unix(strtod(s, NULL), out);
	memcpy(buf, s, len + 1);
	for (size_t i = 11; i < len; i++)
		if (buf[i] == ' ')
			buf[i] = '+';
	return timefmt_parse(buf, len, out);
}

enum interval params_parse_interval(const char *s)
{
	for (int i = 0; i < INTERVAL__MAX; i++)
		if (strcasecmp(s, interval_names[i]) == 0)
			return (enum interval)i;
	return INTERVAL__MAX;
}

int64_t params_bucket_start(enum interval iv, int64_t usec)
{
	return timefmt_floor(usec, interval_usec[iv], iv == INTERVAL_WEEK ? FIRST_MONDAY_USEC : 0);
}

int params_parse_uuid(const char *s, size_t len, char out[PARAMS_UUID_LEN + 1])
{
	if (len != PARAMS_UUID_LEN || strlen(s) != len)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return -1;
		out[i] = (char)tolower((unsigned char)s[i]);
	}
	out[len] = '\0';
	return 0;
}

int params_parse_number(const char *s, double *out)
{
	if (s[0] == '-' || !is_decimal(s))
		return -1;
	*out = strtod(s, NULL);
	return isfinite(*out) ? 0 : -1;
}

int params_parse_bool(const char *s, int *out)
{
	if (strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0)
		*out = 1;
	else if (strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

/* The host and port of an authority ("user@host:port"): a non-empty host, or a
 * bracketed IPv6 literal, and a port of at most five digits. */
static int authority_ok(const char *s, size_t len)
{
	const char *at = NULL, *port;
	size_t host_len;

	for (size_t i = 0; i < len; i++)
		if (s[i] == '@')
			at = s + i;
	if (at) {
		len -= (size_t)(at + 1 - s);
		s = at + 1;
	}
	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (!close || close == s + 1)
			return 0;
		host_len = (size_t)(close + 1 - s);
	} else {
		host_len = strcspn(s, ":");
		if (host_len > len)
			host_len = len;
		if (host_len == 0)
			return 0;
	}
	if (host_len == len)
		return 1;
	port = s + host_len;
	if (*port != ':' || len - host_len - 1 > 5)
		return 0;
	for (size_t i = host_len + 1; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

int params_http_url_ok(const char *s, size_t len)
{
	size_t scheme, authority;

	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return 0;
	if (len >= 7 && strncasecmp(s, "http://", 7) == 0)
		scheme = 7;
	else if (len >= 8 && strncasecmp(s, "https://", 8) == 0)
		scheme = 8;
	else
		return 0;
	for (authority = scheme; authority < len && !strchr("/?#", s[authority]); authority++)
		;
	return authority_ok(s + scheme, authority - scheme);
}

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int params_bearer(const char *header, const char **credential, size_t *len)
{
	const char *p;
	size_t n;

	if (!header || strncasecmp(header, "Bearer", 6) != 0 ||
	    (header[6] != ' ' && header[6] != '\t'))
		return -1;
	p = header + 6 + strspn(header + 6, " \t");
	n = strcspn(p, " \t");
	if (n == 0 || p[n + strspn(p + n, " \t")] != '\0')
		return -1;
	*credential = p;
	*len = n;
	return 0;
}

int params_bearer_mkey(const char *header, const char **key)
{
	size_t n;

	if (params_bearer(header, key, &n) != 0 || n != PARAMS_MKEY_LEN ||
	    strncmp(*key, "mkey_", 5) != 0 || strspn(*key + 5, b64url) != PARAMS_MKEY_LEN - 5)
		return -1;
	return 0;
}

int params_api_token_ok(const char *token, size_t len)
{
	return len >= 3 + PARAMS_TOKEN_MIN && len <= 3 + PARAMS_TOKEN_MAX &&
	       strncmp(token, "tt_", 3) == 0 && strspn(token + 3, b64url) >= len - 3;
}

/* host[0..len) without a default port for scheme: its length. */
static size_t without_default_port(const char *host, size_t len, const char *scheme)
{
	const char *port = strcasecmp(scheme, "https") == 0 ? ":443" : ":80";
	size_t n = strlen(port);

	if (len > n && strncmp(host + len - n, port, n) == 0)
		return len - n;
	return len;
}

int params_same_origin(const char *origin, const char *scheme, const char *host)
{
	size_t slen = strlen(scheme), olen, hlen;

	if (!origin || !scheme || !host || strncasecmp(origin, scheme, slen) != 0 ||
	    strncmp(origin + slen, "://", 3) != 0)
		return 0;
	origin += slen + 3;
	olen = without_default_port(origin, strlen(origin), scheme);
	hlen = without_default_port(host, strlen(host), scheme);
	return olen == hlen && olen > 0 && strncasecmp(origin, host, olen) == 0;
}
