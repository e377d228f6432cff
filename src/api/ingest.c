/* ingest: the statements events go in by, and the key's verdict. */
#include "api/ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "db/args.h"
#include "pure/keycache.h"

/* The columns of the row objects of $3 (pure/event_input.h). */
#define EVENT_ROW_COLUMNS \
	"i int, event_id uuid, occurred_us bigint, level text, message text, tags jsonb," \
	" environment text, release text, g int, fp text, title text, culprit text"

/* The rows of an ingest as x: the row objects of $3 zipped with their stacks
 * ($4) and contexts ($5), which come as json[] so that the server reads each
 * once, as the json it stores (sql/033). */
#define EVENT_ROWS(x) \
	"ROWS FROM (json_to_recordset($3::json) AS (" EVENT_ROW_COLUMNS ")," \
	"  unnest($4::json[]), unnest($5::json[]))" \
	" AS " x "(i, event_id, occurred_us, level, message, tags, environment, release, g," \
	"  fp, title, culprit, stack, context)"

/* The issue of event row x of application app: the open issue its
 * fingerprint names, in one index lookup; else issue_for (sql/020), which
 * makes the issue or reopens a resolved one. Most events take the first way:
 * calling issue_for for every event cost the single ingest statement a fifth
 * of its speed (docs/benchmarks.md). */
#define ISSUE_OF(app, x) \
	"coalesce((SELECT f.issue_id FROM issue_fingerprints f" \
	"  WHERE f.application_id = " app " AND f.fingerprint = " x ".fp AND NOT f.resolved)," \
	" issue_for(" app ", " x ".fp, " x ".title, " x ".culprit, " x ".level, " x ".release))"

/* The application of $1 when $2 is its key's digest, its row locked so that
 * it cannot be deleted before the events are in (sql/008). */
#define APP_OF_KEY \
	"SELECT id FROM applications WHERE id = $1 AND ingest_key_sha256 = $2 FOR KEY SHARE"

/* An insert of events with their ids and event_ids given. */
#define INSERT_EVENTS_WITH_IDS \
	"INSERT INTO events (id, application_id, event_id, occurred_at, level, message, stack, tags," \
	"  environment, release, context, issue_id)"

/* The statement of events_ingest. */
#define EVENTS_INGEST \
	"WITH app AS (" APP_OF_KEY \
	"), item AS (" \
	"  SELECT x.*, nextval('events_id_seq') AS new_id" \
	"  FROM app, " EVENT_ROWS("x") \
	"), issue AS (" \
	"  SELECT head.g, " ISSUE_OF("app.id", "head") " AS issue_id" \
	"  FROM item AS head, app WHERE head.fp IS NOT NULL ORDER BY head.i" \
	"), claim AS (" \
	"  INSERT INTO event_ids (application_id, event_id, id)" \
	"  SELECT app.id, item.event_id, item.new_id FROM item, app" \
	"  WHERE item.event_id IS NOT NULL ORDER BY item.i" \
	"  ON CONFLICT DO NOTHING" \
	"  RETURNING id" \
	"), ins AS (" INSERT_EVENTS_WITH_IDS \
	"  SELECT item.new_id, app.id, item.event_id, usec_to_ts(item.occurred_us), item.level," \
	"    item.message, item.stack, item.tags, item.environment, item.release, item.context," \
	"    issue.issue_id" \
	"  FROM item JOIN issue ON issue.g = item.g, app" \
	"  WHERE item.event_id IS NULL OR item.new_id IN (SELECT id FROM claim)" \
	"  ORDER BY item.i" \
	"  RETURNING id, event_id, ts_to_usec(received_at) AS received_us" \
	")" \
	" SELECT item.i, coalesce(ins.id, twin.id, old.id)," \
	"   coalesce(ins.received_us, twin.received_us, ts_to_usec(old.received_at))," \
	"   ins.id IS NOT NULL" \
	" FROM item" \
	" LEFT JOIN ins ON ins.id = item.new_id" \
	" LEFT JOIN ins AS twin ON ins.id IS NULL AND twin.event_id = item.event_id" \
	" LEFT JOIN LATERAL (SELECT id, received_at FROM event_ids" \
	"   WHERE ins.id IS NULL AND twin.id IS NULL" \
	"     AND application_id = $1 AND event_id = item.event_id OFFSET 0) old ON true" \
	" ORDER BY item.i"

