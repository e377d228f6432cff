/* alerts: reading, changing and deleting alert rules of every kind, and
 * their alert events, under /v1/alerts and an application's under
 * /apps/{id}/alerts (alerts.h). Deleting a rule (or its service, its
 * application) takes its events along. */
#include "api/alerts.h"

#include <stdlib.h>
#include <string.h>

#include "api/handler.h"
#include "pure/json.h"
#include "pure/keys.h"
#include "pure/window_rule.h"
#include "http/response.h"

#define EVENTS_LIMIT_DEFAULT 50
#define EVENTS_LIMIT_MAX 500

#define EVENT_COLUMNS \
	"e.id, e.alert_id, e.log_id, e.field, e.observed_value, ts_to_usec(e.created_at)," \
	" e.delivery_status, e.delivery_attempts, e.delivery_error," \
	" ts_to_usec(e.last_attempt_at), ts_to_usec(e.delivered_at), e.state, e.value," \
	" e.window_seconds, e.issue_id," \
	" (SELECT coalesce(json_agg(json_build_object('channel_id', d.channel_id," \
	"   'delivery_status', d.delivery_status, 'delivery_attempts', d.delivery_attempts," \
	"   'delivery_error', d.delivery_error, 'delivered_at', ts_to_usec(d.delivered_at))" \
	"   ORDER BY d.channel_id), '[]') FROM alert_deliveries d WHERE d.alert_event_id = e.id)"

enum event_column {
	E_ID, E_ALERT_ID, E_LOG_ID, E_FIELD, E_OBSERVED, E_CREATED, E_STATUS, E_ATTEMPTS,
	E_ERROR, E_LAST_ATTEMPT, E_DELIVERED, E_STATE, E_VALUE, E_WINDOW, E_ISSUE_ID, E_DELIVERIES,
};

/* The rule's own channels after a change: those named ($5) when they were
 * given ($4), else the ones it had. */
#define CHANNELS_AFTER_CHANGE \
	"CASE WHEN $4::boolean THEN array_to_json($5::uuid[]) ELSE" \
	" (SELECT coalesce(json_agg(c.channel_id ORDER BY c.channel_id), '[]') FROM alert_channels c" \
	"  WHERE c.alert_id = a.id) END"

/* $2: the application whose rules a route under /apps reads, or NULL. */
#define IN_SCOPE "($2::bigint IS NULL OR a.application_id = $2)"

