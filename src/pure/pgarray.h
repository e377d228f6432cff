/* pgarray: a json[] statement parameter in PostgreSQL's binary form, written
 * as its values are added. Large JSON values travel this way beside a row's
 * text: the server reads each once, as json, with no quoting to undo.
 * Pure: no I/O, no globals. */
#ifndef TELLTALE_PGARRAY_H
#define TELLTALE_PGARRAY_H

#include <stddef.h>

#include "pure/buf.h"

struct pg_json_array {
	struct buf data;        /* room for the header, then each value's length and bytes */
	int count;
	int has_null;
};

/* Starts an empty array. Returns 0, or -1 when out of memory. */
int pg_json_array_init(struct pg_json_array *a);

/* Appends text[0..len), JSON text the caller has checked, or SQL NULL when
 * text is NULL. A failed allocation shows in pg_json_array_bytes. */
void pg_json_array_add(struct pg_json_array *a, const char *text, size_t len);

/* The array as the server reads it (one dimension from 1, elements of type
 * json), its length in *len; valid until the next add. NULL when an
 * allocation failed. */
const char *pg_json_array_bytes(struct pg_json_array *a, size_t *len);

/* The first value's text, its length in *len, not NUL-terminated; NULL when
 * it is SQL NULL or there is none. Valid until the next add. */
const char *pg_json_array_first(const struct pg_json_array *a, size_t *len);

void pg_json_array_free(struct pg_json_array *a);

#endif
