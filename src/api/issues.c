/* issues: the routes of an application's issues. Counts, last_seen and the
 * per-hour and per-tag counts are the rollup's (they lag by up to a second);
 * the rest is written here or at ingest. */
#include "api/issues.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handler.h"
#include "db/render.h"
#include "http/response.h"
#include "pure/event_input.h"
#include "pure/json.h"

#define LIST_LIMIT_DEFAULT 25
#define LIST_LIMIT_MAX 100
#define QUERY_MAX 200
#define MERGE_MAX 100

/* The last 24 hours' counts of issue i, oldest first. */
#define SERIES_COUNTS \
	"(SELECT json_agg(coalesce(c.count, 0) ORDER BY h.h)" \
	"   FROM generate_series(hour_floor(now()) - interval '23 hours', hour_floor(now())," \
	"                        interval '1 hour') AS h(h)" \
	"   LEFT JOIN issue_counts_hourly c ON c.issue_id = i.id AND c.hour = h.h)"

/* One application's issues, sorted by column: $1 app, $2 status ('all' for
 * any), $3 level, $4 environment, $5 release, $6 text in title or culprit,
 * $7 since and $8 until (of last_seen), $9 and $10 the cursor's sort value
 * (as key gives it) and id, $11 limit + 1; NULL for each filter not given.
 * Answers ISSUE_COLUMNS, the sort value and the 24 hours' counts; one row of
 * NULLs when nothing matches, none when the application does not exist. */
#define ISSUES_LIST(name, column, key, cursor_value) \
	{ name, \
	  "SELECT " ISSUE_COLUMNS ", " key ", " SERIES_COUNTS \
	  " FROM applications a LEFT JOIN LATERAL (" \
	  "  SELECT * FROM issues i" \
	  "  WHERE i.application_id = a.id AND ($2 = 'all' OR i.status = $2)" \
	  "    AND ($3::text IS NULL OR i.level = $3)" \
	  "    AND ($4::text IS NULL OR i.environments @> ARRAY[$4::text])" \
	  "    AND ($5::text IS NULL OR i.releases @> ARRAY[$5::text])" \
	  "    AND ($6::text IS NULL OR strpos(lower(i.title), lower($6)) > 0" \
	  "         OR strpos(lower(coalesce(i.culprit, '')), lower($6)) > 0)" \
	  "    AND ($7::bigint IS NULL OR i.last_seen >= usec_to_ts($7))" \
	  "    AND ($8::bigint IS NULL OR i.last_seen < usec_to_ts($8))" \
	  "    AND ($9::bigint IS NULL OR (i." column ", i.id) < (" cursor_value ", $10))" \
	  "  ORDER BY i." column " DESC, i.id DESC LIMIT $11" \
	  ") i ON true WHERE a.id = $1 ORDER BY i." column " DESC, i.id DESC" }

const struct db_statement issues_statements[] = {
	ISSUES_LIST("issues_by_last_seen", "last_seen", "ts_to_usec(i.last_seen)", "usec_to_ts($9)"),
	ISSUES_LIST("issues_by_first_seen", "first_seen", "ts_to_usec(i.first_seen)", "usec_to_ts($9)"),
	ISSUES_LIST("issues_by_count", "count", "i.count", "$9"),
	/* $1 app, $2 issue: ISSUE_COLUMNS, the latest event's exception, the top
	 * ten values of each tag and the last 24 hours by hour. */
	{ "issues_get",
	  "SELECT " ISSUE_COLUMNS ", i.exception,"
	  " (SELECT coalesce(json_object_agg(name, top), '{}') FROM ("
	  "    SELECT name, json_agg(json_build_object('value', value, 'count', count)"
	  "                          ORDER BY count DESC, value) AS top"
	  "      FROM (SELECT name, value, count, row_number() OVER"
	  "              (PARTITION BY name ORDER BY count DESC, value) AS n"
	  "              FROM issue_tags WHERE issue_id = i.id) t"
	  "     WHERE n <= 10 GROUP BY name) g),"
	  " (SELECT json_agg(json_build_object("
	  "     'hour', to_char(h.h AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
	  "     'count', coalesce(c.count, 0)) ORDER BY h.h)"
	  "    FROM generate_series(hour_floor(now()) - interval '23 hours', hour_floor(now()),"
	  "                         interval '1 hour') AS h(h)"
	  "    LEFT JOIN issue_counts_hourly c ON c.issue_id = i.id AND c.hour = h.h)"
	  " FROM issues i WHERE i.application_id = $1 AND i.id = $2" },
	{ "issues_row", "SELECT " ISSUE_COLUMNS " FROM issues i WHERE i.application_id = $1 AND i.id = $2" },
	/* $1 app, $2 issue, $3 cursor (0: the first page), $4 limit + 1; through
	 * a function that keeps one plan a session (sql/034). */
	{ "issues_events",
	  "SELECT " EVENT_COLUMNS " FROM issue_events_page($1, $2, $3, $4) e ORDER BY e.id DESC" },
	{ "issues_release_seen", "SELECT 1 FROM releases WHERE application_id = $1 AND name = $2" },
	/* $1 app, $2 issue, $3 status, $4 resolved_in_release or NULL. */
	{ "issues_change",
	  "UPDATE issues i SET status = $3,"
	  "  resolved_at = CASE WHEN $3 = 'resolved' THEN now() END,"
	  "  resolved_in_release = CASE WHEN $3 = 'resolved' THEN $4 END"
	  " WHERE i.application_id = $1 AND i.id = $2 RETURNING " ISSUE_COLUMNS },
	/* $1 app, $2 the ids as a JSON array, the first absorbing the rest: its
	 * id, or NULL when one is not the application's. (The merged row is read
	 * by the next statement: this one's snapshot predates the merge.) */
	{ "issues_merge",
	  "SELECT issue_merge($1, ARRAY(SELECT json_array_elements_text($2::json)::bigint))" },
	{ NULL, NULL }
};