const struct db_statement alerts_statements[] = {
	{ "alerts_rotate_secret",
	  "UPDATE alerts SET webhook_secret_nonce = $2 WHERE id = $1 AND webhook_url IS NOT NULL"
	  " RETURNING id" },
	{ "alerts_exists", "SELECT 1 FROM alerts WHERE id = $1" },
	{ "alerts_list",
	  "SELECT " ALERT_COLUMNS " FROM alerts a WHERE ($1::uuid IS NULL OR a.service_id = $1)"
	  " AND " IN_SCOPE " AND ($3::text IS NULL OR a.state = $3) AND ($4::text IS NULL OR a.kind = $4)"
	  " ORDER BY a.created_at, a.id LIMIT $5 OFFSET $6" },
	{ "alerts_get", "SELECT " ALERT_COLUMNS " FROM alerts a WHERE a.id = $1 AND " IN_SCOPE },
	{ "alerts_delete", "DELETE FROM alerts a WHERE a.id = $1 AND " IN_SCOPE },
	/* $1 rule, $2 scope, $3 enabled or NULL, $4 whether channels are given,
	 * $5 them, $6 threshold or NULL. Disabling a rule sets it ok, quietly.
	 * One row: the rule (NULLs when none) and the missing channel. */
	{ "alerts_change",
	  "WITH " CHANNELS_CHECKED("$5") ","
	  " rule AS (UPDATE alerts a SET enabled = coalesce($3::boolean, a.enabled),"
	  "  state = CASE WHEN $3::boolean IS FALSE THEN 'ok' ELSE a.state END,"
	  "  threshold = coalesce($6::float8, a.threshold)"
	  "  WHERE a.id = $1 AND " IN_SCOPE " AND (SELECT i FROM missing) IS NULL RETURNING a.*),"
	  " unlink AS (DELETE FROM alert_channels c USING rule WHERE $4::boolean"
	  "  AND c.alert_id = rule.id AND NOT c.channel_id = ANY($5::uuid[])),"
	  " link AS (INSERT INTO alert_channels SELECT rule.id, u.id FROM rule, unnest($5::uuid[]) u (id)"
	  "  WHERE $4::boolean ON CONFLICT DO NOTHING)"
	  " SELECT " ALERT_COLUMNS_WITH(CHANNELS_AFTER_CHANGE) ", (SELECT i FROM missing)"
	  " FROM (SELECT 1) one LEFT JOIN rule a ON true" },
	/* No row when the rule does not exist; one row of NULLs (after the
	 * rule's id) when the page is empty. $2 limit + 1, $3 offset, $4 and $5
	 * the cursor's time and id. */
	{ "alerts_events",
	  "SELECT " EVENT_COLUMNS " FROM alerts a LEFT JOIN LATERAL"
	  " (SELECT * FROM alert_events x WHERE x.alert_id = a.id"
	  "  AND ($4::bigint IS NULL OR (x.created_at, x.id) < (usec_to_ts($4), $5::uuid))"
	  "  ORDER BY x.created_at DESC, x.id DESC LIMIT $2 OFFSET $3) e ON true"
	  " WHERE a.id = $1 ORDER BY e.created_at DESC, e.id DESC" },
	{ "alerts_series",
	  "SELECT ts_to_usec(s.point_at), s.value FROM alerts a,"
	  " window_series(a.service_id, a.application_id, a.metric, a.route, a.method, a.level,"
	  "  a.window_seconds, now()) s WHERE a.id = $1 AND a.kind = 'window' ORDER BY 1" },
	{ "alerts_kind", "SELECT kind FROM alerts a WHERE a.id = $1 AND " IN_SCOPE },
	{ NULL, NULL }
};

/* Member key of obj: the JSON text of column col, as parsed (written
 * compactly, as every answer is). */
static struct json_object *add_parsed(struct json_object *obj, const char *key, const PGresult *res,
				      int row, int col)
{
	struct json_object *value = json_tokener_parse(PQgetvalue(res, row, col));

	json_object_object_add(obj, key, value);
	return value;
}

/* The deliveries of an event, their delivered_at (microseconds from the
 * database) written as every time of the API is. */
static void add_deliveries(struct json_object *ev, const PGresult *res, int row)
{
	struct json_object *list = add_parsed(ev, "deliveries", res, row, E_DELIVERIES), *at;

	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *d = json_object_array_get_idx(list, i);

		if (json_object_object_get_ex(d, "delivered_at", &at) && json_object_is_type(at, json_type_int))
			json_add_time(d, "delivered_at", json_object_get_int64(at));
	}
}

/* Members of a threshold rule. */
static void add_threshold_members(struct json_object *alert, const PGresult *res, int row)
{
	json_add_string(alert, "condition_field", PQgetvalue(res, row, A_FIELD));
	json_add_string(alert, "condition_operator", PQgetvalue(res, row, A_OPERATOR));
	json_add_string(alert, "condition_value", PQgetvalue(res, row, A_VALUE));
	json_add_int(alert, "cooldown_seconds", sql_int(res, row, A_COOLDOWN));
	sql_add_text(alert, "webhook_url", res, row, A_WEBHOOK_URL);
	sql_add_time(alert, "last_fired_at", res, row, A_LAST_FIRED);
}

/* Members of a window or issue rule; a service's, or an application's. */
static void add_window_members(struct json_object *alert, const PGresult *res, int row)
{
	sql_add_text(alert, "metric", res, row, A_METRIC);
	if (strcmp(PQgetvalue(res, row, A_KIND), "window") == 0) {
		sql_add_text(alert, "operator", res, row, A_WINDOW_OPERATOR);
		sql_add_double(alert, "threshold", res, row, A_THRESHOLD);
		sql_add_int(alert, "window_seconds", res, row, A_WINDOW);
	}
	if (PQgetisnull(res, row, A_APPLICATION_ID)) {
		sql_add_text(alert, "route", res, row, A_ROUTE);
		sql_add_text(alert, "method", res, row, A_METHOD);
		sql_add_int(alert, "min_requests", res, row, A_MIN_REQUESTS);
	} else {
		sql_add_text(alert, "level", res, row, A_LEVEL);
	}
}

