/* mask: masking works on text where it can, so that a body keeps its layout
 * and only the secrets change: a JSON body is rewritten token by token, with
 * no parse tree and no stack, so even a body nested deeper than any parser
 * would follow is masked. */
#include "pure/mask.h"

#include <stdlib.h>
#include <string.h>

#include "pure/buf.h"
#include "pure/json.h"
#include "pure/jsonspan.h"
#include "pure/urlcode.h"
#include "pure/wordscan.h"


#define CARD_MIN_DIGITS 13
#define CARD_MAX_DIGITS 19

/* --- names ------------------------------------------------------------------- */

/* A word with its length, so that a name of another length is passed over
 * without reading it. */
struct word {
	const char *text;
	size_t len;
};
#define WORD(s) { s, sizeof(s) - 1 }
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct word sensitive_names[] = {
	WORD("authorization"), WORD("proxy-authorization"), WORD("x-authorization"),
	WORD("cookie"), WORD("set-cookie"), WORD("x-api-key"), WORD("x-auth-token"),
	WORD("x-csrf-token"), WORD("x-ingest-key"), WORD("auth"), WORD("pwd"), WORD("sig"),
};

static const struct word sensitive_parts[] = {
	WORD("token"), WORD("secret"), WORD("password"), WORD("passwd"), WORD("session"),
	WORD("api-key"), WORD("apikey"), WORD("credential"), WORD("private-key"),
	WORD("signature"), WORD("sentry-key"),
};

/* Which bytes begin one of sensitive_parts, filled at the first use. */
static unsigned char part_start[256];

/* Sensitive only as a query or form parameter: OAuth's code and state. As a
 * JSON key, "code" is usually an error code. */
static const struct word sensitive_params[] = { WORD("code"), WORD("state") };

/* ASCII lower case with '_' as '-', so "X_Api_Key" compares as "x-api-key";
 * other bytes (UTF-8) unchanged, whatever the locale. */
static char fold(char c)
{
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	return c == '_' ? '-' : c;
}

static int folded_equal(const char *s, const char *word, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fold(s[i]) != word[i])
			return 0;
	return 1;
}

/* Whether s[0..len) holds word, folded. Each key of every stored document
 * is asked about a dozen words: the first letter is checked before the
 * rest. */
static int folded_contains(const char *s, size_t len, const char *word, size_t n)
{
	for (size_t i = 0; i + n <= len; i++)
		if (fold(s[i]) == word[0] && folded_equal(s + i + 1, word + 1, n - 1))
			return 1;
	return 0;
}

/* Whether name[0..len) is one of words. */
static int is_one_of(const struct word *words, size_t count, const char *name, size_t len)
{
	for (size_t i = 0; i < count; i++)
		if (words[i].len == len && folded_equal(name, words[i].text, len))
			return 1;
	return 0;
}

int mask_fields_add(struct mask_fields *fields, const char *name, size_t len)
{
	char *out;

	if (fields->count == MASK_FIELDS_MAX || len == 0 || len > MASK_FIELD_MAX)
		return -1;
	out = fields->names[fields->count];
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '\0')
			return -1;
		out[i] = fold(name[i]);
	}
	out[len] = '\0';
	fields->count++;
	return 0;
}

size_t mask_fields_from_lines(struct mask_fields *fields, const char *lines)
{
	fields->count = 0;
	for (const char *p = lines; p && *p;) {
		size_t n = strcspn(p, "\n");

		mask_fields_add(fields, p, n);
		p += n + (p[n] == '\n');
	}
	return fields->count;
}

int mask_sensitive(const struct mask_fields *extra, const char *name, size_t len)
{
	for (size_t i = 0; extra && i < extra->count; i++)
		if (folded_contains(name, len, extra->names[i], strlen(extra->names[i])))
			return 1;
	return mask_sensitive_name(name, len);
}