/* The ISSUE columns come first in every statement here. */
static struct json_object *issue_row(const PGresult *res, int row)
{
	return render_issue(res, row, 0);
}

/* A list's sort, its statement, and the letter its cursors start with (a
 * cursor of one sort means nothing in another). */
struct sort {
	const char *name, *stmt;
	char letter;
};

static const struct sort sorts[] = {
	{ "last_seen", "issues_by_last_seen", 'l' },
	{ "first_seen", "issues_by_first_seen", 'f' },
	{ "count", "issues_by_count", 'c' },
};

static int sort_or_respond(struct request *req, const struct sort **out)
{
	const char *name;

	if (handler_query_text_or_respond(req, "sort", &name) != 0)
		return -1;
	*out = &sorts[0];
	if (!name)
		return 0;
	for (size_t i = 0; i < sizeof(sorts) / sizeof(sorts[0]); i++)
		if (strcmp(name, sorts[i].name) == 0) {
			*out = &sorts[i];
			return 0;
		}
	return respond_error(req, 422, "VALIDATION", "sort", "sort must be last_seen, first_seen or count");
}

/* status: unresolved (the default), resolved, ignored or all. */
static int status_or_respond(struct request *req, const char **out)
{
	static const char *const names[] = { "unresolved", "resolved", "ignored", "all" };

	if (handler_query_text_or_respond(req, "status", out) != 0)
		return -1;
	if (!*out) {
		*out = names[0];
		return 0;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(*out, names[i]) == 0)
			return 0;
	return respond_error(req, 422, "VALIDATION", "status",
			     "status must be unresolved, resolved, ignored or all");
}

/* cursor: "<sort's letter><sort value>_<id>" as next_cursor gave it, added
 * to a as two arguments (two NULLs when absent). */
static int cursor_or_respond(struct request *req, const struct sort *sort, struct sql_args *a)
{
	const char *text;
	char *end;
	long long value, id;

	if (handler_query_text_or_respond(req, "cursor", &text) != 0)
		return -1;
	if (!text) {
		sql_arg_text(a, NULL);
		sql_arg_text(a, NULL);
		return 0;
	}
	if (*text++ != sort->letter || *text == '\0')
		goto bad;
	value = strtoll(text, &end, 10);
	if (end == text || *end != '_' || end[1] < '1' || end[1] > '9' || strlen(end + 1) > 18)
		goto bad;
	id = strtoll(end + 1, &end, 10);
	if (*end)
		goto bad;
	sql_arg_int(a, value);
	sql_arg_int(a, id);
	return 0;
bad:
	return respond_error(req, 422, "VALIDATION", "cursor",
			     "cursor must be a next_cursor this collection answered");
}

/* level, environment, release, query, since and until, as six arguments. */
static int filters_or_respond(struct request *req, struct sql_args *a)
{
	const char *level, *environment, *release, *query;
	int64_t since, until;
	int malformed = 0;

	if (handler_query_level_or_respond(req, &level) != 0 ||
	    handler_query_text_or_respond(req, "environment", &environment) != 0 ||
	    handler_query_text_or_respond(req, "release", &release) != 0 ||
	    handler_query_text_or_respond(req, "query", &query) != 0 ||
	    handler_query_window_or_respond(req, 0, &since, &until) != 0)
		return -1;
	if (!request_query(req, "until", &malformed))
		until = INT64_MAX;          /* no bound: issues seen from now on too */
	if (query && strlen(query) > QUERY_MAX)
		return respond_error(req, 422, "VALIDATION", "query", "query is at most 200 bytes");
	sql_arg_text(a, level);
	sql_arg_text(a, environment);
	sql_arg_text(a, release);
	sql_arg_text(a, query && *query ? query : NULL);
	sql_arg_window(a, since, until);
	return 0;
}