const struct db_statement ingest_statements[] = {
	/* $1 app id, $2 key digest, $3 a JSON array of event_input_row objects,
	 * $4 and $5 their stacks and contexts (EVENT_ROWS). Answers one row per
	 * item, in order: i, id, received_us, created; no row at all when the
	 * application or key is wrong. An event_id the application already has
	 * (stored before, or earlier in this array) answers the stored event's id
	 * with created false.
	 * - $3 is read as json, not jsonb: json_to_recordset reads the text once,
	 *   where a cast to jsonb would first build the whole array.
	 * - ISSUE_OF finds or makes the issue of each group of rows (a
	 *   fingerprint and a release: pure/event_input.h), once, for its first
	 *   event, the one whose row carries the fingerprint, in the events'
	 *   order: the events of a bulk share a few issues, and finding the issue
	 *   of each event, with its fingerprint in every row, took the server
	 *   14.6 ms for 1000 against 12.5 (docs/benchmarks.md). A fingerprint
	 *   has one issue; what differs with the release is whether it reopens,
	 *   so each release's first event is asked about.
	 * - An event_id is claimed in event_ids (sql/025) before its event goes
	 *   in: events is partitioned by time and cannot hold a unique index
	 *   on it. Only the item that claimed it is stored; ON CONFLICT DO
	 *   NOTHING also skips a second item of the same id in this array.
	 * - A stored event is looked up per item in event_ids, and only for an
	 *   item not inserted: OFFSET 0 keeps the planner from hashing every
	 *   event_id the application has instead. */
	{ "events_ingest", EVENTS_INGEST },
	/* events_ingest for the common case, one event without an event_id: the
	 * same parameters but for its stack and context, $4 and $5 as json, and
	 * the same lock and answer, without what an event_id needs (the
	 * conflict check, the lookups of a stored twin); its plan has six nodes
	 * against twenty-two (docs/benchmarks.md). Unzipping arrays cost this
	 * statement 7 % more of the server's instructions. The application is
	 * locked in a subquery, whose rows come locked: ISSUE_OF may make an
	 * issue, which must not happen for an application deleted meanwhile (a
	 * lock taken by the outer query would come after its columns are
	 * computed). */
	{ "events_ingest_one",
	  "INSERT INTO events (application_id, occurred_at, level, message, stack, tags,"
	  "   environment, release, context, issue_id)"
	  " SELECT a.id, usec_to_ts(x.occurred_us), x.level, x.message, $4::json, x.tags,"
	  "   x.environment, x.release, $5::json,"
	  "   " ISSUE_OF("a.id", "x")
	  " FROM (" APP_OF_KEY ") a, json_to_recordset($3::json) AS x(" EVENT_ROW_COLUMNS ")"
	  " RETURNING 0, id, ts_to_usec(received_at), true" },
	/* events_ingest for one event with an event_id, which every Sentry
	 * event has (the worker gives one to an event sent without): the same
	 * parameters as events_ingest_one, and events_ingest's answer. The id is
	 * claimed first; only a claimed event is stored and has its issue found
	 * or made; an event_id the application has answers the stored event.
	 * The general statement's joins over the array, its hash tables and its
	 * twenty-two plan nodes cost more than a large event's whole insert
	 * (docs/benchmarks.md). The row is read with json_to_record, which
	 * the planner knows makes one row: json_to_recordset's guess of a
	 * hundred, joined three times, planned for a million. The application's
	 * row is locked by the first CTE, which claim reads before ins runs. */
	{ "events_ingest_one_id",
	  "WITH app AS (" APP_OF_KEY
	  "), x AS ("
	  "  SELECT * FROM json_to_record($3::json -> 0) AS x(" EVENT_ROW_COLUMNS ")"
	  "), claim AS ("
	  "  INSERT INTO event_ids (application_id, event_id, id)"
	  "  SELECT app.id, x.event_id, nextval('events_id_seq') FROM app, x"
	  "  ON CONFLICT DO NOTHING"
	  "  RETURNING id"
	  "), ins AS (" INSERT_EVENTS_WITH_IDS
	  "  SELECT claim.id, app.id, x.event_id, usec_to_ts(x.occurred_us), x.level, x.message,"
	  "    $4::json, x.tags, x.environment, x.release, $5::json, " ISSUE_OF("app.id", "x")
	  "  FROM claim, app, x"
	  "  RETURNING id, ts_to_usec(received_at) AS received_us"
	  ")"
	  " SELECT 0, coalesce(ins.id, old.id), coalesce(ins.received_us, ts_to_usec(old.received_at)),"
	  "   ins.id IS NOT NULL"
	  " FROM app CROSS JOIN x LEFT JOIN ins ON true"
	  " LEFT JOIN LATERAL (SELECT id, received_at FROM event_ids"
	  "   WHERE ins.id IS NULL AND application_id = $1 AND event_id = x.event_id OFFSET 0) old ON true" },
	/* The key check alone: for a refused body (403 for a wrong key comes
	 * first) and for a Sentry envelope without events. */
	{ "ingest_key_check",
	  "SELECT array_to_string(mask_fields, E'\\n') FROM applications"
	  " WHERE id = $1 AND ingest_key_sha256 = $2" },
	/* The application of an ingest key, for ingest that names no
	 * application (OTLP logs): its id and its mask fields, one a line.
	 * sql/022 indexes the digests. */
	{ "ingest_app_of_key",
	  "SELECT id::text || E'\\n' || array_to_string(mask_fields, E'\\n') FROM applications"
	  " WHERE ingest_key_sha256 = $1" },
	{ NULL, NULL }
};

