/* mask: the masking rules of docs/api.md, in one place. Before a request log is
 * stored, sensitive headers, query parameters and JSON keys lose their values
 * to MASK_VALUE, and payment card numbers in bodies and query strings are
 * replaced by it. Pure: json-c and libc only, no I/O, no globals. */
#ifndef TELLTALE_MASK_H
#define TELLTALE_MASK_H

#include <stddef.h>

#include <json-c/json.h>

/* What a masked value becomes. */
#define MASK_VALUE "***MASKED***"

/* 1 when name[0..len) is sensitive as a header, query parameter or JSON key
 * name: case-insensitively, and with '_' taken as '-', one of authorization,
 * proxy-authorization, x-authorization, cookie, set-cookie, x-api-key,
 * x-auth-token, x-csrf-token, x-ingest-key, auth, pwd, sig, or a name
 * containing token, secret, password, passwd, session, api-key, apikey,
 * credential, private-key, signature or sentry-key. Else 0. (As query and
 * form parameters, code and state are sensitive too.) */
int mask_sensitive_name(const char *name, size_t len);

/* The names a service or an application adds to those (docs/api.md,
 * "mask_fields"): a name containing one of them, compared as above, is
 * sensitive too. Kept folded. */
#define MASK_FIELDS_MAX 50
#define MASK_FIELD_MAX 64
struct mask_fields {
	size_t count;
	char names[MASK_FIELDS_MAX][MASK_FIELD_MAX + 1];
};

/* Adds name[0..len) to fields. Returns 0, or -1 when it is empty, longer than
 * MASK_FIELD_MAX, holds a NUL, or fields is full. */
int mask_fields_add(struct mask_fields *fields, const char *name, size_t len);

/* Fills fields from names one a line (as the database gives them), leaving
 * out those mask_fields_add refuses. Returns how many it holds. */
size_t mask_fields_from_lines(struct mask_fields *fields, const char *lines);

/* mask_sensitive_name, or a name extra (may be NULL) adds. */
int mask_sensitive(const struct mask_fields *extra, const char *name, size_t len);

/* A copy of text[0..len) with every payment card number replaced by
 * MASK_VALUE: 13 to 19 digits, single spaces or dashes allowed between them,
 * passing the Luhn check. Runs of digits that do not qualify are left alone.
 * Returns a new NUL-terminated string (the caller frees it) and sets *out_len,
 * or NULL on no memory. *masked (may be NULL) is set to the count replaced. */
char *mask_cards(const char *text, size_t len, size_t *out_len, size_t *masked);

/* A copy of a request or response body with its secrets masked. A body that
 * looks like JSON (its first character, after a byte order mark and blanks,
 * is '{' or '['), whether it parses or not, has the value of every sensitive
 * key replaced by the string MASK_VALUE at any depth (inside arrays too), and
 * card numbers masked in its strings and integers; it keeps its layout
 * otherwise. A body shaped as a form (name=value&...) is masked as a query
 * string. Any other body is copied as sent but for its card numbers. text
 * must be NUL-free. In this and the functions below, extra (may be NULL) adds
 * names to the sensitive ones.
 * Returns a new NUL-terminated string (the caller frees it) and sets *out_len,
 * or NULL on no memory. */
char *mask_body(const char *text, size_t len, size_t *out_len,
		const struct mask_fields *extra);

/* The JSON text s[0..n) with what mask_json would mask in its tree masked in
 * the text: the value of every sensitive key, at any depth, replaced by the
 * string MASK_VALUE, and card numbers masked in strings and integers; the
 * layout kept (a string that held a card number written with \u escapes is
 * written out again). Returns a new NUL-terminated string (the caller frees
 * it) and sets *out_len, or NULL on no memory. */
char *mask_json_text(const char *s, size_t n, size_t *out_len, const struct mask_fields *extra);

/* The JSON value at s[at] (within s[0..n)) masked as mask_json_text masks a
 * text, read once: its end is found in the same pass and set in *end (n
 * when the text ends first). Returns what mask_json_text returns. */
char *mask_json_value(const char *s, size_t n, size_t at, size_t *end, size_t *out_len,
		      const struct mask_fields *extra);

/* A JSON text masked as a reader walks it, so that the text is read once
 * for both: the reader hands every member's key and every value it passes
 * over, in order, and gets the part from the first to the last masked as
 * mask_json_text masks it. */
struct text_masking;
struct jsonspan;

/* A walk over s[0..n) from s[at], or NULL on no memory. */
struct text_masking *mask_walk_begin(const char *s, size_t n, size_t at, const struct mask_fields *extra);

/* The member whose key's raw text is s[key] (between its quotes), its value
 * at s[value]: 1 when the key is sensitive, and then the value is masked
 * whole and *value_end set past it; else 0, the key's own card numbers
 * masked, and the value left to the reader. */
int mask_walk_key(struct text_masking *m, const struct jsonspan *key, size_t value, size_t *value_end);

/* The value at s[at], masked whole. Returns where it ends. */
size_t mask_walk_value(struct text_masking *m, size_t at);

/* The text from the walk's start to s[end], masked, as mask_json_text
 * returns it; frees m. */
char *mask_walk_end(struct text_masking *m, size_t end, size_t *out_len);

/* A copy of a URL (or a path) whose query string, and a fragment of
 * name=value pairs, has the value of each sensitive parameter replaced by
 * MASK_VALUE and card numbers in the other values masked (decoded first, so
 * "4111+1111..." and "%20" count as spaces; a masked value is
 * percent-encoded again). The path keeps its text but for card numbers, and a
 * userinfo ("user:pw@" after "://"), a credential, becomes MASK_VALUE whole. Returns a new NUL-terminated string (the caller
 * frees it), or NULL on no memory. */
char *mask_url(const char *url, size_t len, const struct mask_fields *extra);

/* value, with the card numbers of a string masked: a new reference (the
 * caller puts it), or NULL on no memory. */
struct json_object *mask_text_value(struct json_object *value);

/* A new object with the members of headers (an object of strings), where a
 * sensitive name's value is MASK_VALUE and the others' card numbers are
 * masked. Returns it (the caller puts it), or
 * NULL on no memory. */
struct json_object *mask_headers(struct json_object *headers,
				 const struct mask_fields *extra);

/* Masks doc in place, as a JSON body is masked: sensitive keys at any depth
 * get MASK_VALUE, card numbers in strings and integers are masked. doc stays
 * the caller's. Returns 0, or -1 on no memory (doc is then partly masked and
 * must not be stored). */
int mask_json(struct json_object *doc, const struct mask_fields *extra);

#endif
