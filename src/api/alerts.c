/* alerts: /v1 threshold alert rules and the alert events they fire. A rule's
 * condition is coerced when it is created (alert_rule.c), so the evaluation
 * every ingest runs (the trigger of sql/010) never fails. Rules are not
 * edited: to change one, delete it and create another. Deleting a rule (or
 * its service) takes its events along. */
#include "api/alerts.h"

#include <stdlib.h>
#include <string.h>

#include "pure/alert_rule.h"
#include "api/handler.h"
#include "pure/json.h"
#include "pure/keys.h"
#include "pure/signature.h"
#include "pure/params.h"
#include "http/response.h"

#define ALERT_NAME_MAX 128
#define ALERT_DESCRIPTION_MAX 512
#define EVENTS_LIMIT_DEFAULT 50
#define EVENTS_LIMIT_MAX 500

#define ALERT_COLUMNS \
	"a.id, a.service_id, a.name, a.description, a.condition_field, a.condition_operator," \
	" a.condition_value, a.cooldown_seconds, a.webhook_url, ts_to_usec(a.last_fired_at)," \
	" ts_to_usec(a.created_at)"

enum alert_column {
	A_ID, A_SERVICE_ID, A_NAME, A_DESCRIPTION, A_FIELD, A_OPERATOR, A_VALUE, A_COOLDOWN,
	A_WEBHOOK_URL, A_LAST_FIRED, A_CREATED,
};

#define EVENT_COLUMNS \
	"e.id, e.alert_id, e.log_id, e.field, e.observed_value, ts_to_usec(e.created_at)," \
	" e.delivery_status, e.delivery_attempts, e.delivery_error," \
	" ts_to_usec(e.last_attempt_at), ts_to_usec(e.delivered_at)"

enum event_column {
	E_ID, E_ALERT_ID, E_LOG_ID, E_FIELD, E_OBSERVED, E_CREATED, E_STATUS, E_ATTEMPTS,
	E_ERROR, E_LAST_ATTEMPT, E_DELIVERED,
};

const struct db_statement alerts_statements[] = {
	/* No row when the service does not exist or has $10 rules already. The
	 * service's row is locked (FOR NO KEY UPDATE, which ingest's FOR KEY
	 * SHARE does not wait for): two rules made at once are counted in turn,
	 * and a service deleted meanwhile is skipped rather than failing the
	 * foreign key. */
	{ "alerts_create",
	  "INSERT INTO alerts AS a (service_id, name, description, condition_field,"
	  "  condition_operator, condition_value, cooldown_seconds, webhook_url,"
	  "  webhook_secret_nonce)"
	  " SELECT s.id, $2, $3, $4, $5, $6, $7, $8, $9 FROM services s WHERE s.id = $1"
	  "  AND (SELECT count(*) FROM alerts x WHERE x.service_id = s.id) < $10::bigint"
	  " FOR NO KEY UPDATE"
	  " RETURNING " ALERT_COLUMNS },
	/* Why alerts_create made no row: the service's rule count, or no row
	 * when the service does not exist. */
	{ "alerts_count", "SELECT (SELECT count(*) FROM alerts WHERE service_id = s.id)"
	  " FROM services s WHERE s.id = $1" },
	/* No row when the rule does not exist or has no webhook. */
	{ "alerts_rotate_secret",
	  "UPDATE alerts SET webhook_secret_nonce = $2 WHERE id = $1 AND webhook_url IS NOT NULL"
	  " RETURNING id" },
	{ "alerts_exists", "SELECT 1 FROM alerts WHERE id = $1" },
	{ "alerts_list",
	  "SELECT " ALERT_COLUMNS " FROM alerts a WHERE ($1::uuid IS NULL OR a.service_id = $1)"
	  " ORDER BY a.created_at, a.id LIMIT $2 OFFSET $3" },
	{ "alerts_get", "SELECT " ALERT_COLUMNS " FROM alerts a WHERE a.id = $1" },
	{ "alerts_delete", "DELETE FROM alerts WHERE id = $1" },
	/* No row when the rule does not exist; one row of NULLs (after the
	 * rule's id) when the page is empty. $2 limit + 1, $3 offset. */
	{ "alerts_events",
	  "SELECT " EVENT_COLUMNS " FROM alerts a LEFT JOIN LATERAL"
	  " (SELECT * FROM alert_events x WHERE x.alert_id = a.id"
	  "  ORDER BY x.created_at DESC, x.id DESC LIMIT $2 OFFSET $3) e ON true"
	  " WHERE a.id = $1 ORDER BY e.created_at DESC, e.id DESC" },
	{ NULL, NULL }
};

/* One ALERT from a row of ALERT_COLUMNS; the caller puts it. */
static struct json_object *alert_json(const PGresult *res, int row)
{
	struct json_object *alert = json_object_new_object();