int mask_sensitive_name(const char *name, size_t len)
{
	if (is_one_of(sensitive_names, COUNT(sensitive_names), name, len))
		return 1;
	if (!part_start[(unsigned char)sensitive_parts[0].text[0]])
		for (size_t j = 0; j < COUNT(sensitive_parts); j++)
			part_start[(unsigned char)sensitive_parts[j].text[0]] = 1;
	/* One pass over the name, comparing only where a part could begin. */
	for (size_t i = 0; i < len; i++) {
		char c = fold(name[i]);

		if (!part_start[(unsigned char)c])
			continue;
		for (size_t j = 0; j < COUNT(sensitive_parts); j++)
			if (sensitive_parts[j].text[0] == c && sensitive_parts[j].len <= len - i &&
			    folded_equal(name + i + 1, sensitive_parts[j].text + 1, sensitive_parts[j].len - 1))
				return 1;
	}
	return 0;
}

/* --- card numbers -------------------------------------------------------------- */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The Luhn check over the digits of s[0..n), separators skipped. */
static int luhn_ok(const char *s, size_t n)
{
	int sum = 0, second = 0;

	for (size_t i = n; i-- > 0;) {
		int d;

		if (!is_digit(s[i]))
			continue;
		d = s[i] - '0';
		if (second && (d *= 2) > 9)
			d -= 9;
		sum += d;
		second = !second;
	}
	return sum % 10 == 0;
}

static int is_card_separator(char c)
{
	return c == ' ' || c == '-';
}

/* The end of the run of digit groups starting at s[i]: digits with spaces or
 * dashes, one or several, between them. */
static size_t run_end(const char *s, size_t n, size_t i)
{
	for (;;) {
		size_t j;

		while (i < n && is_digit(s[i]))
			i++;
		for (j = i; j < n && is_card_separator(s[j]); j++)
			;
		if (j > i && j < n && is_digit(s[j])) {
			i = j;
			continue;
		}
		return i;
	}
}

/* The end of the longest card number that starts at group s[p] and ends on a
 * group boundary before end, or 0 when none does. Whole groups only, so
 * "4111 1111 1111 1111 2026" masks the card and keeps the year. */
static size_t card_end(const char *s, size_t p, size_t end)
{
	size_t digits = 0, best = 0;

	for (size_t q = p; q < end;) {
		size_t g = q;

		while (g < end && is_digit(s[g]))
			g++;
		digits += g - q;
		if (digits > CARD_MAX_DIGITS)
			break;
		if (digits >= CARD_MIN_DIGITS && luhn_ok(s + p, g - p))
			best = g;
		for (q = g; q < end && is_card_separator(s[q]); q++)
			;
	}
	return best;
}

/* Appends s[0..n) with its card numbers masked; returns how many. */
static size_t put_cards(struct buf *b, const char *s, size_t n)
{
	size_t copied = 0, count = 0;

	for (size_t i = 0; i < n;) {
		size_t end, p;

		if (!is_digit(s[i])) {
			i++;
			continue;
		}
		end = run_end(s, n, i);
		for (p = i; p < end;) {
			size_t ce = card_end(s, p, end);

			if (ce) {
				buf_put(b, s + copied, p - copied);
				buf_puts(b, MASK_VALUE);
				copied = p = ce;
				count++;
			} else {
				while (p < end && is_digit(s[p]))
					p++;
			}
			while (p < end && is_card_separator(s[p]))
				p++;            /* the separators before the next group */
		}
		i = end;
	}
	buf_put(b, s + copied, n - copied);
	return count;
}

char *mask_cards(const char *text, size_t len, size_t *out_len, size_t *masked)
{
	struct buf b = { 0 };
	size_t count = put_cards(&b, text, len);

	if (masked)
		*masked = count;
	return buf_finish(&b, out_len);
}

/* 0 when s[0..n) has too few digits to hold a card number: most strings,
 * which are then kept without the copy that masking makes. Counted eight
 * bytes at a time. */
static int may_hold_card(const char *s, size_t n)
{
	size_t digits = 0, i = 0;

	for (; i + 8 <= n; i += 8)
		digits += wordscan_count(wordscan_digits(wordscan_load(s + i)));
	for (; i < n; i++)
		digits += is_digit(s[i]);
	return digits >= CARD_MIN_DIGITS;
}