/* The column's values as one json[] argument. Returns 0, or -1 when out of
 * memory. */
static int add_values(struct sql_args *a, struct pg_json_array *column)
{
	size_t len = 0;
	const char *bytes = pg_json_array_bytes(column, &len);

	if (!bytes)
		return -1;
	sql_arg_binary(a, bytes, len);
	return 0;
}

/* The column's first value as a json argument (its binary form is its
 * text), or SQL NULL. Returns 0, or -1 when out of memory. */
static int add_first_value(struct sql_args *a, struct pg_json_array *column)
{
	size_t len = 0;
	const char *value = pg_json_array_first(column, &len);

	if (column->data.failed)
		return -1;
	if (value)
		sql_arg_binary(a, value, len);
	else
		sql_arg_text(a, NULL);
	return 0;
}

/* $4 and $5: the rows' stacks and contexts as json[], or the one row's as
 * json for events_ingest_one. Returns 0, or -1 when out of memory. */
static int add_stacks_and_contexts(struct sql_args *a, struct event_rows *rows, int one)
{
	if (one)
		return add_first_value(a, &rows->stacks) == 0 ? add_first_value(a, &rows->contexts) : -1;
	return add_values(a, &rows->stacks) == 0 ? add_values(a, &rows->contexts) : -1;
}

/* A row without an id lost a race with a concurrent ingest of the same
 * event_id; a second run finds the stored event. */
