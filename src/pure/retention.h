/* retention: how many days an application keeps its events, or a service its
 * request logs (sql/025): "retention_days" of a body, and the default of a
 * new one from the environment. Pure: json-c only, no I/O, no globals. */
#ifndef TELLTALE_RETENTION_H
#define TELLTALE_RETENTION_H

#include <json-c/json.h>

#include "pure/error.h"

#define RETENTION_DAYS_MIN 1
#define RETENTION_DAYS_MAX 3650
#define RETENTION_EVENT_DAYS_DEFAULT 90
#define RETENTION_LOG_DAYS_DEFAULT 30

/* "retention_days" of the object doc into *days: 0 when it is absent (and
 * *days is left alone), else -1 with a 422 naming it unless it is an integer
 * from RETENTION_DAYS_MIN to RETENTION_DAYS_MAX. */
int retention_days_from_json(struct json_object *doc, int *days, struct error *err);

/* The days a setting's text names (TELLTALE_EVENT_RETENTION_DAYS,
 * TELLTALE_LOG_RETENTION_DAYS), or fallback when text is NULL, empty or not
 * a whole number of days in range. */
int retention_days_setting(const char *text, int fallback);

#endif