/* 1 when the digits of a JSON integer (an optional '-') make a card number. */
static int integer_is_card(const char *s, size_t n)
{
	if (n > 0 && s[0] == '-') {
		s++;
		n--;
	}
	if (n < CARD_MIN_DIGITS || n > CARD_MAX_DIGITS)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return 0;
	return luhn_ok(s, n);
}

/* --- JSON text ----------------------------------------------------------------- */

/* 1 when the key with raw text s[0..n) is sensitive. Without memory to
 * decode it, the key counts as sensitive: masking too much is the safe fault. */
static int key_sensitive(const char *s, size_t n, const struct mask_fields *extra)
{
	char small[128];
	char *key;
	int sensitive;

	if (!memchr(s, '\\', n))
		return mask_sensitive(extra, s, n);     /* nothing to resolve */
	if (!(key = n < sizeof(small) ? small : malloc(n + 1)))
		return 1;
	sensitive = mask_sensitive(extra, key, jsonspan_decode_key(s, n, key));
	if (key != small)
		free(key);
	return sensitive;
}

/* The keys of one text found not sensitive, one in each slot of a small
 * table: the keys of a stack's frames and of breadcrumbs repeat in each, and
 * looking one up here costs a tenth of telling it again. */
#define SAFE_KEYS 64
struct safe_keys {
	const char *key[SAFE_KEYS];
	size_t len[SAFE_KEYS];
};

/* A key's slot, from its length and its first and last bytes: the keys of
 * a frame (function, module, filename, lineno, ...) each find one of their
 * own. */
static unsigned safe_slot(const char *s, size_t n)
{
	return n ? (unsigned)(n * 31 + (unsigned char)s[0] * 7 + (unsigned char)s[n - 1]) % SAFE_KEYS : 0;
}

/* key_sensitive, through the keys known safe. */
static int key_sensitive_seen(const char *s, size_t n, const struct mask_fields *extra,
			      struct safe_keys *safe)
{
	unsigned k = safe_slot(s, n);

	if (safe->key[k] && safe->len[k] == n && memcmp(safe->key[k], s, n) == 0)
		return 0;
	if (key_sensitive(s, n, extra))
		return 1;
	safe->key[k] = s;
	safe->len[k] = n;
	return 0;
}

static int mask_string(struct json_object *str, struct json_object **replacement);

/* A JSON text being masked. out holds s[0..copied), masked; the rest of s is
 * written out only where a secret begins, so that the strings and numbers of
 * a text that holds none are copied once, together, not one by one. */
struct text_masking {
	struct buf out;
	const char *s;
	size_t n, copied;
	const struct mask_fields *extra;
	struct safe_keys safe;
};

/* Writes out what is left of s before at, and skips s[at..end): the caller
 * writes what stands in its place. Returns the buffer to write it to. */
static struct buf *replace(struct text_masking *m, size_t at, size_t end)
{
	buf_put(&m->out, m->s + m->copied, at - m->copied);
	m->copied = end;
	return &m->out;
}

/* The value at s[at] replaced by MASK_VALUE whole. Returns where it ends. */
static size_t mask_whole(struct text_masking *m, size_t at)
{
	size_t end = jsonspan_value_end(m->s, m->n, at);

	buf_puts(replace(m, at, end), "\"" MASK_VALUE "\"");
	return end;
}

/* The masked text, from where the masking started up to s[end]. */
static char *masked_text(struct text_masking *m, size_t end, size_t *out_len)
{
	replace(m, end, end);
	return buf_finish(&m->out, out_len);
}

/* What a string's raw text needs looked at for card numbers. */
enum string_look {
	STRING_PLAIN,           /* fewer digits than a card and no escape: most strings */
	STRING_DIGITS,          /* enough digits, all written as digits */
	STRING_ESCAPED,         /* a \u escape, which may write a digit */
};

/* The end of the string at s[at] (past its closing quote, or n), as
 * jsonspan_string_end finds it, and in the same pass what *look it needs:
 * its end, its escapes and its digits were three readings of each string. */
