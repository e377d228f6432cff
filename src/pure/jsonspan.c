/* jsonspan: see jsonspan.h. */
#include "pure/jsonspan.h"

#include <stdlib.h>
#include <string.h>

#include "pure/wordscan.h"

size_t jsonspan_blanks(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* Strings are most of a large event's text: they are read eight bytes at a
 * time up to the next quote or backslash, and a backslash escapes the byte
 * after it. */
size_t jsonspan_string_end(const char *s, size_t n, size_t i)
{
	for (i++; i < n;) {
		if (i + 8 <= n) {
			uint64_t w = wordscan_load(s + i);
			uint64_t stops = wordscan_equal(w, '"') | wordscan_equal(w, '\\');

			if (!stops) {
				i += 8;
				continue;
			}
			i += wordscan_first(stops);
		}
		if (s[i] == '"')
			return i + 1;
		i += s[i] == '\\' ? 2 : 1;
	}
	return n;
}

size_t jsonspan_scalar_end(const char *s, size_t n, size_t i)
{
	while (i < n && s[i] != ',' && s[i] != ':' && s[i] != '}' && s[i] != ']' && s[i] != ' ' &&
	       s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
		i++;
	return i;
}

size_t jsonspan_value_end(const char *s, size_t n, size_t i)
{
	size_t depth = 0;

	if (i >= n)
		return n;
	if (s[i] == '"')
		return jsonspan_string_end(s, n, i);
	if (s[i] != '{' && s[i] != '[')
		return jsonspan_scalar_end(s, n, i);
	while (i < n) {
		if (s[i] == '"') {
			i = jsonspan_string_end(s, n, i);
			continue;
		}
		if (s[i] == '{' || s[i] == '[')
			depth++;
		else if ((s[i] == '}' || s[i] == ']') && --depth == 0)
			return i + 1;
		i++;
	}
	return n;
}

size_t jsonspan_decode_key(const char *s, size_t n, char *out)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned long u;
		char hex[5];

		if (s[i] != '\\' || i + 1 >= n) {
			out[len++] = s[i];
			continue;
		}
		i++;
		if (s[i] != 'u' || i + 4 >= n) {
			out[len++] = s[i] == 'n' ? '\n' : s[i] == 't' ? '\t' : s[i];
			continue;
		}
		memcpy(hex, s + i + 1, 4);
		hex[4] = '\0';
		u = strtoul(hex, NULL, 16);
		out[len++] = u > 0 && u < 0x80 ? (char)u : '?';
		i += 4;
	}
	return len;
}

/* The next entry of the container whose opener is at s[*at], or whose last
 * entry ended there: where it starts, or 0 at the container's end. */
static int next_entry(const char *s, size_t n, size_t *at, char open, char close, size_t *start)
{
	size_t i = jsonspan_blanks(s, n, *at);

	if (i >= n || (s[i] != open && s[i] != ','))
		return 0;
	i = jsonspan_blanks(s, n, i + 1);
	if (i >= n || s[i] == close)
		return 0;
	*start = i;
	return 1;
}

int jsonspan_member_at(const char *s, size_t n, size_t *at, struct jsonspan *key)
{
	size_t i, colon;

	if (!next_entry(s, n, at, '{', '}', &i) || s[i] != '"')
		return 0;
	key->at = i + 1;
	key->end = jsonspan_string_end(s, n, i);
	colon = jsonspan_blanks(s, n, key->end);
	if (key->end < key->at + 1 || colon >= n || s[colon] != ':')
		return 0;
	key->end--;
	*at = jsonspan_blanks(s, n, colon + 1);
	return *at < n;
}

int jsonspan_element_at(const char *s, size_t n, size_t *at)
{
	return next_entry(s, n, at, '[', ']', at);
}

size_t jsonspan_close(const char *s, size_t n, size_t at)
{
	at = jsonspan_blanks(s, n, at);
	if (at < n && (s[at] == '{' || s[at] == '['))
		at = jsonspan_blanks(s, n, at + 1);
	return at < n ? at + 1 : n;
}

int jsonspan_next_element(const char *s, size_t n, size_t *at, struct jsonspan *value)
{
	if (!jsonspan_element_at(s, n, at))
		return 0;
	value->at = *at;
	value->end = *at = jsonspan_value_end(s, n, *at);
	return 1;
}

int jsonspan_key_is(const char *s, const struct jsonspan *key, const char *name)
{
	const char *k = s + key->at;
	size_t raw = key->end - key->at, i = 0;
	char small[64];

	/* Compared as written up to the first difference, where most keys part
	 * from a name at their first byte. Before it the key holds no escape (a
	 * name holds no backslash), so only a backslash there can make the
	 * resolved key the name. A small buffer holds any resolved key that can
	 * be one of the names compared. */
	while (i < raw && name[i] && k[i] == name[i])
		i++;
	if (i == raw)
		return name[i] == '\0';
	if (k[i] != '\\')
		return 0;
	return raw < sizeof(small) && jsonspan_decode_key(k, raw, small) == strlen(name) &&
	       memcmp(small, name, strlen(name)) == 0;
}
