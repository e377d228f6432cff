/* events: the /apps ingest of error events (single and bulk, stored through
 * api/ingest), listing and reading them. */
#include "api/events.h"

#include <stdio.h>
#include <string.h>

#include "db/render.h"
#include "pure/event_input.h"
#include "api/handler.h"
#include "api/ingest.h"
#include "http/read.h"
#include "pure/json.h"
#include "pure/keys.h"
#include "http/response.h"

#define LIST_LIMIT_DEFAULT 20
#define LIST_LIMIT_MAX 50

#define EVENTS_GET \
	"SELECT " EVENT_COLUMNS " FROM events e WHERE e.application_id = $1 AND e.id = $2" \
	"  AND e.received_at >= event_floor($1)"

const struct db_statement events_statements[] = {
	/* $1 app, $2 level or NULL, $3 since or NULL, $4 until or NULL, $5 limit + 1,
	 * $6 offset, $7 environment or NULL, $8 release or NULL, $9 and $10 the
	 * cursor's time and id or NULL, $11 and $12 a lower and an upper bound of
	 * received_at or NULL (handler_exec_recent_first_or_respond); the last
	 * column is CLOCK_WITHIN($12). Each time bound is also written as a
	 * comparison of received_at with a constant, which prunes partitions
	 * when the statement is planned. One row with NULL columns when the
	 * application has no match; no row when the application does not exist.
	 * Events past the application's retention are hidden (event_floor,
	 * sql/025) until telltale-maintain deletes them. */
	{ "events_list",
	  "SELECT " EVENT_COLUMNS ", " CLOCK_WITHIN("$12")
	  " FROM applications a LEFT JOIN LATERAL ("
	  "  SELECT * FROM events"
	  "  WHERE application_id = a.id AND received_at >= event_floor(a.id)"
	  "    AND ($2::text IS NULL OR level = $2)"
	  "    AND ($3::bigint IS NULL OR received_at >= usec_to_ts($3))"
	  "    AND ($4::bigint IS NULL OR received_at < usec_to_ts($4))"
	  "    AND ($7::text IS NULL OR environment = $7) AND ($8::text IS NULL OR release = $8)"
	  "    AND received_at >= coalesce(usec_to_ts($11), '-infinity')"
	  "    AND received_at <= coalesce(usec_to_ts($12), 'infinity')"
	  "    AND received_at <= coalesce(usec_to_ts($9), 'infinity')"
	  "    AND ($9::bigint IS NULL OR (received_at, id) < (usec_to_ts($9), $10::bigint))"
	  "  ORDER BY received_at DESC, id DESC LIMIT $5 OFFSET $6"
	  ") e ON true WHERE a.id = $1" },
	/* $1 app, $2 id; and, for the first look, $3 and $4 bounds of
	 * received_at (handler_exec_recent_row_or_respond). */
	{ "events_get", EVENTS_GET },
	{ "events_get_recent",
	  EVENTS_GET " AND e.received_at >= usec_to_ts($3) AND e.received_at <= usec_to_ts($4)" },
	{ NULL, NULL }
};

/* The ingest key's digest from X-Ingest-Key: 403 when there is none. */
static int read_ingest_key(const struct request *req, char digest[KEYS_SHA256_HEX_LEN + 1],
			   struct error *err)
{
	const char *key = request_param(req, "HTTP_X_INGEST_KEY");

	if (!key || !*key)
		return ingest_wrong_key(err);
	keys_sha256_hex(key, strlen(key), digest);
	return 0;
}

/* Names the element of a bulk array a refused field belongs to: "[7].level",
 * or "[7]" for the element itself. */
static void prefix_field(struct error *err, size_t index)
{
	char field[sizeof(err->field)];

	/* The fields of an event have short names: the bound only quiets the
	 * compiler's count of what could be cut. */
	snprintf(field, sizeof(field), "[%zu]%s%.*s", index, *err->field ? "." : "",
		 (int)sizeof(field) - 32, err->field);
	memcpy(err->field, field, sizeof(field));
}

/* The body's events on their way to rows for ingest_store: json_parse_each
 * hands them over one at a time. */
struct ingest {
	struct event_rows rows;
	struct error err;         /* why an event was refused */
	int bulk;
};

/* Why add_event stopped. */
enum { INGEST_REFUSED = 1, INGEST_NO_MEMORY };

static int refuse_count(struct error *err)
{
	error_set(err, 422, ERROR_VALIDATION, NULL, "a bulk ingest takes 1 to %d events",
		  EVENT_BULK_MAX);
	return INGEST_REFUSED;
}

static int add_event(struct json_object *value, long index, void *ctx)
{
	struct ingest *in = ctx;
	struct event_input ev;

	in->bulk = index >= 0;
	if (index >= EVENT_BULK_MAX)
		return refuse_count(&in->err);
	if (event_input_parse(value, &ev, &in->err) != 0) {
		if (in->bulk)
			prefix_field(&in->err, (size_t)index);
		return INGEST_REFUSED;
	}
	return event_rows_add(&in->rows, &ev) == 0 ? 0 : INGEST_NO_MEMORY;
}

/* Reads the body into in->rows. Returns 0, or -1 with *err: the body's
 * refusal, or an event's, which becomes a 403 when the key is wrong. */
static int read_events(struct request *req, int64_t app_id, const char *digest,
		       struct ingest *in, struct error *err)
{
	int rc;