static size_t string_scan(const char *s, size_t n, size_t at, enum string_look *look)
{
	size_t i = at + 1, digits = 0;
	int unicode = 0;

	while (i < n) {
		if (i + 8 <= n) {
			uint64_t w = wordscan_load(s + i);
			uint64_t stops = wordscan_equal(w, '"') | wordscan_equal(w, '\\');
			uint64_t marks = wordscan_digits(w);

			if (!stops) {
				digits += wordscan_count(marks);
				i += 8;
				continue;
			}
			/* The digits before the stop: its bit and all above it cleared. */
			digits += wordscan_count(marks & (stops ^ (stops - 1)) >> 1);
			i += wordscan_first(stops);
		}
		if (s[i] == '"') {
			i++;
			break;
		}
		if (s[i] == '\\') {
			/* What follows a backslash counts as it stands, as broken text
			 * (\5) is masked as written. */
			unicode |= i + 1 < n && s[i + 1] == 'u';
			digits += i + 1 < n && is_digit(s[i + 1]);
			i += 2;
			continue;
		}
		digits += is_digit(s[i]);
		i++;
	}
	*look = unicode ? STRING_ESCAPED : digits >= CARD_MIN_DIGITS ? STRING_DIGITS : STRING_PLAIN;
	return i < n ? i : n;
}

/* The JSON string s[at..end) (its quotes included), its card numbers masked.
 * Digits can be written as \u escapes: a string with one is read through
 * json-c and masked as a tree's string is, and written out again only when
 * it held a card number. */
static void mask_string_text(struct text_masking *m, size_t at, size_t end, enum string_look look)
{
	const char *s = m->s + at;
	size_t n = end - at;
	struct json_tokener *tok;
	struct json_object *str, *masked = NULL;

	if (look == STRING_PLAIN)
		return;
	if (look == STRING_DIGITS) {
		put_cards(replace(m, at, end), s, n);
		return;
	}
	if (!(tok = json_tokener_new())) {
		buf_puts(replace(m, at, end), "\"" MASK_VALUE "\"");   /* masking too much is the safe fault */
		return;
	}
	str = json_tokener_parse_ex(tok, s, (int)n);
	json_tokener_free(tok);
	if (!json_object_is_type(str, json_type_string))
		put_cards(replace(m, at, end), s, n);   /* not a string after all: broken text */
	else if (mask_string(str, &masked) != 0)
		buf_puts(replace(m, at, end), "\"" MASK_VALUE "\"");
	else if (masked)
		buf_puts(replace(m, at, end), json_text(masked));
	json_object_put(masked);
	json_object_put(str);
}

/* The string or key at s[i]. A sensitive key's value, after its colon, is
 * masked whole. Returns where the scan goes on. */
static size_t mask_string_at(struct text_masking *m, size_t i)
{
	const char *s = m->s;
	enum string_look look;
	size_t n = m->n, end = string_scan(s, n, i, &look);
	size_t colon = jsonspan_blanks(s, n, end);

	if (colon >= n || s[colon] != ':' || end - i < 2 ||
	    !key_sensitive_seen(s + i + 1, end - i - 2, m->extra, &m->safe)) {
		mask_string_text(m, i, end, look);
		return end;
	}
	return mask_whole(m, jsonspan_blanks(s, n, colon + 1));
}

/* The number at s[i]: an integer that is a card number is masked. Returns
 * where it ends. */
static size_t mask_number_at(struct text_masking *m, size_t i)
{
	size_t end = jsonspan_scalar_end(m->s, m->n, i);

	if (integer_is_card(m->s + i, end - i))
		buf_puts(replace(m, i, end), "\"" MASK_VALUE "\"");
	return end;
}

/* Masks the text from s[i] on: to the text's end, or, with one_value, to
 * the end of the value at s[i]. Returns where it stopped. */
static size_t mask_from(struct text_masking *m, size_t i, int one_value)
{
	const char *s = m->s;
	size_t depth = 0;

	while (i < m->n) {
		char c = s[i];

		if (c == '"') {
			i = mask_string_at(m, i);
		} else if (c == '-' || is_digit(c)) {
			i = mask_number_at(m, i);
		} else {
			i++;
			if (c == '{' || c == '[')
				depth++;
			else if ((c == '}' || c == ']') && depth > 0)
				depth--;
		}
		if (one_value && depth == 0)
			break;
	}
	return i;
}

