/* jsoncheck: one pass over JSON text with an explicit stack instead of
 * recursion, so a body of 100,000 '[' costs a bounded stack and stops at
 * max_depth + 1. The grammar is RFC 8259's; strings must also be valid UTF-8
 * (Unicode table 3-7) with no NUL, escaped or raw.
 *
 * The stack has JSONCHECK_FRAMES entries; a max_depth above that is taken as
 * JSONCHECK_FRAMES, so deeper documents are refused with JSONCHECK_DEPTH. */
#include "pure/jsoncheck.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pure/hex.h"
#include "pure/utf8.h"
#include "pure/wordscan.h"

#define JSONCHECK_FRAMES 64

/* U+FFFD REPLACEMENT CHARACTER, for a key's bad characters in the path. */
#define REPLACEMENT "\xef\xbf\xbd"

/* An open array or object. A key is kept as a span of the text, not copied:
 * the path is only built when something is wrong. */
struct frame {
	int is_object;
	int has_key;            /* object: a key has been started in this member */
	size_t key_off;         /* first byte after the key's opening quote */
	size_t key_len;         /* bytes up to its closing quote; KEY_OPEN until read */
	size_t index;           /* array: the element being read */
};

/* key_len of a key whose closing quote has not been reached: the fault is in it. */
#define KEY_OPEN SIZE_MAX

/* What the text may hold next. */
enum want {
	WANT_VALUE,             /* any value */
	WANT_VALUE_OR_CLOSE,    /* just after '[' */
	WANT_KEY_OR_CLOSE,      /* just after '{' */
	WANT_KEY,               /* after ',' in an object */
	WANT_COLON,             /* after a key */
	WANT_NEXT,              /* after a value: ',', a closing bracket, or the end */
};

struct checker {
	const unsigned char *s;
	size_t len, pos;
	int max_depth, depth;
	size_t values;          /* values and keys so far (of this element of a root array) */
	struct frame stack[JSONCHECK_FRAMES];
	struct jsoncheck_result *res;
};

/* A path under construction, cut at JSONCHECK_FIELD_MAX - 1 bytes. It holds one
 * byte more than fits so the cut can see whether it split a character. */
struct path {
	char buf[JSONCHECK_FIELD_MAX];
	size_t len;
};

/* Reads "\uXXXX" at s[0..n). Returns 0 and sets *unit, or -1. */
static int read_u_escape(const unsigned char *s, size_t n, uint32_t *unit)
{
	*unit = 0;
	if (n < 6 || s[0] != '\\' || s[1] != 'u')
		return -1;
	for (int i = 2; i < 6; i++) {
		int v = hex_digit_value(s[i]);

		if (v < 0)
			return -1;
		*unit = *unit << 4 | (uint32_t)v;
	}
	return 0;
}

static void path_put(struct path *p, const char *bytes, size_t n)
{
	size_t room = sizeof(p->buf) - p->len;

	if (n > room)
		n = room;
	memcpy(p->buf + p->len, bytes, n);
	p->len += n;
}

/* Copies a key still being read (it is where the fault is) from the text,
 * up to its closing quote or the end, with every bad character, NUL, control
 * character, "\u0000" or lone surrogate escape replaced by U+FFFD, so the path
 * is always valid UTF-8 fit for an error message. */
static void path_put_bad_key(struct path *p, const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] != '"' && p->len < sizeof(p->buf)) {
		uint32_t cp, lo;
		size_t len;

		if (s[i] == '\\' && read_u_escape(s + i, n - i, &cp) == 0) {
			len = 6;
			if (cp >= 0xD800 && cp <= 0xDBFF &&
			    read_u_escape(s + i + 6, n - i - 6, &lo) == 0 &&
			    lo >= 0xDC00 && lo <= 0xDFFF)
				len = 12;
			else if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
				len = 0;
		} else if (s[i] == '\\' && i + 1 < n && s[i + 1] >= 0x20) {
			len = 2;
		} else if (s[i] < 0x20) {
			len = 0;
		} else {
			len = utf8_decode(s + i, n - i, &cp);
		}
		if (len > 0) {
			path_put(p, (const char *)s + i, len);
			i += len;
			continue;
		}
		path_put(p, REPLACEMENT, 3);
		/* One U+FFFD for a bad escape, or for a bad byte and the
		 * continuation bytes that follow it. */
		if (s[i] == '\\') {
			i += 6;
			continue;
		}
		for (i++; i < n && (s[i] & 0xC0) == 0x80; i++)
			;
	}
}