/* Answers a page of the list: rows past limit say that another follows. */
static void respond_issue_page(struct request *req, const PGresult *res, const struct sort *sort,
			       int64_t limit)
{
	struct json_object *page = json_object_new_object(), *items = json_object_new_array();
	int rows = PQntuples(res) == 1 && PQgetisnull(res, 0, 0) ? 0 : PQntuples(res);
	int shown = rows > limit ? (int)limit : rows;
	char next[48];

	for (int i = 0; i < shown; i++) {
		struct json_object *issue = issue_row(res, i);

		sql_add_jsonb(issue, "series", res, i, ISSUE_COLUMN_COUNT + 1);
		json_object_array_add(items, issue);
	}
	json_object_object_add(page, "items", items);
	if (rows > limit) {
		snprintf(next, sizeof(next), "%c%s_%s", sort->letter,
			 PQgetvalue(res, shown - 1, ISSUE_COLUMN_COUNT), PQgetvalue(res, shown - 1, 0));
		json_add_string(page, "next_cursor", next);
	} else {
		json_add_null(page, "next_cursor");
	}
	respond_json(req, 200, page);
	json_object_put(page);
}

/* GET /apps/{app_id}/issues?status&level&environment&release&query&since&until&sort&limit&cursor */
void issues_list(struct request *req)
{
	struct sql_args a = { 0 };
	const struct sort *sort;
	const char *status;
	PGresult *res = NULL;
	int64_t app_id, limit;

	if (handler_path_id_or_respond(req, 1, &app_id) != 0 ||
	    status_or_respond(req, &status) != 0)
		return;
	sql_arg_int(&a, app_id);
	sql_arg_text(&a, status);
	if (filters_or_respond(req, &a) != 0 || sort_or_respond(req, &sort) != 0 ||
	    cursor_or_respond(req, sort, &a) != 0 ||
	    handler_query_int_or_respond(req, "limit", LIST_LIMIT_DEFAULT, 1, LIST_LIMIT_MAX, &limit) != 0)
		return;
	sql_arg_int(&a, limit + 1);
	if (handler_exec_or_respond(req, sort->stmt, &a, &res) != 0)
		return;
	if (PQntuples(res) == 0)
		respond_error(req, 404, "NOT_FOUND", NULL, "no such application");
	else
		respond_issue_page(req, res, sort, limit);
	PQclear(res);
}

/* The application and issue ids of the path, as the first two arguments. */
static int issue_path_or_respond(struct request *req, struct sql_args *a)
{
	int64_t app_id, issue_id;

	if (handler_path_id_or_respond(req, 1, &app_id) != 0 ||
	    handler_path_id_or_respond(req, 3, &issue_id) != 0)
		return -1;
	sql_arg_int(a, app_id);
	sql_arg_int(a, issue_id);
	return 0;
}

static int no_such_issue(struct request *req)
{
	return respond_error(req, 404, "NOT_FOUND", NULL, "no such issue");
}

/* GET /apps/{app_id}/issues/{issue_id} */
void issues_get(struct request *req)
{
	struct sql_args a = { 0 };
	PGresult *res = NULL;
	struct json_object *issue;

	if (issue_path_or_respond(req, &a) != 0 ||
	    handler_exec_or_respond(req, "issues_get", &a, &res) != 0)
		return;
	if (PQntuples(res) == 0) {
		no_such_issue(req);
	} else {
		issue = issue_row(res, 0);
		sql_add_jsonb(issue, "exception", res, 0, ISSUE_COLUMN_COUNT);
		sql_add_jsonb(issue, "tags", res, 0, ISSUE_COLUMN_COUNT + 1);
		sql_add_jsonb(issue, "series", res, 0, ISSUE_COLUMN_COUNT + 2);
		respond_json(req, 200, issue);
		json_object_put(issue);
	}
	PQclear(res);
}

static struct json_object *event_row(const PGresult *res, int row)
{
	return render_event(res, row, 0);
}

/* GET /apps/{app_id}/issues/{issue_id}/events?limit&cursor */
void issues_events(struct request *req)
{
	struct sql_args a = { 0 };
	struct error err;
	int exists;

	if (issue_path_or_respond(req, &a) != 0)
		return;
	exists = sql_any_row("issues_row", &a, &err);
	if (exists < 0)
		respond_with(req, &err);
	else if (exists == 0)
		no_such_issue(req);
	else
		handler_respond_cursor_page(req, "issues_events", &a, event_row);
}

static int release_name_ok(const char *s, size_t len)
{
	return event_input_name_ok(s, len, EVENT_RELEASE_MAX);
}