char *mask_json_text(const char *s, size_t n, size_t *out_len, const struct mask_fields *extra)
{
	struct text_masking m = { .s = s, .n = n, .extra = extra };

	return masked_text(&m, mask_from(&m, 0, 0), out_len);
}

size_t mask_walk_value(struct text_masking *m, size_t at)
{
	char c = at < m->n ? m->s[at] : '\0';

	/* true, false and null hold nothing to mask, and are not read a
	 * byte at a time as inside a container. */
	if (c == '{' || c == '[' || c == '"' || c == '-' || is_digit(c))
		return mask_from(m, at, 1);
	return jsonspan_value_end(m->s, m->n, at);
}

char *mask_json_value(const char *s, size_t n, size_t at, size_t *end, size_t *out_len,
		      const struct mask_fields *extra)
{
	struct text_masking m = { .s = s, .n = n, .copied = at, .extra = extra };

	*end = mask_walk_value(&m, at);
	return masked_text(&m, *end, out_len);
}

struct text_masking *mask_walk_begin(const char *s, size_t n, size_t at, const struct mask_fields *extra)
{
	struct text_masking *m = calloc(1, sizeof(*m));

	if (m) {
		m->s = s;
		m->n = n;
		m->copied = at;
		m->extra = extra;
	}
	return m;
}

int mask_walk_key(struct text_masking *m, const struct jsonspan *key, size_t value, size_t *value_end)
{
	size_t len = key->end - key->at;
	enum string_look look;

	if (!key_sensitive_seen(m->s + key->at, len, m->extra, &m->safe)) {
		/* A key of fewer bytes than a card's digits holds no card
		 * number, escaped or not: most keys, left unread. */
		if (len >= CARD_MIN_DIGITS) {
			size_t end = string_scan(m->s, m->n, key->at - 1, &look);

			mask_string_text(m, key->at - 1, end, look);
		}
		return 0;
	}
	*value_end = mask_whole(m, value);
	return 1;
}

char *mask_walk_end(struct text_masking *m, size_t end, size_t *out_len)
{
	char *out = masked_text(m, end, out_len);

	free(m);
	return out;
}

static void put_query(struct buf *b, const char *s, size_t n, const struct mask_fields *extra);

/* 1 when text looks like JSON: its first character, after a byte order mark
 * and blanks, opens an object or an array. Such a body is masked by key
 * whether it parses or not: cut short, NDJSON, or broken, it still holds
 * what its keys say. */
static int json_looking(const char *text, size_t len)
{
	size_t i = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;

	i = jsonspan_blanks(text, len, i);
	return i < len && (text[i] == '{' || text[i] == '[');
}

/* 1 when text has the shape of an application/x-www-form-urlencoded body:
 * name=value pairs joined by '&', nothing that needs escaping left bare. */
static int form_shaped(const char *text, size_t len)
{
	if (len == 0 || !memchr(text, '=', len) || text[0] == '=' || text[0] == '&')
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit((char)c) ||
		      strchr("-._~*%+=&!$'(),;:@/?", c)))
			return 0;
	}
	return 1;
}

char *mask_body(const char *text, size_t len, size_t *out_len, const struct mask_fields *extra)
{
	struct buf b = { 0 };

	if (json_looking(text, len))
		return mask_json_text(text, len, out_len, extra);
	if (!form_shaped(text, len))
		return mask_cards(text, len, out_len, NULL);
	put_query(&b, text, len, extra);
	return buf_finish(&b, out_len);
}

/* --- query strings ------------------------------------------------------------- */

/* Appends s[0..n) percent-encoded: all but RFC 3986's unreserved characters
 * and '*', which MASK_VALUE holds. s is decoded text and may hold a NUL (from
 * "%00"), which strchr would find as its set's terminator: the NUL would go
 * out raw, and the stored text would end there. */
static void put_encoded(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[3] = { '%', hex[c >> 4], hex[c & 15] };

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit((char)c) ||
		    (c != '\0' && strchr("-._~*", c)))
			buf_put(b, s + i, 1);
		else
			buf_put(b, esc, 3);
	}
}

