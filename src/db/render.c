/* render: EVENT and ISSUE from their columns. */
#include "db/render.h"

#include "db/args.h"
#include "pure/json.h"

struct json_object *render_event(const PGresult *res, int row, int col)
{
	struct json_object *ev = json_object_new_object();

	json_add_int(ev, "id", sql_int(res, row, col));
	json_add_int(ev, "application_id", sql_int(res, row, col + 1));
	sql_add_text(ev, "event_id", res, row, col + 2);
	json_add_time(ev, "occurred_at", sql_int(res, row, col + 3));
	json_add_time(ev, "received_at", sql_int(res, row, col + 4));
	json_add_string(ev, "level", PQgetvalue(res, row, col + 5));
	json_add_string_len(ev, "message", PQgetvalue(res, row, col + 6),
			    (size_t)PQgetlength(res, row, col + 6));
	sql_add_jsonb(ev, "stack", res, row, col + 7);
	sql_add_jsonb(ev, "tags", res, row, col + 8);
	sql_add_text(ev, "environment", res, row, col + 9);
	sql_add_text(ev, "release", res, row, col + 10);
	sql_add_jsonb(ev, "context", res, row, col + 11);
	sql_add_int(ev, "issue_id", res, row, col + 12);
	return ev;
}

struct json_object *render_issue(const PGresult *res, int row, int col)
{
	struct json_object *issue = json_object_new_object();

	json_add_int(issue, "id", sql_int(res, row, col));
	json_add_int(issue, "application_id", sql_int(res, row, col + 1));
	sql_add_text(issue, "title", res, row, col + 2);
	sql_add_text(issue, "culprit", res, row, col + 3);
	sql_add_text(issue, "level", res, row, col + 4);
	sql_add_text(issue, "status", res, row, col + 5);
	json_add_int(issue, "count", sql_int(res, row, col + 6));
	sql_add_time(issue, "first_seen", res, row, col + 7);
	sql_add_time(issue, "last_seen", res, row, col + 8);
	sql_add_text(issue, "first_release", res, row, col + 9);
	sql_add_text(issue, "last_release", res, row, col + 10);
	sql_add_jsonb(issue, "environments", res, row, col + 11);
	sql_add_time(issue, "resolved_at", res, row, col + 12);
	sql_add_text(issue, "resolved_in_release", res, row, col + 13);
	sql_add_time(issue, "regressed_at", res, row, col + 14);
	sql_add_int(issue, "latest_event_id", res, row, col + 15);
	return issue;
}
