/* cursor: positions in the collections that list their rows newest first
 * (events, request logs, alert events), for paging past where an offset
 * reads well (docs/api.md, "Paging"). A cursor names the last row of a page
 * by its time and id, "<unix microseconds>.<id>"; the next page is the rows
 * that sort after it, whatever arrived since. Clients treat it as opaque.
 * Pure: no I/O, no globals. */
#ifndef TELLTALE_CURSOR_H
#define TELLTALE_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#include "pure/params.h"

/* 20 digits, a dot, and a UUID. */
#define CURSOR_TEXT_MAX (20 + 1 + PARAMS_UUID_LEN + 1)

/* What the ids of a collection are. */
enum cursor_id { CURSOR_ID_INTEGER, CURSOR_ID_UUID };

struct cursor {
	int64_t usec;                      /* the row's time */
	char id[PARAMS_UUID_LEN + 1];      /* its id: digits, or a lower-case UUID */
};

/* Reads s[0..n) as a cursor whose id is of kind. Returns 0, or -1 when it is
 * not one. */
int cursor_parse(const char *s, size_t n, enum cursor_id kind, struct cursor *out);

/* "<usec>.<id>" into out. */
void cursor_format(int64_t usec, const char *id, char out[CURSOR_TEXT_MAX]);

#endif