/* Appends a parameter's raw value, with card numbers masked in its decoded
 * form; an undecodable value is masked as it stands. */
static void put_query_value(struct buf *b, const char *s, size_t n)
{
	size_t len, masked = 0;
	char *plain = urlcode_decode(s, n, 1, &len), *out = NULL;

	if (plain)
		out = mask_cards(plain, len, &len, &masked);
	if (!plain || !out)
		put_cards(b, s, n);
	else if (masked)
		put_encoded(b, out, len);
	else
		buf_put(b, s, n);
	free(out);
	free(plain);
}

/* 1 when a parameter's raw name is sensitive once decoded. An undecodable
 * name is judged as it stands. */
static int param_name_sensitive(const char *name, size_t len, const struct mask_fields *extra)
{
	return is_one_of(sensitive_params, COUNT(sensitive_params), name, len) ||
	       mask_sensitive(extra, name, len);
}

static int param_sensitive(const char *s, size_t n, const struct mask_fields *extra)
{
	size_t len;
	char *name = urlcode_decode(s, n, 1, &len);
	int sensitive = name ? param_name_sensitive(name, len, extra) : param_name_sensitive(s, n, extra);

	free(name);
	return sensitive;
}

/* Appends the query string s[0..n) (no '?'), masked pair by pair. */
static void put_query(struct buf *b, const char *s, size_t n, const struct mask_fields *extra)
{
	for (size_t i = 0; i <= n;) {
		const char *pair = s + i;
		const char *amp = memchr(pair, '&', n - i);
		size_t len = amp ? (size_t)(amp - pair) : n - i;
		const char *eq = memchr(pair, '=', len);

		if (!eq) {
			buf_put(b, pair, len);
		} else {
			buf_put(b, pair, (size_t)(eq + 1 - pair));
			if (param_sensitive(pair, (size_t)(eq - pair), extra))
				buf_puts(b, MASK_VALUE);
			else
				put_query_value(b, eq + 1, len - (size_t)(eq + 1 - pair));
		}
		i += len + 1;
		if (i <= n)
			buf_put(b, "&", 1);
	}
}

/* Copies url's scheme and authority to b with any userinfo ("user:pw@") masked
 * whole, since it is a credential. Returns how much of url it took. */
static size_t put_authority(struct buf *b, const char *url, size_t len)
{
	const char *sep = len >= 3 ? memchr(url, ':', len) : NULL;
	const char *host, *end, *at = NULL;

	if (!sep || (size_t)(url + len - sep) < 3 || memcmp(sep, "://", 3) != 0)
		return 0;
	host = sep + 3;
	for (end = host; end < url + len && !strchr("/?#", *end); end++)
		if (*end == '@')
			at = end;
	if (!at)
		return 0;
	buf_put(b, url, (size_t)(host - url));
	buf_put(b, MASK_VALUE, strlen(MASK_VALUE));
	return (size_t)(at - url);
}

char *mask_url(const char *whole, size_t whole_len, const struct mask_fields *extra)
{
	struct buf b = { 0 };
	size_t taken = put_authority(&b, whole, whole_len);
	const char *url = whole + taken;
	size_t len = whole_len - taken;
	const char *frag = memchr(url, '#', len);
	const char *q_end = frag ? frag : url + len;
	const char *q = memchr(url, '?', (size_t)(q_end - url));

	const char *path_end = q ? q : q_end;

	put_cards(&b, url, (size_t)(path_end - url));
	if (q) {
		buf_put(&b, "?", 1);
		put_query(&b, q + 1, (size_t)(q_end - q - 1), extra);
	}
	/* A fragment of name=value pairs is a query string too: OAuth's implicit
	 * flow hands tokens over as #access_token=... */
	if (frag && memchr(frag, '=', (size_t)(url + len - frag))) {
		buf_put(&b, "#", 1);
		put_query(&b, frag + 1, (size_t)(url + len - frag - 1), extra);
	} else if (frag) {
		put_cards(&b, frag, (size_t)(url + len - frag));
	}
	return buf_finish(&b, NULL);
}

