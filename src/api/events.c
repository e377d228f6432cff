/* events: ingest checks the key and inserts in one statement, so a request
 * costs one round trip; a bulk array is the same statement with more rows, and
 * so is one transaction: all its events are stored or none. */
#include "api/events.h"

#include <stdio.h>
#include <string.h>

#include "pure/event_input.h"
#include "api/handler.h"
#include "http/json.h"
#include "pure/keys.h"
#include "http/response.h"

#define LIST_LIMIT_DEFAULT 20
#define LIST_LIMIT_MAX 50

#define EVENT_COLUMNS \
	"e.id, e.application_id, replace(e.event_id::text, '-', ''), ts_to_usec(e.occurred_at)," \
	" ts_to_usec(e.received_at), e.level, e.message, e.stack, e.tags"

const struct db_statement events_statements[] = {
	/* $1 app id, $2 key digest, $3 a JSON array of event_input_row objects.
	 * Answers one row per item, in order: i, id, received_us, created; no row
	 * at all when the application or key is wrong. An event_id the application
	 * already has (stored before, or earlier in this array) answers the stored
	 * event's id with created false.
	 * - The lock on the application's row keeps it from being deleted before
	 *   the events are in (sql/008).
	 * - $3 is read as json, not jsonb: json_to_recordset reads the text once,
	 *   where a cast to jsonb would first build the whole array.
	 * - A stored event is looked up per item through the (application_id,
	 *   event_id) index, and only for an item not inserted: OFFSET 0 keeps the
	 *   planner from hashing every event_id the application has instead. */
	{ "events_ingest",
	  "WITH app AS ("
	  "  SELECT id FROM applications WHERE id = $1 AND ingest_key_sha256 = $2"
	  "  FOR KEY SHARE"
	  "), item AS ("
	  "  SELECT x.*, nextval('events_id_seq') AS new_id"
	  "  FROM app, json_to_recordset($3::json) AS x(i int, event_id uuid,"
	  "    occurred_us bigint, level text, message text, stack jsonb, tags jsonb)"
	  "), ins AS ("
	  "  INSERT INTO events (id, application_id, event_id, occurred_at, level, message, stack, tags)"
	  "  SELECT item.new_id, app.id, item.event_id, usec_to_ts(item.occurred_us), item.level,"
	  "    item.message, item.stack, item.tags FROM item, app ORDER BY item.i"
	  "  ON CONFLICT (application_id, event_id) WHERE event_id IS NOT NULL DO NOTHING"
	  "  RETURNING id, event_id, ts_to_usec(received_at) AS received_us"
	  ")"
	  " SELECT item.i, coalesce(ins.id, twin.id, old.id),"
	  "   coalesce(ins.received_us, twin.received_us, ts_to_usec(old.received_at)),"
	  "   ins.id IS NOT NULL"
	  " FROM item"
	  " LEFT JOIN ins ON ins.id = item.new_id"
	  " LEFT JOIN ins AS twin ON ins.id IS NULL AND twin.event_id = item.event_id"
	  " LEFT JOIN LATERAL (SELECT id, received_at FROM events"
	  "   WHERE ins.id IS NULL AND twin.id IS NULL"
	  "     AND application_id = $1 AND event_id = item.event_id OFFSET 0) old ON true"
	  " ORDER BY item.i" },
	/* events_ingest for the common case, one event without an event_id: the
	 * same parameters, lock and answer, without what an event_id needs (the
	 * conflict check, the lookups of a stored twin). Its plan has six nodes
	 * against twenty-two, and it runs in three quarters of the time (pgbench,
	 * one connection: 0.11 ms against 0.15). */
	{ "events_ingest_one",
	  "INSERT INTO events (application_id, occurred_at, level, message, stack, tags)"
	  " SELECT a.id, usec_to_ts(x.occurred_us), x.level, x.message, x.stack, x.tags"
	  " FROM applications a, json_to_recordset($3::json) AS x(occurred_us bigint, level text,"
	  "   message text, stack jsonb, tags jsonb)"
	  " WHERE a.id = $1 AND a.ingest_key_sha256 = $2 FOR KEY SHARE OF a"
	  " RETURNING 0, id, ts_to_usec(received_at), true" },
	/* The key check alone, for a body that failed validation: a wrong key is
	 * answered 403 before a 422 would tell anything about the body. */
	{ "events_key_check",
	  "SELECT 1 FROM applications WHERE id = $1 AND ingest_key_sha256 = $2" },
	/* $1 app, $2 level or NULL, $3 since or NULL, $4 until or NULL, $5 limit + 1,
	 * $6 offset. One row with NULL columns when the application has no match;
	 * no row when the application does not exist. */
	{ "events_list",
	  "SELECT " EVENT_COLUMNS " FROM applications a LEFT JOIN LATERAL ("
	  "  SELECT * FROM events"
	  "  WHERE application_id = a.id AND ($2::text IS NULL OR level = $2)"
	  "    AND ($3::bigint IS NULL OR received_at >= usec_to_ts($3))"
	  "    AND ($4::bigint IS NULL OR received_at < usec_to_ts($4))"
	  "  ORDER BY received_at DESC, id DESC LIMIT $5 OFFSET $6"
	  ") e ON true WHERE a.id = $1" },
	{ "events_get",
	  "SELECT " EVENT_COLUMNS " FROM events e WHERE e.application_id = $1 AND e.id = $2" },
	{ NULL, NULL }
};