struct json_object *alert_json(const PGresult *res, int row)
{
	struct json_object *alert = json_object_new_object();

	json_add_string(alert, "id", PQgetvalue(res, row, A_ID));
	json_add_string(alert, "kind", PQgetvalue(res, row, A_KIND));
	if (PQgetisnull(res, row, A_APPLICATION_ID))
		json_add_string(alert, "service_id", PQgetvalue(res, row, A_SERVICE_ID));
	else
		sql_add_int(alert, "application_id", res, row, A_APPLICATION_ID);
	sql_add_text(alert, "name", res, row, A_NAME);
	sql_add_text(alert, "description", res, row, A_DESCRIPTION);
	if (strcmp(PQgetvalue(res, row, A_KIND), "threshold") == 0)
		add_threshold_members(alert, res, row);
	else
		add_window_members(alert, res, row);
	json_object_object_add(alert, "enabled",
			       json_object_new_boolean(strcmp(PQgetvalue(res, row, A_ENABLED), "t") == 0));
	json_add_string(alert, "state", PQgetvalue(res, row, A_STATE));
	sql_add_double(alert, "last_value", res, row, A_LAST_VALUE);
	sql_add_time(alert, "last_evaluated_at", res, row, A_LAST_EVALUATED);
	add_parsed(alert, "channel_ids", res, row, A_CHANNELS);
	sql_add_time(alert, "created_at", res, row, A_CREATED);
	return alert;
}

/* One ALERT EVENT from a row of EVENT_COLUMNS, with its deliveries; the caller puts it. */
static struct json_object *event_json(const PGresult *res, int row)
{
	struct json_object *ev = json_object_new_object();

	json_add_string(ev, "id", PQgetvalue(res, row, E_ID));
	json_add_string(ev, "alert_id", PQgetvalue(res, row, E_ALERT_ID));
	sql_add_text(ev, "log_id", res, row, E_LOG_ID);
	sql_add_text(ev, "state", res, row, E_STATE);
	json_add_string(ev, "field", PQgetvalue(res, row, E_FIELD));
	sql_add_jsonb(ev, "observed_value", res, row, E_OBSERVED);
	if (!PQgetisnull(res, row, E_WINDOW)) {
		sql_add_double(ev, "value", res, row, E_VALUE);
		sql_add_int(ev, "window_seconds", res, row, E_WINDOW);
	}
	if (!PQgetisnull(res, row, E_ISSUE_ID))
		sql_add_int(ev, "issue_id", res, row, E_ISSUE_ID);
	sql_add_time(ev, "created_at", res, row, E_CREATED);
	json_add_string(ev, "delivery_status", PQgetvalue(res, row, E_STATUS));
	json_add_int(ev, "delivery_attempts", sql_int(res, row, E_ATTEMPTS));
	sql_add_text(ev, "delivery_error", res, row, E_ERROR);
	sql_add_time(ev, "last_attempt_at", res, row, E_LAST_ATTEMPT);
	sql_add_time(ev, "delivered_at", res, row, E_DELIVERED);
	add_deliveries(ev, res, row);
	return ev;
}

/* The rule a path names: /v1/alerts/{id} (any rule) or /apps/{app}/alerts/{id}
 * (one of the application's), as the statements' $1 and $2. */
struct rule_path {
	char id[PARAMS_UUID_LEN + 1];
	char app[24];                /* "" under /v1 */
};

static int rule_path_or_respond(struct request *req, int under_app, struct rule_path *p)
{
	int64_t app;

	p->app[0] = '\0';
	if (!under_app)
		return handler_path_uuid_or_respond(req, 2, p->id);
	if (handler_path_id_or_respond(req, 1, &app) != 0 || handler_path_uuid_or_respond(req, 3, p->id) != 0)
		return -1;
	snprintf(p->app, sizeof(p->app), "%lld", (long long)app);
	return 0;
}

static void rule_path_args(struct sql_args *a, const struct rule_path *p)
{
	sql_arg_text(a, p->id);
	sql_arg_text(a, *p->app ? p->app : NULL);
}

