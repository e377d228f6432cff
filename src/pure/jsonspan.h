/* jsonspan: positions in JSON text: where a value ends, and the members of an
 * object and the elements of an array, found without building a tree. Meant
 * for text that jsoncheck has passed; on any other text they stay within its
 * bounds and stop at its end. Pure: libc only. */
#ifndef TELLTALE_JSONSPAN_H
#define TELLTALE_JSONSPAN_H

#include <stddef.h>

/* s[at..end) */
struct jsonspan {
	size_t at, end;
};

/* Past the blanks at s[i]. */
size_t jsonspan_blanks(const char *s, size_t n, size_t i);

/* Just past the string whose opening quote is at s[i] (or n when cut short). */
size_t jsonspan_string_end(const char *s, size_t n, size_t i);

/* Just past the scalar (number or literal) at s[i]. */
size_t jsonspan_scalar_end(const char *s, size_t n, size_t i);

/* Just past the value at s[i]: a string, a container up to its matching
 * bracket (counted, strings skipped), or a scalar. */
size_t jsonspan_value_end(const char *s, size_t n, size_t i);

/* Resolves the escapes of a key's raw text s[0..n) into out (n + 1 bytes)
 * well enough to compare names: an escape beyond ASCII becomes '?'. Returns
 * the length written. */
size_t jsonspan_decode_key(const char *s, size_t n, char *out);

/* The members of the object whose '{' is at s[*at], for a reader that goes
 * into some values: each call sets key (the raw text between the quotes) and
 * moves *at to the start of the member's value, and returns 1; the reader
 * then moves *at past the value (jsonspan_value_end, or its own reading).
 * At the end of the object (or on text that is not an object) returns 0. */
int jsonspan_member_at(const char *s, size_t n, size_t *at, struct jsonspan *key);

/* The elements of the array whose '[' is at s[*at], as jsonspan_member_at
 * gives members: *at moves to the element's start. */
int jsonspan_element_at(const char *s, size_t n, size_t *at);

/* Just past the closing bracket of the container being read with
 * jsonspan_member_at or jsonspan_element_at, at being where the reading
 * stopped: past its last entry, or at its opening bracket when it had none. */
size_t jsonspan_close(const char *s, size_t n, size_t at);

/* jsonspan_element_at, with value set and *at moved past it. */
int jsonspan_next_element(const char *s, size_t n, size_t *at, struct jsonspan *value);

/* 1 when the key with raw text s[key] is name (which holds no backslash),
 * its escapes resolved. */
int jsonspan_key_is(const char *s, const struct jsonspan *key, const char *name);

#endif
