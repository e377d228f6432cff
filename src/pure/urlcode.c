/* urlcode: percent-decoding of path segments and query strings. */
#include "pure/urlcode.h"

#include <stdlib.h>
#include <string.h>

#include "pure/hex.h"

/* 1 when every '%' in s[0..n) starts a two-hex-digit escape. Checked apart
 * from decoding so that a NULL from urlcode_decode after it means no memory. */
static int urlcode_well_formed(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%')
			continue;
		if (n - i < 3 || hex_digit_value(s[i + 1]) < 0 || hex_digit_value(s[i + 2]) < 0)
			return 0;
		i += 2;
	}
	return 1;
}

char *urlcode_decode(const char *s, size_t n, int plus_is_space, size_t *out_len)
{
	char *out;
	size_t len = 0;

	*out_len = 0;
	if (!urlcode_well_formed(s, n))
		return NULL;
	out = malloc(n + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			out[len++] = (char)(hex_digit_value(s[i + 1]) << 4 | hex_digit_value(s[i + 2]));
			i += 2;
		} else {
			out[len++] = plus_is_space && s[i] == '+' ? ' ' : s[i];
		}
	}
	out[len] = '\0';
	*out_len = len;
	return out;
}

/* Fills *p from the pair s[0..n) ("name=value" or "name"). Returns 1 when the
 * pair is kept, 0 when it is dropped (empty or malformed name; a name holding
 * "%00" too, since a NUL-terminated name cannot carry it and would otherwise
 * pass for a shorter name), -1 on no memory. */
static int urlcode_pair(const char *s, size_t n, struct urlcode_param *p)
{
	const char *eq = memchr(s, '=', n);
	size_t name_n = eq ? (size_t)(eq - s) : n;
	const char *value = eq ? eq + 1 : s + n;
	size_t value_n = eq ? n - name_n - 1 : 0, name_len;

	memset(p, 0, sizeof(*p));
	if (name_n == 0 || !urlcode_well_formed(s, name_n))
		return 0;
	p->name = urlcode_decode(s, name_n, 1, &name_len);
	if (!p->name)
		return -1;
	if (strlen(p->name) != name_len) {
		free(p->name);
		p->name = NULL;
		return 0;
	}
	if (!urlcode_well_formed(value, value_n))
		return 1;
	p->value = urlcode_decode(value, value_n, 1, &p->value_len);
	if (!p->value) {
		free(p->name);
		p->name = NULL;
		return -1;
	}
	return 1;
}

int urlcode_query_parse(const char *qs, struct urlcode_query *q)
{
	size_t cap = 1;

	q->params = NULL;
	q->count = 0;
	if (!qs || !*qs)
		return 0;
	for (const char *p = qs; *p; p++)
		cap += *p == '&';
	q->params = calloc(cap, sizeof(*q->params));
	if (!q->params)
		return -1;
	for (const char *p = qs; ; ) {
		size_t n = strcspn(p, "&");
		int kept = urlcode_pair(p, n, &q->params[q->count]);

		if (kept < 0) {
			urlcode_query_free(q);
			return -1;
		}
		q->count += (size_t)kept;
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	return 0;
}

const struct urlcode_param *urlcode_query_get(const struct urlcode_query *q,
					      const char *name)
{
	for (size_t i = 0; i < q->count; i++)
		if (strcmp(q->params[i].name, name) == 0)
			return &q->params[i];
	return NULL;
}

/* Leaves q empty, so a second free or a get after it is harmless. */
void urlcode_query_free(struct urlcode_query *q)
{
	for (size_t i = 0; i < q->count; i++) {
		free(q->params[i].name);
		free(q->params[i].value);
	}
	free(q->params);
	q->params = NULL;
	q->count = 0;
}