static int respond_no_rule(struct request *req)
{
	return respond_error(req, 404, "NOT_FOUND", NULL, "no such alert rule");
}

/* Query parameter name, one of names (NULL-terminated) or absent: else 422. */
static int query_choice_or_respond(struct request *req, const char *name, const char *const *names,
				   const char *rule, const char **out)
{
	if (handler_query_text_or_respond(req, name, out) != 0 || !*out)
		return *out ? -1 : 0;
	for (size_t i = 0; names[i]; i++)
		if (strcmp(names[i], *out) == 0)
			return 0;
	return respond_error(req, 422, "VALIDATION", name, "must be one of %s", rule);
}

/* The rules of a service, an application, or all, by state and kind. */
static void list_rules(struct request *req, const char *service_id, const char *app)
{
	static const char *const states[] = { "ok", "firing", NULL };
	static const char *const kinds[] = { "threshold", "window", "issue", NULL };
	const char *state, *kind;
	struct sql_args a = { 0 };
	PGresult *res = NULL;

	if (query_choice_or_respond(req, "state", states, "ok, firing", &state) != 0 ||
	    query_choice_or_respond(req, "kind", kinds, "threshold, window, issue", &kind) != 0)
		return;
	sql_arg_text(&a, service_id);
	sql_arg_text(&a, app);
	sql_arg_text(&a, state);
	sql_arg_text(&a, kind);
	if (handler_query_list_or_respond(req, &a) != 0 ||
	    handler_exec_or_respond(req, "alerts_list", &a, &res) != 0)
		return;
	handler_respond_rows(req, res, alert_json);
	PQclear(res);
}

/* GET /v1/alerts?service_id&application_id&state&kind&limit&offset */
void alerts_list(struct request *req)
{
	char service_id[PARAMS_UUID_LEN + 1], app[24] = "";
	int64_t app_id;

	if (handler_query_uuid_or_respond(req, "service_id", service_id) != 0 ||
	    handler_query_int_or_respond(req, "application_id", 0, 1, INT64_MAX, &app_id) != 0)
		return;
	if (app_id)
		snprintf(app, sizeof(app), "%lld", (long long)app_id);
	list_rules(req, *service_id ? service_id : NULL, *app ? app : NULL);
}

/* GET /apps/{id}/alerts?state&kind&limit&offset */
void app_alerts_list(struct request *req)
{
	char app[24];
	int64_t app_id;

	if (handler_path_id_or_respond(req, 1, &app_id) != 0)
		return;
	snprintf(app, sizeof(app), "%lld", (long long)app_id);
	list_rules(req, NULL, app);
}

static void get_rule(struct request *req, int under_app)
{
	struct rule_path p;
	struct sql_args a = { 0 };
	PGresult *res = NULL;

	if (rule_path_or_respond(req, under_app, &p) != 0)
		return;
	rule_path_args(&a, &p);
	if (handler_exec_or_respond(req, "alerts_get", &a, &res) != 0)
		return;
	handler_respond_row(req, res, alert_json, NULL, "no such alert rule");
	PQclear(res);
}

/* GET /v1/alerts/{id} */
void alerts_get(struct request *req) { get_rule(req, 0); }
/* GET /apps/{id}/alerts/{alert_id} */
void app_alerts_get(struct request *req) { get_rule(req, 1); }

static void delete_rule(struct request *req, int under_app)
{
	struct rule_path p;
	struct sql_args a = { 0 };
	PGresult *res = NULL;

	if (rule_path_or_respond(req, under_app, &p) != 0)
		return;
	rule_path_args(&a, &p);
	if (handler_exec_or_respond(req, "alerts_delete", &a, &res) != 0)
		return;
	if (strcmp(PQcmdTuples(res), "0") == 0)
		respond_no_rule(req);
	else
		respond_no_content(req);
	PQclear(res);
}

/* DELETE /v1/alerts/{id} */
void alerts_delete(struct request *req) { delete_rule(req, 0); }
/* DELETE /apps/{id}/alerts/{alert_id} */
void app_alerts_delete(struct request *req) { delete_rule(req, 1); }

/* What PATCH may change: enabled, threshold (window rules), channel_ids. */
struct rule_change {
	const char *enabled;         /* "true", "false", or NULL: unchanged */
	char threshold[32];          /* "" unchanged */
	int channels_given;
	struct channel_ids channels;
};