#define INVALID_KEY "Invalid application or ingest key"

/* The ingest key's digest from X-INGEST-KEY; 403 when there is none. */
static int key_digest_or_respond(struct request *req, char digest[KEYS_SHA256_HEX_LEN + 1])
{
	const char *key = request_param(req, "HTTP_X_INGEST_KEY");

	if (!key || !*key)
		return respond_error(req, 403, "FORBIDDEN", NULL, INVALID_KEY);
	keys_sha256_hex(key, strlen(key), digest);
	return 0;
}

/* Answers a body that failed validation: 403 if the key is wrong, else the 422. */
static void respond_invalid_event(struct request *req, int64_t app_id, const char *digest,
				  const struct input_error *err)
{
	struct sql_args a = { 0 };
	PGresult *res = NULL;

	sql_arg_int(&a, app_id);
	sql_arg_text(&a, digest);
	if (handler_exec_or_respond(req, "events_key_check", &a, &res) != 0)
		return;
	if (PQntuples(res) == 0)
		respond_error(req, 403, "FORBIDDEN", NULL, INVALID_KEY);
	else
		respond_error(req, 422, "VALIDATION", *err->field ? err->field : NULL, "%s%s%s",
			      err->field, *err->field ? " " : "", err->message);
	PQclear(res);
}

/* Names the element of a bulk array a refused field belongs to: "[7].level",
 * or "[7]" for the element itself. */
static void prefix_field(struct input_error *err, size_t index)
{
	char field[sizeof(err->field)];

	/* The fields of an event have short names: the bound only quiets the
	 * compiler's count of what could be cut. */
	snprintf(field, sizeof(field), "[%zu]%s%.*s", index, *err->field ? "." : "",
		 (int)sizeof(field) - 32, err->field);
	memcpy(err->field, field, sizeof(field));
}

/* The body's events on their way to rows for events_ingest: json_parse_each
 * hands them over one at a time. */
struct ingest {
	struct request *req;
	struct event_rows rows;
	struct input_error err;         /* why an event was refused */
	int bulk;
};

/* Why add_event stopped. */
enum { INGEST_REFUSED = 1, INGEST_TOO_LARGE, INGEST_NO_MEMORY };

static int refuse_count(struct input_error *err)
{
	snprintf(err->field, sizeof(err->field), "%s", "");
	snprintf(err->message, sizeof(err->message), "a bulk ingest takes 1 to %d events",
		 EVENT_BULK_MAX);
	return INGEST_REFUSED;
}

static int add_event(struct json_object *value, long index, void *ctx)
{
	struct ingest *in = ctx;
	struct event_input ev;

	in->bulk = index >= 0;
	/* nginx lets 10 MiB through for bulk arrays; one event keeps the 1 MiB limit. */
	if (!in->bulk && in->req->body_len > REQUEST_BODY_LIMIT)
		return INGEST_TOO_LARGE;
	if (index >= EVENT_BULK_MAX)
		return refuse_count(&in->err);
	if (event_input_parse(value, &ev, &in->err) != 0) {
		if (in->bulk)
			prefix_field(&in->err, (size_t)index);
		return INGEST_REFUSED;
	}
	return event_rows_add(&in->rows, &ev) == 0 ? 0 : INGEST_NO_MEMORY;
}

/* Reads the body into in->rows. Returns 0, or -1 when it has answered. */
static int ingest_rows_or_respond(struct request *req, int64_t app_id, const char *digest,
				  struct ingest *in)
{
	int rc;

	if (event_rows_init(&in->rows) != 0)
		return respond_internal(req);
	rc = handler_json_each_or_respond(req, REQUEST_BODY_LIMIT_BULK, add_event, in);
	if (rc == 0 && in->rows.count == 0)
		rc = refuse_count(&in->err);            /* an empty array */
	switch (rc) {
	case 0:
		return 0;
	case INGEST_REFUSED:
		respond_invalid_event(req, app_id, digest, &in->err);
		return -1;
	case INGEST_TOO_LARGE:
		return respond_error(req, 413, "PAYLOAD_TOO_LARGE", NULL,
				     "an event body is limited to %d bytes", REQUEST_BODY_LIMIT);
	case INGEST_NO_MEMORY:
		return respond_internal(req);
	default:
		return -1;
	}
}

/* Runs events_ingest (events_ingest_one for one event without an event_id);
 * a row without an id lost a race with a concurrent ingest of the same
 * event_id, and a second run finds the stored event. */