/* The path to where the checker stands: ".key" per object member (no dot at
 * the start), "[n]" per array element. A key whose closing quote has been read
 * passed the checks and is copied raw; one still open is where the fault is. */
static void build_path(const struct checker *c, struct path *p)
{
	char index[32];

	p->len = 0;
	for (int i = 0; i < c->depth; i++) {
		const struct frame *f = &c->stack[i];

		if (!f->is_object) {
			int n = snprintf(index, sizeof(index), "[%zu]", f->index);

			path_put(p, index, (size_t)n);
		} else if (f->has_key) {
			if (p->len > 0)
				path_put(p, ".", 1);
			if (f->key_len == KEY_OPEN)
				path_put_bad_key(p, c->s + f->key_off, c->len - f->key_off);
			else
				path_put(p, (const char *)c->s + f->key_off, f->key_len);
		}
	}
}

/* Records a fault at offset with the path to it. Returns status. */
static enum jsoncheck_status fail(struct checker *c, enum jsoncheck_status status,
				  size_t offset)
{
	struct path p;
	size_t keep;

	build_path(c, &p);
	keep = p.len;
	if (keep > JSONCHECK_FIELD_MAX - 1) {
		/* p.buf[keep] is the first byte cut off; a continuation byte
		 * there means the cut splits a character. */
		keep = JSONCHECK_FIELD_MAX - 1;
		while (keep > 0 && ((unsigned char)p.buf[keep] & 0xC0) == 0x80)
			keep--;
	}
	memcpy(c->res->field, p.buf, keep);
	c->res->field[keep] = '\0';
	c->res->status = status;
	c->res->offset = offset;
	return status;
}

/* The byte at the read position, or -1 at the end. */
static int peek(const struct checker *c)
{
	return c->pos < c->len ? c->s[c->pos] : -1;
}

static void skip_space(struct checker *c)
{
	int ch;

	while ((ch = peek(c)) == ' ' || ch == '\t' || ch == '\n' || ch == '\r')
		c->pos++;
}

/* An escape at the backslash at c->pos: one of \" \\ \/ \b \f \n \r \t, or
 * \uXXXX where U+0000 is a NUL and a surrogate must be a high one followed by
 * a low one. */
static enum jsoncheck_status scan_escape(struct checker *c)
{
	const unsigned char *s = c->s + c->pos;
	size_t n = c->len - c->pos;
	uint32_t unit, low;

	if (n >= 2 && s[1] == '\0')
		return fail(c, JSONCHECK_NUL, c->pos + 1);
	if (n >= 2 && s[1] != 'u' && strchr("\"\\/bfnrt", s[1])) {
		c->pos += 2;
		return JSONCHECK_OK;
	}
	if (read_u_escape(s, n, &unit) != 0)
		return fail(c, JSONCHECK_SYNTAX, c->pos);
	if (unit == 0)
		return fail(c, JSONCHECK_NUL, c->pos);
	if (unit >= 0xDC00 && unit <= 0xDFFF)
		return fail(c, JSONCHECK_UTF8, c->pos);
	if (unit < 0xD800 || unit > 0xDBFF) {
		c->pos += 6;
		return JSONCHECK_OK;
	}
	if (read_u_escape(s + 6, n - 6, &low) != 0 || low < 0xDC00 || low > 0xDFFF)
		return fail(c, JSONCHECK_UTF8, c->pos);
	c->pos += 12;
	return JSONCHECK_OK;
}

/* Skips the run of printable ASCII other than '"' and '\\' at c->pos: most
 * of a string, which needs no closer look. */