static int change_or_respond(struct request *req, struct json_object *doc, struct rule_change *c)
{
	struct json_object *v = NULL;
	struct error err;
	double threshold;

	memset(c, 0, sizeof(*c));
	if (json_object_object_get_ex(doc, "enabled", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return respond_error(req, 422, "VALIDATION", "enabled", "must be true or false");
		c->enabled = json_object_get_boolean(v) ? "true" : "false";
	}
	if (json_object_object_get_ex(doc, "threshold", NULL)) {
		if (window_threshold_from_json(doc, &threshold, &err) != 0)
			return respond_with(req, &err);
		snprintf(c->threshold, sizeof(c->threshold), "%.17g", threshold);
	}
	c->channels_given = json_object_object_get_ex(doc, "channel_ids", NULL);
	if (window_channel_ids_from_json(doc, &c->channels, &err) != 0)
		return respond_with(req, &err);
	if (!c->enabled && !*c->threshold && !c->channels_given)
		return respond_error(req, 422, "VALIDATION", NULL, "give enabled, threshold or channel_ids");
	return 0;
}

/* The kind of the rule p names into kind, "" when there is none. Returns 0,
 * or -1 having answered a database failure. */
static int rule_kind_or_respond(struct request *req, const struct rule_path *p, char kind[16])
{
	struct sql_args a = { 0 };
	PGresult *res = NULL;

	rule_path_args(&a, p);
	if (handler_exec_or_respond(req, "alerts_kind", &a, &res) != 0)
		return -1;
	snprintf(kind, 16, "%s", PQntuples(res) ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	return 0;
}

/* A threshold only window rules have: 404 for no rule, 422 for another kind. */
static int threshold_kind_or_respond(struct request *req, const struct rule_path *p)
{
	char kind[16];

	if (rule_kind_or_respond(req, p, kind) != 0)
		return -1;
	if (!*kind)
		return respond_no_rule(req);
	if (strcmp(kind, "window") != 0)
		return respond_error(req, 422, "VALIDATION", "threshold",
				     "only window rules have a threshold (a %s rule has none)", kind);
	return 0;
}

static void change_rule(struct request *req, int under_app)
{
	char ids[WINDOW_CHANNELS_TEXT_MAX];
	struct json_object *doc = NULL;
	struct sql_args a = { 0 };
	struct rule_change c;
	struct rule_path p;
	PGresult *res = NULL;

	if (rule_path_or_respond(req, under_app, &p) != 0 || handler_json_body_or_respond(req, &doc) != 0 ||
	    handler_json_object_or_respond(req, doc) != 0 || change_or_respond(req, doc, &c) != 0 ||
	    (*c.threshold && threshold_kind_or_respond(req, &p) != 0))
		goto out;
	window_channel_ids_text(&c.channels, ids);
	rule_path_args(&a, &p);
	sql_arg_text(&a, c.enabled);
	sql_arg_text(&a, c.channels_given ? "true" : "false");
	sql_arg_text(&a, ids);
	sql_arg_text(&a, *c.threshold ? c.threshold : NULL);
	if (handler_exec_or_respond(req, "alerts_change", &a, &res) != 0)
		goto out;
	if (alerts_missing_channel_or_respond(req, res) != 0)
		goto out;
	if (PQgetisnull(res, 0, A_ID))
		respond_no_rule(req);
	else
		handler_respond_row(req, res, alert_json, NULL, NULL);
out:
	PQclear(res);
	json_object_put(doc);
}

/* PATCH /v1/alerts/{id} {"enabled"?, "threshold"?, "channel_ids"?} */
void alerts_change(struct request *req) { change_rule(req, 0); }
/* PATCH /apps/{id}/alerts/{alert_id} */
void app_alerts_change(struct request *req) { change_rule(req, 1); }

int alerts_missing_channel_or_respond(struct request *req, const PGresult *res)
{
	char field[32];

	if (PQgetisnull(res, 0, A__COUNT))
		return 0;
	snprintf(field, sizeof(field), "channel_ids[%d]", atoi(PQgetvalue(res, 0, A__COUNT)) - 1);
	return respond_error(req, 422, "VALIDATION", field, "no such channel");
}

void alerts_respond_points(struct request *req, const PGresult *res)
{
	struct json_object *body = json_object_new_object(), *points = json_object_new_array();

	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *point = json_object_new_object();

		sql_add_time(point, "t", res, i, 0);
		sql_add_double(point, "value", res, i, 1);
		json_object_array_add(points, point);
	}
	json_object_object_add(body, "points", points);
	respond_json(req, 200, body);
	json_object_put(body);
}

/* GET /v1/alerts/{id}/series: a window rule's metric over the last day. */
void alerts_series(struct request *req)
{
	struct rule_path p;
	struct sql_args a = { 0 };
	PGresult *res = NULL;

	if (rule_path_or_respond(req, 0, &p) != 0)
		return;
	sql_arg_text(&a, p.id);
	if (handler_exec_or_respond(req, "alerts_series", &a, &res) != 0)
		return;
	if (PQntuples(res) == 0) {
		char kind[16];

		PQclear(res);
		if (rule_kind_or_respond(req, &p, kind) != 0)
			return;
		if (!*kind)
			respond_no_rule(req);
		else
			respond_error(req, 409, "CONFLICT", NULL, "only window rules have a series");
		return;
	}
	alerts_respond_points(req, res);
	PQclear(res);
}

/* GET /v1/alerts/{id}/events?limit&offset&cursor */
void alerts_events(struct request *req)
{
	char id[PARAMS_UUID_LEN + 1];
	struct sql_args a = { 0 };
	struct json_object *items;
	struct page_request page;
	PGresult *res = NULL;
	int rows = 0;

	if (handler_path_uuid_or_respond(req, 2, id) != 0 ||
	    handler_query_page_or_respond(req, EVENTS_LIMIT_DEFAULT, EVENTS_LIMIT_MAX, CURSOR_ID_UUID,
					  &page) != 0)
		return;
	sql_arg_text(&a, id);
	sql_arg_int(&a, page.limit + 1);
	sql_arg_int(&a, page.offset);
	handler_arg_cursor(&a, &page);
	if (handler_exec_or_respond(req, "alerts_events", &a, &res) != 0)
		return;
	if (PQntuples(res) == 0) {
		respond_error(req, 404, "NOT_FOUND", NULL, "no such alert");
		PQclear(res);
		return;
	}
	items = json_object_new_array();
	for (int i = 0; i < PQntuples(res) && !PQgetisnull(res, i, E_ID); i++, rows++)
		if (i < page.limit)
			json_object_array_add(items, event_json(res, i));
	handler_respond_keyset_page(req, items, res, rows, &page, E_CREATED, E_ID);
	PQclear(res);
}

/* POST /v1/alerts/{id}/webhook-secret: a new secret for the rule's webhook,
 * shown this once; the one before stops signing at once. */
void alerts_rotate_secret(struct request *req)
{
	char id[PARAMS_UUID_LEN + 1], nonce[33];
	struct json_object *body = NULL;
	struct sql_args a = { 0 };
	PGresult *res = NULL;
	struct error err;

	if (handler_path_uuid_or_respond(req, 2, id) != 0)
		return;
	if (keys_random_hex(nonce, 16) != 0) {
		respond_internal(req);
		return;
	}
	sql_arg_text(&a, id);
	sql_arg_text(&a, nonce);
	if (handler_exec_or_respond(req, "alerts_rotate_secret", &a, &res) != 0)
		return;
	if (PQntuples(res) == 0) {
		struct sql_args rule = { 0 };

		PQclear(res);
		sql_arg_text(&rule, id);
		if (handler_exec_or_respond(req, "alerts_exists", &rule, &res) != 0)
			return;
		if (PQntuples(res) == 0)
			respond_error(req, 404, "NOT_FOUND", NULL, "no such alert rule");
		else
			respond_error(req, 409, "CONFLICT", NULL, "the rule has no webhook_url");
	} else {
		body = json_object_new_object();
		if (handler_add_webhook_secret(body, PQgetvalue(res, 0, 0), nonce, &err) != 0)
			respond_with(req, &err);
		else
			respond_json(req, 200, body);
	}
	json_object_put(body);
	PQclear(res);
}
