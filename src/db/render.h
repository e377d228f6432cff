/* render: database rows as the API's JSON objects, for those the worker and
 * the notifier both send (docs/api.md): EVENT and ISSUE. A statement selects
 * EVENT_COLUMNS or ISSUE_COLUMNS (with the table aliased e or i) starting at
 * some column, and the same column is handed to the function here. */
#ifndef TELLTALE_RENDER_H
#define TELLTALE_RENDER_H

#include <json-c/json.h>
#include <libpq-fe.h>

#define EVENT_COLUMNS \
	"e.id, e.application_id, replace(e.event_id::text, '-', ''), ts_to_usec(e.occurred_at)," \
	" ts_to_usec(e.received_at), e.level, e.message, e.stack, e.tags, e.environment," \
	" e.release, e.context, e.issue_id"
#define EVENT_COLUMN_COUNT 13
/* The column of received_at (microseconds) among EVENT_COLUMNS. */
#define EVENT_RECEIVED_COLUMN 4

#define ISSUE_COLUMNS \
	"i.id, i.application_id, i.title, i.culprit, i.level, i.status, i.count," \
	" ts_to_usec(i.first_seen), ts_to_usec(i.last_seen), i.first_release, i.last_release," \
	" array_to_json(i.environments), ts_to_usec(i.resolved_at), i.resolved_in_release," \
	" ts_to_usec(i.regressed_at), i.latest_event_id"
#define ISSUE_COLUMN_COUNT 16

/* The EVENT of row, from its columns at col; the caller puts it. */
struct json_object *render_event(const PGresult *res, int row, int col);

/* The ISSUE of row, from its columns at col; the caller puts it. */
struct json_object *render_issue(const PGresult *res, int row, int col);

#endif