int ingest_store(int64_t app_id, const char *key_digest, struct event_rows *rows,
		 PGresult **res, struct error *err)
{
	struct sql_args a = { 0 };
	const char *text = event_rows_text(rows);
	int one = rows->count == 1;
	const char *statement = !one ? "events_ingest" :
				rows->with_event_id ? "events_ingest_one_id" : "events_ingest_one";

	*res = NULL;
	if (!text)
		return error_set(err, 500, ERROR_INTERNAL, NULL, "no memory");
	sql_arg_int(&a, app_id);
	sql_arg_text(&a, key_digest);
	sql_arg_text(&a, text);
	if (add_stacks_and_contexts(&a, rows, one) != 0)
		return error_set(err, 500, ERROR_INTERNAL, NULL, "no memory");
	for (int attempt = 0; attempt < 2; attempt++) {
		int complete = 1;

		if (sql_run(statement, &a, res, err) != 0)
			return -1;
		for (int i = 0; i < PQntuples(*res); i++)
			complete &= !PQgetisnull(*res, i, 1);
		if (complete)
			return 0;
		PQclear(*res);
		*res = NULL;
	}
	return error_set(err, 500, ERROR_INTERNAL, NULL, "an event_id raced twice");
}

/* ingest_key_valid as the key cache asks it: with the application's mask
 * fields, one a line, in payload. */
static int key_check(int64_t app_id, const char *key_digest, char payload[KEYCACHE_PAYLOAD_MAX],
		     struct error *err)
{
	struct sql_args a = { 0 };

	sql_arg_int(&a, app_id);
	sql_arg_text(&a, key_digest);
	return sql_first_text("ingest_key_check", &a, payload, KEYCACHE_PAYLOAD_MAX, err);
}

int ingest_key_valid(int64_t app_id, const char *key_digest, struct error *err)
{
	struct sql_args a = { 0 };

	sql_arg_int(&a, app_id);
	sql_arg_text(&a, key_digest);
	return sql_any_row("ingest_key_check", &a, err);
}

/* The keys this worker found good in the last second. */
static struct keycache known_keys;

int ingest_key_known(int64_t app_id, const char *key_digest, struct mask_fields *fields,
		     struct error *err)
{
	const char *lines = NULL;
	int known = keycache_known(&known_keys, app_id, key_digest, log_now_usec(),
				   key_check, err, &lines);

	if (known > 0 && fields)
		mask_fields_from_lines(fields, lines);
	return known > 0 ? 0 : known == 0 ? ingest_wrong_key(err) : -1;
}

int ingest_wrong_key(struct error *err)
{
	return error_set(err, 403, ERROR_FORBIDDEN, NULL, "Invalid application or ingest key");
}

int ingest_refuse(int64_t app_id, const char *key_digest, struct error *err)
{
	struct error check;
	int valid;

	if (err->status >= 500)
		return -1;
	valid = ingest_key_valid(app_id, key_digest, &check);
	if (valid < 0)
		*err = check;
	else if (valid == 0)
		ingest_wrong_key(err);
	return -1;
}

/* ingest_app_of_key as the key cache asks it. */
static int app_of_key(int64_t scope, const char *key_digest, char payload[KEYCACHE_PAYLOAD_MAX],
		      struct error *err)
{
	struct sql_args a = { 0 };

	(void)scope;
	sql_arg_text(&a, key_digest);
	return sql_first_text("ingest_app_of_key", &a, payload, KEYCACHE_PAYLOAD_MAX, err);
}

/* The applications of the keys this worker found good in the last second. */
static struct keycache known_apps;

int ingest_app_known(const char *key_digest, int64_t *app_id, struct mask_fields *fields,
		     struct error *err)
{
	const char *payload = NULL;
	char *end;
	int known = keycache_known(&known_apps, 0, key_digest, log_now_usec(), app_of_key, err,
				   &payload);

	if (known < 0)
		return -1;
	if (known == 0)
		return error_set(err, 401, ERROR_UNAUTHORIZED, NULL, "the ingest key is unknown");
	*app_id = strtoll(payload, &end, 10);
	mask_fields_from_lines(fields, *end ? end + 1 : end);
	return 0;
}