/* --- json-c documents ---------------------------------------------------------- */

/* *replacement is str with its card numbers masked, or stays NULL when it
 * holds none. Returns 0, or -1 on no memory. */
static int mask_string(struct json_object *str, struct json_object **replacement)
{
	size_t len = (size_t)json_object_get_string_len(str), masked = 0;
	char *out;

	if (!may_hold_card(json_object_get_string(str), len))
		return 0;
	out = mask_cards(json_object_get_string(str), len, &len, &masked);
	if (!out)
		return -1;
	if (masked)
		*replacement = json_object_new_string_len(out, (int)len);
	free(out);
	return masked && !*replacement ? -1 : 0;
}

struct json_object *mask_text_value(struct json_object *value)
{
	struct json_object *masked = NULL;

	if (!json_object_is_type(value, json_type_string))
		return json_object_get(value);
	if (mask_string(value, &masked) != 0)
		return NULL;
	return masked ? masked : json_object_get(value);
}

struct json_object *mask_headers(struct json_object *headers, const struct mask_fields *extra)
{
	struct json_object *out = json_object_new_object();

	if (!out)
		return NULL;
	json_object_object_foreach(headers, name, value) {
		struct json_object *v = mask_sensitive(extra, name, strlen(name))
			? json_object_new_string(MASK_VALUE) : mask_text_value(value);

		if ((value && !v) || json_object_object_add(out, name, v) != 0) {
			json_object_put(v);
			json_object_put(out);
			return NULL;
		}
	}
	return out;
}

static int mask_value(struct json_object *v, struct json_object **replacement,
		      const struct mask_fields *extra);

/* Replacing a member's value while iterating is safe in json-c: the entry
 * stays where it is and only its value changes. */
static int mask_object(struct json_object *obj, const struct mask_fields *extra)
{
	json_object_object_foreach(obj, key, val) {
		struct json_object *rep = NULL;

		if (mask_sensitive(extra, key, strlen(key))) {
			if (!(rep = json_object_new_string(MASK_VALUE)))
				return -1;
		} else if (mask_value(val, &rep, extra) != 0) {
			return -1;
		}
		if (rep && json_object_object_add(obj, key, rep) != 0) {
			json_object_put(rep);
			return -1;
		}
	}
	return 0;
}

static int mask_array(struct json_object *arr, const struct mask_fields *extra)
{
	size_t n = json_object_array_length(arr);

	for (size_t i = 0; i < n; i++) {
		struct json_object *rep = NULL;

		if (mask_value(json_object_array_get_idx(arr, i), &rep, extra) != 0)
			return -1;
		if (rep && json_object_array_put_idx(arr, i, rep) != 0) {
			json_object_put(rep);
			return -1;
		}
	}
	return 0;
}

/* *replacement is a new value for v, or stays NULL when v was kept (and
 * masked within, for a container). Returns 0, or -1 on no memory. */
static int mask_value(struct json_object *v, struct json_object **replacement,
		      const struct mask_fields *extra)
{
	const char *digits;

	*replacement = NULL;
	switch (json_object_get_type(v)) {
	case json_type_object:
		return mask_object(v, extra);
	case json_type_array:
		return mask_array(v, extra);
	case json_type_string:
		return mask_string(v, replacement);
	case json_type_int:
		/* Fewer than 13 digits, told without printing the number. */
		if (json_object_get_int64(v) > -1000000000000LL && json_object_get_int64(v) < 1000000000000LL)
			return 0;
		digits = json_object_get_string(v);
		if (!integer_is_card(digits, strlen(digits)))
			return 0;
		*replacement = json_object_new_string(MASK_VALUE);
		return *replacement ? 0 : -1;
	default:
		return 0;
	}
}

int mask_json(struct json_object *doc, const struct mask_fields *extra)
{
	switch (json_object_get_type(doc)) {
	case json_type_object:
		return mask_object(doc, extra);
	case json_type_array:
		return mask_array(doc, extra);
	default:
		return 0;       /* a scalar cannot be replaced in place */
	}
}
