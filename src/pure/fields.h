/* fields: the rules of fields that more than one input shares, each kept
 * once: a log's and an alert rule's status code, a log's and a search's
 * method. The SQL domains http_status (sql/014) and http_method (sql/012)
 * hold the same bounds; t/0120-field-rules.t checks that they agree. */
#ifndef TELLTALE_FIELDS_H
#define TELLTALE_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#define FIELD_STATUS_MIN 100
#define FIELD_STATUS_MAX 599
#define FIELD_METHOD_MAX 16      /* letters */

/* 1 when code is a status code from FIELD_STATUS_MIN to FIELD_STATUS_MAX. */
int field_status_ok(int64_t code);

/* s[0..len) as a method: 1 to FIELD_METHOD_MAX ASCII letters, any case,
 * written upper case into out with a NUL. Returns 0, or -1 when it is not. */
int field_method(const char *s, size_t len, char out[FIELD_METHOD_MAX + 1]);

#endif