	if (event_rows_init(&in->rows) != 0)
		return error_set(err, 500, ERROR_INTERNAL, NULL, "no memory");
	/* nginx lets 10 MiB through for bulk arrays; one event keeps 1 MiB. */
	rc = read_json_each(req, REQUEST_BODY_LIMIT, add_event, in, err);
	if (rc == 0 && in->rows.count == 0)
		rc = refuse_count(&in->err);            /* an empty array */
	switch (rc) {
	case 0:
	case -1:
		return rc;
	case INGEST_REFUSED:
		*err = in->err;
		error_name_field(err);
		return ingest_refuse(app_id, digest, err);
	default:
		return error_set(err, 500, ERROR_INTERNAL, NULL, "no memory");
	}
}

static void respond_ingested(struct request *req, int bulk, int64_t app_id, const PGresult *res)
{
	struct json_object *body = json_object_new_object();

	if (bulk) {
		struct json_object *ids = json_object_new_array_ext(PQntuples(res));

		for (int i = 0; i < PQntuples(res); i++)
			json_object_array_add(ids, json_object_new_int64(sql_int(res, i, 1)));
		json_add_int(body, "accepted", PQntuples(res));
		json_object_object_add(body, "ids", ids);
		respond_json(req, 201, body);
	} else {
		json_add_int(body, "id", sql_int(res, 0, 1));
		json_add_int(body, "application_id", app_id);
		json_add_time(body, "received_at", sql_int(res, 0, 2));
		respond_json(req, *PQgetvalue(res, 0, 3) == 't' ? 201 : 200, body);
	}
	json_object_put(body);
}

/* POST /apps/{app_id}/events */
void events_create(struct request *req)
{
	char digest[KEYS_SHA256_HEX_LEN + 1];
	struct ingest in = { 0 };
	struct error err;
	PGresult *res = NULL;
	int64_t app_id;

	if (read_path_id(req, 1, &app_id, &err) != 0 || read_ingest_key(req, digest, &err) != 0 ||
	    ingest_key_known(app_id, digest, NULL, &err) != 0 ||
	    read_events(req, app_id, digest, &in, &err) != 0 ||
	    ingest_store(app_id, digest, &in.rows, &res, &err) != 0 ||
	    (PQntuples(res) == 0 && ingest_wrong_key(&err)))
		respond_with(req, &err);
	else
		respond_ingested(req, in.bulk, app_id, res);
	PQclear(res);
	event_rows_free(&in.rows);
}

/* One EVENT from a row of EVENT_COLUMNS; the caller puts it. */
static struct json_object *event_json(const PGresult *res, int row)
{
	return render_event(res, row, 0);
}

/* The events of a page, from rows of EVENT_COLUMNS (a single row of NULLs is
 * an application with no match). */
static struct json_object *events_json(const PGresult *res, int64_t limit, int *rows)
{
	struct json_object *items = json_object_new_array();
	int n = PQntuples(res);

	if (n == 1 && PQgetisnull(res, 0, 0))
		n = 0;
	for (int i = 0; i < n && i < limit; i++)
		json_object_array_add(items, event_json(res, i));
	*rows = n;
	return items;
}

/* GET /apps/{app_id}/events?limit&offset&cursor&level&since&until&environment&release */
void events_list(struct request *req)
{
	struct sql_args a = { 0 };
	PGresult *res = NULL;
	const char *level, *environment, *release;
	int64_t app_id, since, until;
	struct page_request page;

	if (handler_path_id_or_respond(req, 1, &app_id) != 0 ||
	    handler_query_page_or_respond(req, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, CURSOR_ID_INTEGER,
					  &page) != 0 ||
	    handler_query_level_or_respond(req, &level) != 0 ||
	    handler_query_window_or_respond(req, 0, &since, &until) != 0 ||
	    handler_query_text_or_respond(req, "environment", &environment) != 0 ||
	    handler_query_text_or_respond(req, "release", &release) != 0)
		return;
	sql_arg_int(&a, app_id);
	sql_arg_text(&a, level);
	sql_arg_window(&a, since, until);
	sql_arg_int(&a, page.limit + 1);
	sql_arg_int(&a, page.offset);
	sql_arg_text(&a, environment);
	sql_arg_text(&a, release);
	handler_arg_cursor(&a, &page);
	if (handler_exec_recent_first_or_respond(req, "events_list", &a, &page, since, until, &res) != 0)
		return;
	if (PQntuples(res) == 0) {
		respond_error(req, 404, "NOT_FOUND", NULL, "no such application");
	} else {
		int rows;
		struct json_object *items = events_json(res, page.limit, &rows);

		handler_respond_keyset_page(req, items, res, rows, &page, EVENT_RECEIVED_COLUMN, 0);
	}
	PQclear(res);
}

/* GET /apps/{app_id}/events/{id} */
void events_get(struct request *req)
{
	struct sql_args a = { 0 };
	PGresult *res = NULL;
	int64_t app_id, id;

	if (handler_path_id_or_respond(req, 1, &app_id) != 0 ||
	    handler_path_id_or_respond(req, 3, &id) != 0)
		return;
	sql_arg_int(&a, app_id);
	sql_arg_int(&a, id);
	if (handler_exec_recent_row_or_respond(req, "events_get_recent", "events_get", &a, &res) != 0)
		return;
	handler_respond_row(req, res, event_json, NULL, "no such event");
	PQclear(res);
}
