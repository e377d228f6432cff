/* jsoncheck: a strict, allocation-free pass over JSON text that finds what
 * json-c cannot name: where a document breaks telltale's input rules.
 * Pure: no I/O, no globals. */
#ifndef TELLTALE_JSONCHECK_H
#define TELLTALE_JSONCHECK_H

#include <stddef.h>

enum jsoncheck_status {
	JSONCHECK_OK = 0,
	JSONCHECK_SYNTAX,    /* not exactly one RFC 8259 value (trailing data, NaN, ...) */
	JSONCHECK_DEPTH,     /* nesting deeper than max_depth */
	JSONCHECK_NUL,       /* a string or key holds \u0000 (or a raw NUL byte) */
	JSONCHECK_UTF8,      /* invalid or overlong UTF-8, encoded surrogate, or a lone
	                        surrogate escape */
	JSONCHECK_TOO_MANY,  /* more than JSONCHECK_MAX_VALUES values and keys */
};

/* The values and keys one document may hold, or, when the document is an
 * array, each of its elements: what a parser builds of a body is bounded by
 * this, not by the body's bytes (a MiB of "{}," is 350,000 objects). */
#define JSONCHECK_MAX_VALUES 100000

#define JSONCHECK_FIELD_MAX 256

struct jsoncheck_result {
	enum jsoncheck_status status;
	size_t offset;                      /* byte offset of the problem */
	char field[JSONCHECK_FIELD_MAX];    /* path of the offending value, see below */
};

/* Checks that text[0..len) is exactly one JSON value (whitespace allowed around it),
 * nested at most max_depth deep (a top-level object or array is depth 1), and that
 * every string, object keys included, is valid UTF-8 without NUL, and that it
 * holds at most JSONCHECK_MAX_VALUES values and keys (each element at most,
 * when it is an array).
 * field names the value at fault as a path: "" for the root, "message",
 * "stack.frames[3].file", "[7].level" (a key with a bad character is named with
 * that character replaced by U+FFFD; a path longer than the buffer is cut at a
 * UTF-8 boundary). For JSONCHECK_SYNTAX field is the path reached so far.
 * Returns res->status. */
enum jsoncheck_status jsoncheck(const char *text, size_t len, int max_depth,
				struct jsoncheck_result *res);

#endif