/* status and resolved_in_release of a PATCH body. */
static int change_or_respond(struct request *req, struct json_object *doc, const char **status,
			     const char **release)
{
	static const char *const names[] = { "unresolved", "resolved", "ignored" };
	struct json_object *v = NULL;

	*status = NULL;
	if (json_object_object_get_ex(doc, "status", &v) && json_object_is_type(v, json_type_string))
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcmp(json_object_get_string(v), names[i]) == 0)
				*status = names[i];
	if (!*status)
		return respond_error(req, 422, "VALIDATION", "status",
				     "status must be unresolved, resolved or ignored");
	if (handler_json_optional_text_or_respond(req, doc, "resolved_in_release", 0, release_name_ok,
						  "must be \"next\" or a release name of 1 to 200 characters",
						  release) != 0)
		return -1;
	if (*release && strcmp(*status, "resolved") != 0)
		return respond_error(req, 422, "VALIDATION", "resolved_in_release",
				     "resolved_in_release goes with status resolved");
	return 0;
}

/* A release named in resolved_in_release must be one the application has
 * sent ("next" needs none): releases are ordered by when they were first
 * seen, and an unknown one has no place in that order. */
static int release_seen_or_respond(struct request *req, const struct sql_args *path, const char *release)
{
	struct sql_args a = { 0 };
	struct error err;
	int seen;

	if (!release || strcmp(release, "next") == 0)
		return 0;
	sql_arg_text(&a, path->values[0]);
	sql_arg_text(&a, release);
	seen = sql_any_row("issues_release_seen", &a, &err);
	if (seen < 0)
		return respond_with(req, &err);
	return seen ? 0 : respond_error(req, 422, "VALIDATION", "resolved_in_release",
					"the application has sent no event of release %s", release);
}

/* PATCH /apps/{app_id}/issues/{issue_id} {"status", "resolved_in_release"?} */
void issues_change(struct request *req)
{
	struct sql_args a = { 0 };
	struct json_object *doc = NULL;
	const char *status, *release;
	PGresult *res = NULL;

	if (issue_path_or_respond(req, &a) != 0 || handler_json_body_or_respond(req, &doc) != 0 ||
	    handler_json_object_or_respond(req, doc) != 0 ||
	    change_or_respond(req, doc, &status, &release) != 0 ||
	    release_seen_or_respond(req, &a, release) != 0)
		goto out;
	sql_arg_text(&a, status);
	sql_arg_text(&a, release);
	if (handler_exec_or_respond(req, "issues_change", &a, &res) == 0)
		handler_respond_row(req, res, issue_row, NULL, "no such issue");
out:
	PQclear(res);
	json_object_put(doc);
}

/* ids: 2 to MERGE_MAX distinct issue ids. */
static int merge_ids_or_respond(struct request *req, struct json_object *doc)
{
	struct json_object *ids = NULL;
	size_t n;

	if (!json_object_object_get_ex(doc, "ids", &ids) || !json_object_is_type(ids, json_type_array) ||
	    (n = json_object_array_length(ids)) < 2 || n > MERGE_MAX)
		goto bad;
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(ids, i);

		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1)
			goto bad;
		for (size_t j = 0; j < i; j++)
			if (json_object_get_int64(json_object_array_get_idx(ids, j)) == json_object_get_int64(v))
				goto bad;
	}
	return 0;
bad:
	return respond_error(req, 422, "VALIDATION", "ids",
			     "ids must be an array of 2 to 100 distinct issue ids");
}

/* POST /apps/{app_id}/issues/merge {"ids": [a, b, ...]}: a absorbs the rest. */
void issues_merge(struct request *req)
{
	struct sql_args a = { 0 }, b = { 0 };
	struct json_object *doc = NULL, *ids;
	PGresult *res = NULL, *merged = NULL;
	int64_t app_id;

	if (handler_path_id_or_respond(req, 1, &app_id) != 0 ||
	    handler_json_body_or_respond(req, &doc) != 0 ||
	    handler_json_object_or_respond(req, doc) != 0 || merge_ids_or_respond(req, doc) != 0)
		goto out;
	json_object_object_get_ex(doc, "ids", &ids);
	sql_arg_int(&a, app_id);
	sql_arg_text(&a, json_object_to_json_string_ext(ids, JSON_C_TO_STRING_PLAIN));
	if (handler_exec_or_respond(req, "issues_merge", &a, &res) != 0)
		goto out;
	/* The merged issue's id, or NULL when one of ids is not the
	 * application's: then no row, and the 404. */
	sql_arg_int(&b, app_id);
	sql_arg_text(&b, PQgetisnull(res, 0, 0) ? NULL : PQgetvalue(res, 0, 0));
	if (handler_exec_or_respond(req, "issues_row", &b, &merged) == 0)
		handler_respond_row(req, merged, issue_row, "ids",
				    "an issue of ids is not one of this application's");
out:
	PQclear(merged);
	PQclear(res);
	json_object_put(doc);
}