	json_add_string(alert, "id", PQgetvalue(res, row, A_ID));
	json_add_string(alert, "service_id", PQgetvalue(res, row, A_SERVICE_ID));
	sql_add_text(alert, "name", res, row, A_NAME);
	sql_add_text(alert, "description", res, row, A_DESCRIPTION);
	json_add_string(alert, "condition_field", PQgetvalue(res, row, A_FIELD));
	json_add_string(alert, "condition_operator", PQgetvalue(res, row, A_OPERATOR));
	json_add_string(alert, "condition_value", PQgetvalue(res, row, A_VALUE));
	json_add_int(alert, "cooldown_seconds", sql_int(res, row, A_COOLDOWN));
	sql_add_text(alert, "webhook_url", res, row, A_WEBHOOK_URL);
	sql_add_time(alert, "last_fired_at", res, row, A_LAST_FIRED);
	sql_add_time(alert, "created_at", res, row, A_CREATED);
	return alert;
}

/* One ALERT EVENT from a row of EVENT_COLUMNS, with its delivery; the caller puts it. */
static struct json_object *event_json(const PGresult *res, int row)
{
	struct json_object *ev = json_object_new_object();

	json_add_string(ev, "id", PQgetvalue(res, row, E_ID));
	json_add_string(ev, "alert_id", PQgetvalue(res, row, E_ALERT_ID));
	json_add_string(ev, "log_id", PQgetvalue(res, row, E_LOG_ID));
	json_add_string(ev, "field", PQgetvalue(res, row, E_FIELD));
	sql_add_jsonb(ev, "observed_value", res, row, E_OBSERVED);
	sql_add_time(ev, "created_at", res, row, E_CREATED);
	json_add_string(ev, "delivery_status", PQgetvalue(res, row, E_STATUS));
	json_add_int(ev, "delivery_attempts", sql_int(res, row, E_ATTEMPTS));
	sql_add_text(ev, "delivery_error", res, row, E_ERROR);
	sql_add_time(ev, "last_attempt_at", res, row, E_LAST_ATTEMPT);
	sql_add_time(ev, "delivered_at", res, row, E_DELIVERED);
	return ev;
}

/* A rule as read from the body of POST /v1/alerts. Strings are lent from the
 * document, but name, which is the caller's to free. */
struct alert_input {
	char service_id[PARAMS_UUID_LEN + 1];
	char *name;
	const char *description, *webhook_url;
	struct alert_rule rule;
	int64_t cooldown;
};

/* service_id: a UUID, as a string. */
static int service_id_or_respond(struct request *req, struct json_object *doc,
				 char out[PARAMS_UUID_LEN + 1])
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(doc, "service_id", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    params_parse_uuid(json_object_get_string(v), (size_t)json_object_get_string_len(v), out) != 0)
		return respond_error(req, 422, "VALIDATION", "service_id", "must be a UUID");
	return 0;
}

/* The condition and cooldown_seconds, coerced by alert_rule. */
static int rule_or_respond(struct request *req, struct json_object *doc, struct alert_input *in)
{
	struct error err;

	if (alert_rule_from_json(doc, &in->rule, &err) != 0 ||
	    alert_rule_cooldown_from_json(doc, &in->cooldown, &err) != 0)
		return respond_error(req, 422, "VALIDATION", err.field, "%s", err.message);
	return 0;
}

/* Every member, in the order docs/api.md lists them; the first bad one is a 422. */
static int input_or_respond(struct request *req, struct json_object *doc, struct alert_input *in)
{
	return service_id_or_respond(req, doc, in->service_id) != 0 ||
	       handler_json_name_or_respond(req, doc, "name", ALERT_NAME_MAX, &in->name) != 0 ||
	       handler_json_optional_text_or_respond(req, doc, "description", ALERT_DESCRIPTION_MAX,
						     NULL, "must be a string of at most 512 characters",
						     &in->description) != 0 ||
	       rule_or_respond(req, doc, in) != 0 ||
	       handler_json_webhook_url_or_respond(req, doc, &in->webhook_url) != 0 ? -1 : 0;
}

/* TELLTALE_MAX_RULES_PER_SERVICE: the rules a service may have (100). */
static int64_t rules_per_service_max(void)
{
	const char *v = getenv("TELLTALE_MAX_RULES_PER_SERVICE");

	return v && atoll(v) > 0 ? atoll(v) : 100;
}

/* Answers a rule alerts_create did not make: the service is named in the
 * body, not in the path, so an unknown one is a bad field (as Stripe answers
 * it), 422 rather than 404; a service at its cap of rules is 409. */
static void refuse_new_rule(struct request *req, const char *service_id)
{
	struct sql_args a = { 0 };
	PGresult *res = NULL;

	sql_arg_text(&a, service_id);
	if (handler_exec_or_respond(req, "alerts_count", &a, &res) != 0)
		return;
	if (PQntuples(res) == 0)
		respond_error(req, 422, "VALIDATION", "service_id", "no such service");
	else
		respond_error(req, 409, "CONFLICT", NULL, "the service has %lld alert rules, the most it may",
			      (long long)sql_int(res, 0, 0));
	PQclear(res);
}

/* POST /v1/alerts {"service_id", "name", "description"?, "condition_field",
 *                  "condition_operator", "condition_value", "cooldown_seconds"?,
 *                  "webhook_url"?} */