static void skip_plain_ascii(struct checker *c)
{
	const unsigned char *s = c->s;
	size_t pos = c->pos;

	for (; pos + 8 <= c->len; pos += 8) {
		uint64_t w = wordscan_load((const char *)s + pos);
		uint64_t stops = (w & WORDSCAN_HIGHS) | wordscan_below(w, 0x20) |
				 wordscan_equal(w, '"') | wordscan_equal(w, '\\');

		if (stops) {
			c->pos = pos + wordscan_first(stops);
			return;
		}
	}
	while (pos < c->len && s[pos] >= 0x20 && s[pos] < 0x80 && s[pos] != '"' && s[pos] != '\\')
		pos++;
	c->pos = pos;
}

/* A string from its opening quote at c->pos to just past its closing one. */
static enum jsoncheck_status scan_string(struct checker *c)
{
	enum jsoncheck_status st;

	c->pos++;
	for (;;) {
		int ch;
		uint32_t cp;
		size_t len;

		skip_plain_ascii(c);
		ch = peek(c);

		if (ch < 0)
			return fail(c, JSONCHECK_SYNTAX, c->pos);
		if (ch == '"')
			break;
		if (ch == '\\') {
			if ((st = scan_escape(c)) != JSONCHECK_OK)
				return st;
			continue;
		}
		if (ch == '\0')
			return fail(c, JSONCHECK_NUL, c->pos);
		if (ch < 0x20)
			return fail(c, JSONCHECK_SYNTAX, c->pos);
		len = utf8_decode(c->s + c->pos, c->len - c->pos, &cp);
		if (len == 0)
			return fail(c, JSONCHECK_UTF8, c->pos);
		c->pos += len;
	}
	c->pos++;
	return JSONCHECK_OK;
}