int events_store_or_respond(struct request *req, int64_t app_id, const char *key_digest,
			    struct event_rows *rows, PGresult **res)
{
	struct sql_args a = { 0 };
	const char *text = event_rows_text(rows);
	const char *statement = rows->count == 1 && rows->with_event_id == 0 ?
		"events_ingest_one" : "events_ingest";

	if (!text)
		return respond_internal(req);
	sql_arg_int(&a, app_id);
	sql_arg_text(&a, key_digest);
	sql_arg_text(&a, text);
	for (int attempt = 0; attempt < 2; attempt++) {
		int complete = 1;

		if (handler_exec_or_respond(req, statement, &a, res) != 0)
			return -1;
		for (int i = 0; i < PQntuples(*res); i++)
			complete &= !PQgetisnull(*res, i, 1);
		if (complete)
			return 0;
		PQclear(*res);
		*res = NULL;
	}
	return respond_internal(req);
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
	struct ingest in = { .req = req };
	PGresult *res = NULL;
	int64_t app_id;

	if (handler_path_id_or_respond(req, 1, &app_id) != 0 ||
	    key_digest_or_respond(req, digest) != 0 ||
	    ingest_rows_or_respond(req, app_id, digest, &in) != 0 ||
	    events_store_or_respond(req, app_id, digest, &in.rows, &res) != 0)
		goto out;
	if (PQntuples(res) == 0)
		respond_error(req, 403, "FORBIDDEN", NULL, INVALID_KEY);
	else
		respond_ingested(req, in.bulk, app_id, res);
out:
	PQclear(res);
	event_rows_free(&in.rows);
}

/* One EVENT from a row of EVENT_COLUMNS; the caller puts it. */
static struct json_object *event_json(const PGresult *res, int row)
{
	struct json_object *ev = json_object_new_object();

	json_add_int(ev, "id", sql_int(res, row, 0));
	json_add_int(ev, "application_id", sql_int(res, row, 1));
	if (PQgetisnull(res, row, 2))
		json_add_null(ev, "event_id");
	else
		json_add_string(ev, "event_id", PQgetvalue(res, row, 2));
	json_add_time(ev, "occurred_at", sql_int(res, row, 3));
	json_add_time(ev, "received_at", sql_int(res, row, 4));
	json_add_string(ev, "level", PQgetvalue(res, row, 5));
	json_add_string_len(ev, "message", PQgetvalue(res, row, 6),
			    (size_t)PQgetlength(res, row, 6));
	json_add_raw(ev, "stack", PQgetisnull(res, row, 7) ? NULL : PQgetvalue(res, row, 7));
	json_add_raw(ev, "tags", PQgetisnull(res, row, 8) ? NULL : PQgetvalue(res, row, 8));
	return ev;
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

/* GET /apps/{app_id}/events?limit&offset&level&since&until */
void events_list(struct request *req)
{
	struct sql_args a = { 0 };
	PGresult *res = NULL;
	const char *level;
	int64_t app_id, limit, offset, since, until;

	if (handler_path_id_or_respond(req, 1, &app_id) != 0 ||
	    handler_query_int_or_respond(req, "limit", LIST_LIMIT_DEFAULT, 1, LIST_LIMIT_MAX, &limit) != 0 ||
	    handler_query_int_or_respond(req, "offset", 0, 0, INT64_MAX - LIST_LIMIT_MAX, &offset) != 0 ||
	    handler_query_level_or_respond(req, &level) != 0 ||
	    handler_query_window_or_respond(req, 0, &since, &until) != 0)
		return;
	sql_arg_int(&a, app_id);
	sql_arg_text(&a, level);
	sql_arg_window(&a, since, until);
	sql_arg_int(&a, limit + 1);
	sql_arg_int(&a, offset);
	if (handler_exec_or_respond(req, "events_list", &a, &res) != 0)
		return;
	if (PQntuples(res) == 0) {
		respond_error(req, 404, "NOT_FOUND", NULL, "no such application");
	} else {
		int rows;
		struct json_object *items = events_json(res, limit, &rows);

		handler_respond_page(req, items, rows, limit, offset);
	}
	PQclear(res);
}

/* GET /apps/{app_id}/events/{id} */
void events_get(struct request *req)
{
	struct sql_args a = { 0 };
	struct json_object *ev;
	PGresult *res = NULL;
	int64_t app_id, id;

	if (handler_path_id_or_respond(req, 1, &app_id) != 0 ||
	    handler_path_id_or_respond(req, 3, &id) != 0)
		return;
	sql_arg_int(&a, app_id);
	sql_arg_int(&a, id);
	if (handler_exec_or_respond(req, "events_get", &a, &res) != 0)
		return;
	if (PQntuples(res) == 0) {
		respond_error(req, 404, "NOT_FOUND", NULL, "no such event");
	} else {
		ev = event_json(res, 0);
		respond_json(req, 200, ev);
		json_object_put(ev);
	}
	PQclear(res);
}