void alerts_create(struct request *req)
{
	struct alert_input in = { .name = NULL };
	struct json_object *doc = NULL, *alert;
	struct sql_args a = { 0 };
	PGresult *res = NULL;
	char nonce[33];
	struct error err;

	if (handler_json_body_or_respond(req, &doc) != 0 ||
	    handler_json_object_or_respond(req, doc) != 0 || input_or_respond(req, doc, &in) != 0)
		goto out;
	if (keys_random_hex(nonce, 16) != 0) {
		respond_internal(req);
		goto out;
	}
	sql_arg_text(&a, in.service_id);
	sql_arg_text(&a, in.name);
	sql_arg_text(&a, in.description);
	sql_arg_text(&a, alert_field_names[in.rule.field]);
	sql_arg_text(&a, alert_op_names[in.rule.op]);
	sql_arg_text(&a, in.rule.value_text);
	sql_arg_int(&a, in.cooldown);
	sql_arg_text(&a, in.webhook_url);
	sql_arg_text(&a, in.webhook_url ? nonce : NULL);
	sql_arg_int(&a, rules_per_service_max());
	if (handler_exec_or_respond(req, "alerts_create", &a, &res) != 0)
		goto out;
	if (PQntuples(res) == 0) {
		refuse_new_rule(req, in.service_id);
	} else {
		alert = alert_json(res, 0);
		if (in.webhook_url && handler_add_webhook_secret(alert, PQgetvalue(res, 0, A_ID), nonce, &err) != 0)
			respond_with(req, &err);
		else
			respond_json(req, 201, alert);
		json_object_put(alert);
	}
out:
	PQclear(res);
	free(in.name);
	json_object_put(doc);
}

/* GET /v1/alerts?service_id&limit&offset */
void alerts_list(struct request *req)
{
	char service_id[PARAMS_UUID_LEN + 1];
	struct sql_args a = { 0 };
	PGresult *res = NULL;

	if (handler_query_uuid_or_respond(req, "service_id", service_id) != 0)
		return;
	sql_arg_text(&a, *service_id ? service_id : NULL);
	if (handler_query_list_or_respond(req, &a) != 0 ||
	    handler_exec_or_respond(req, "alerts_list", &a, &res) != 0)
		return;
	handler_respond_rows(req, res, alert_json);
	PQclear(res);
}

/* GET /v1/alerts/{id} */
void alerts_get(struct request *req)
{
	char id[PARAMS_UUID_LEN + 1];
	struct sql_args a = { 0 };
	struct json_object *alert;
	PGresult *res = NULL;

	if (handler_path_uuid_or_respond(req, 2, id) != 0)
		return;
	sql_arg_text(&a, id);
	if (handler_exec_or_respond(req, "alerts_get", &a, &res) != 0)
		return;
	if (PQntuples(res) == 0) {
		respond_error(req, 404, "NOT_FOUND", NULL, "no such alert");
	} else {
		alert = alert_json(res, 0);
		respond_json(req, 200, alert);
		json_object_put(alert);
	}
	PQclear(res);
}

/* DELETE /v1/alerts/{id} */
void alerts_delete(struct request *req)
{
	char id[PARAMS_UUID_LEN + 1];
	struct sql_args a = { 0 };
	PGresult *res = NULL;

	if (handler_path_uuid_or_respond(req, 2, id) != 0)
		return;
	sql_arg_text(&a, id);
	if (handler_exec_or_respond(req, "alerts_delete", &a, &res) != 0)
		return;
	if (strcmp(PQcmdTuples(res), "0") == 0)
		respond_error(req, 404, "NOT_FOUND", NULL, "no such alert");
	else
		respond_no_content(req);
	PQclear(res);
}

/* GET /v1/alerts/{id}/events?limit&offset */
void alerts_events(struct request *req)
{
	char id[PARAMS_UUID_LEN + 1];
	struct sql_args a = { 0 };
	struct json_object *items;
	int64_t limit, offset;
	PGresult *res = NULL;
	int rows = 0;

	if (handler_path_uuid_or_respond(req, 2, id) != 0 ||
	    handler_query_int_or_respond(req, "limit", EVENTS_LIMIT_DEFAULT, 1, EVENTS_LIMIT_MAX,
					 &limit) != 0 ||
	    handler_query_int_or_respond(req, "offset", 0, 0, INT64_MAX - EVENTS_LIMIT_MAX,
					 &offset) != 0)
		return;
	sql_arg_text(&a, id);
	sql_arg_int(&a, limit + 1);
	sql_arg_int(&a, offset);
	if (handler_exec_or_respond(req, "alerts_events", &a, &res) != 0)
		return;
	if (PQntuples(res) == 0) {
		respond_error(req, 404, "NOT_FOUND", NULL, "no such alert");
		PQclear(res);
		return;
	}
	items = json_object_new_array();
	for (int i = 0; i < PQntuples(res) && !PQgetisnull(res, i, E_ID); i++, rows++)
		if (i < limit)
			json_object_array_add(items, event_json(res, i));
	handler_respond_page(req, items, rows, limit, offset);
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