/* Skips ASCII digits. Returns how many there were. */
static size_t skip_digits(struct checker *c)
{
	size_t start = c->pos;

	while (peek(c) >= '0' && peek(c) <= '9')
		c->pos++;
	return c->pos - start;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at c->pos. A digit right
 * after a leading 0 is left for the caller to refuse as trailing data. */
static enum jsoncheck_status scan_number(struct checker *c)
{
	if (peek(c) == '-')
		c->pos++;
	if (peek(c) == '0')
		c->pos++;
	else if (skip_digits(c) == 0)
		return fail(c, JSONCHECK_SYNTAX, c->pos);
	if (peek(c) == '.') {
		c->pos++;
		if (skip_digits(c) == 0)
			return fail(c, JSONCHECK_SYNTAX, c->pos);
	}
	if (peek(c) == 'e' || peek(c) == 'E') {
		c->pos++;
		if (peek(c) == '+' || peek(c) == '-')
			c->pos++;
		if (skip_digits(c) == 0)
			return fail(c, JSONCHECK_SYNTAX, c->pos);
	}
	return JSONCHECK_OK;
}

/* true, false or null, spelt exactly. */
static enum jsoncheck_status scan_literal(struct checker *c, const char *word)
{
	size_t n = strlen(word);

	if (c->len - c->pos < n || memcmp(c->s + c->pos, word, n) != 0)
		return fail(c, JSONCHECK_SYNTAX, c->pos);
	c->pos += n;
	return JSONCHECK_OK;
}

/* '{' or '[' at c->pos: a new frame, unless that would pass max_depth. */
static enum jsoncheck_status open_container(struct checker *c, int is_object,
					    enum want *want)
{
	struct frame *f;

	if (c->depth >= c->max_depth)
		return fail(c, JSONCHECK_DEPTH, c->pos);
	f = &c->stack[c->depth++];
	memset(f, 0, sizeof(*f));
	f->is_object = is_object;
	c->pos++;
	*want = is_object ? WANT_KEY_OR_CLOSE : WANT_VALUE_OR_CLOSE;
	return JSONCHECK_OK;
}

static void close_container(struct checker *c, enum want *want)
{
	c->depth--;
	c->pos++;
	*want = WANT_NEXT;
}

/* Counts one more value or key. Returns 0, or -1 past the cap. (A key is
 * never at depth 1 of a root array, so only values start a new count.) */
static int count_value(struct checker *c)
{
	/* An element of a root array starts a count of its own. */
	if (c->depth == 1 && !c->stack[0].is_object)
		c->values = 0;
	return ++c->values > JSONCHECK_MAX_VALUES ? -1 : 0;
}

static enum jsoncheck_status scan_value(struct checker *c, enum want *want)
{
	int ch = peek(c);

	*want = WANT_NEXT;
	if (count_value(c) != 0)
		return fail(c, JSONCHECK_TOO_MANY, c->pos);
	switch (ch) {
	case '{':
	case '[':
		return open_container(c, ch == '{', want);
	case '"':
		return scan_string(c);
	case 't':
		return scan_literal(c, "true");
	case 'f':
		return scan_literal(c, "false");
	case 'n':
		return scan_literal(c, "null");
	default:
		if (ch == '-' || (ch >= '0' && ch <= '9'))
			return scan_number(c);
		return fail(c, JSONCHECK_SYNTAX, c->pos);
	}
}

/* A key at c->pos, remembered in the innermost frame for the path. */
static enum jsoncheck_status scan_key(struct checker *c, enum want *want)
{
	struct frame *f = &c->stack[c->depth - 1];
	enum jsoncheck_status st;

	if (peek(c) != '"')
		return fail(c, JSONCHECK_SYNTAX, c->pos);
	if (count_value(c) != 0)
		return fail(c, JSONCHECK_TOO_MANY, c->pos);
	f->has_key = 1;
	f->key_off = c->pos + 1;
	f->key_len = KEY_OPEN;
	if ((st = scan_string(c)) != JSONCHECK_OK)
		return st;
	f->key_len = c->pos - 1 - f->key_off;
	*want = WANT_COLON;
	return JSONCHECK_OK;
}

/* After a value: a ',' or the closing bracket of the innermost frame. */
static enum jsoncheck_status scan_next(struct checker *c, enum want *want)
{
	struct frame *f = &c->stack[c->depth - 1];
	int ch = peek(c);

	if (ch == (f->is_object ? '}' : ']')) {
		close_container(c, want);
		return JSONCHECK_OK;
	}
	if (ch != ',')
		return fail(c, JSONCHECK_SYNTAX, c->pos);
	c->pos++;
	if (f->is_object) {
		f->has_key = 0;
		*want = WANT_KEY;
	} else {
		f->index++;
		*want = WANT_VALUE;
	}
	return JSONCHECK_OK;
}

/* One step of the machine from the state in *want. */
static enum jsoncheck_status step(struct checker *c, enum want *want)
{
	skip_space(c);
	switch (*want) {
	case WANT_VALUE_OR_CLOSE:
		if (peek(c) == ']')
			break;
		return scan_value(c, want);
	case WANT_KEY_OR_CLOSE:
		if (peek(c) == '}')
			break;
		return scan_key(c, want);
	case WANT_VALUE:
		return scan_value(c, want);
	case WANT_KEY:
		return scan_key(c, want);
	case WANT_COLON:
		if (peek(c) != ':')
			return fail(c, JSONCHECK_SYNTAX, c->pos);
		c->pos++;
		*want = WANT_VALUE;
		return JSONCHECK_OK;
	case WANT_NEXT:
		return scan_next(c, want);
	}
	close_container(c, want);
	return JSONCHECK_OK;
}

enum jsoncheck_status jsoncheck(const char *text, size_t len, int max_depth,
				struct jsoncheck_result *res)
{
	struct checker c;
	enum want want = WANT_VALUE;
	enum jsoncheck_status st;

	memset(&c, 0, sizeof(c));
	c.s = (const unsigned char *)text;
	c.len = len;
	c.max_depth = max_depth < 0 ? 0 : max_depth > JSONCHECK_FRAMES ? JSONCHECK_FRAMES : max_depth;
	c.res = res;
	do {
		if ((st = step(&c, &want)) != JSONCHECK_OK)
			return st;
	} while (c.depth > 0 || want != WANT_NEXT);
	skip_space(&c);
	if (c.pos != len)
		return fail(&c, JSONCHECK_SYNTAX, c.pos);
	res->status = JSONCHECK_OK;
	res->offset = 0;
	res->field[0] = '\0';
	return JSONCHECK_OK;
}
