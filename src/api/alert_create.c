/* alert_create: making alert rules. POST /v1/alerts makes a service's
 * threshold rule (the default kind) or window rule; POST /apps/{id}/alerts an
 * application's window rule (event_count) or issue rule (new_issue,
 * regression). Every kind is read whole and checked before anything is
 * stored (pure/alert_rule.h, pure/window_rule.h); one statement then checks
 * the owner, its cap of rules and the channels named, and stores the rule
 * with its channels. POST /v1/alerts/preview answers the series a window
 * rule would see, for a rule not made yet. */
#include "api/alerts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handler.h"
#include "http/response.h"
#include "pure/alert_rule.h"
#include "pure/json.h"
#include "pure/keys.h"
#include "pure/window_rule.h"

#define ALERT_NAME_MAX 128
#define ALERT_DESCRIPTION_MAX 512

/* $1 the owner (owner_type), $2 its cap of rules, $3 to $19 the rule as
 * rule_args lists it, $20 its channels (uuid[]). The owner's row is locked
 * (FOR NO KEY UPDATE, which ingest's FOR KEY SHARE does not wait for): two
 * rules made at once are counted in turn, and an owner deleted meanwhile is
 * skipped rather than failing the foreign key. One row: the rule (NULLs when
 * none was made) and the place of the first channel that does not exist. */
#define CREATE_RULE(owner_column, owner_table, owner_type) \
	"WITH " CHANNELS_CHECKED("$20") "," \
	" rule AS (INSERT INTO alerts (" owner_column ", kind, name, description, condition_field," \
	"  condition_operator, condition_value, cooldown_seconds, webhook_url, webhook_secret_nonce," \
	"  metric, operator, threshold, window_seconds, route, method, min_requests, level)" \
	"  SELECT o.id, $3, $4, $5, $6, $7, $8, $9::integer, $10, $11, $12, $13, $14::float8," \
	"   $15::integer, $16, $17, $18::bigint, $19 FROM " owner_table " o" \
	"  WHERE o.id = $1::" owner_type " AND (SELECT i FROM missing) IS NULL" \
	"   AND (SELECT count(*) FROM alerts x WHERE x." owner_column " = o.id) < $2::bigint" \
	"  FOR NO KEY UPDATE OF o RETURNING *)," \
	" link AS (INSERT INTO alert_channels SELECT rule.id, u.id FROM rule, unnest($20::uuid[]) u (id))" \
	" SELECT " ALERT_COLUMNS_WITH("array_to_json($20::uuid[])") ", (SELECT i FROM missing)" \
	" FROM (SELECT 1) one LEFT JOIN rule a ON true"

const struct db_statement alert_create_statements[] = {
	{ "alerts_create", CREATE_RULE("service_id", "services", "uuid") },
	{ "alerts_create_app", CREATE_RULE("application_id", "applications", "bigint") },
	/* Why no rule was made: the owner's count of rules, or no row when the
	 * owner does not exist. */
	{ "alerts_count", "SELECT (SELECT count(*) FROM alerts WHERE service_id = s.id)"
	  " FROM services s WHERE s.id = $1" },
	{ "alerts_count_app", "SELECT (SELECT count(*) FROM alerts WHERE application_id = p.id)"
	  " FROM applications p WHERE p.id = $1" },
	/* $1 service or $2 application, $3 metric, $4 route, $5 method, $6 level,
	 * $7 window: no row when the owner does not exist. */
	{ "alerts_preview",
	  "SELECT ts_to_usec(s.point_at), s.value"
	  " FROM window_series($1::uuid, $2::bigint, $3, $4, $5, $6, $7::integer, now()) s"
	  " WHERE EXISTS (SELECT 1 FROM services WHERE id = $1::uuid)"
	  "  OR EXISTS (SELECT 1 FROM applications WHERE id = $2::bigint) ORDER BY 1" },
	{ NULL, NULL }
};

/* A rule as read from a body. Strings are lent from the document, but name,
 * which is the caller's to free. */
struct rule_input {
	char owner[PARAMS_UUID_LEN + 1];   /* the service's id, or the application's */
	int is_threshold;
	char *name;
	const char *description, *webhook_url;
	struct alert_rule rule;            /* a threshold rule's condition */
	int64_t cooldown;
	struct window_rule window;         /* a window or issue rule; its channels for every kind */
	char threshold[32];                /* the window's threshold as text, for the statement */
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

/* "kind" of a service's rule: threshold (the default) or window. */
static int kind_or_respond(struct request *req, struct json_object *doc, int *is_threshold)
{
	struct json_object *v = NULL;
	const char *kind = json_object_object_get_ex(doc, "kind", &v) &&
			   json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;

	*is_threshold = !v || (kind && strcmp(kind, "threshold") == 0);
	if (!*is_threshold && !(kind && strcmp(kind, "window") == 0))
		return respond_error(req, 422, "VALIDATION", "kind", "must be threshold or window");
	return 0;
}

/* The rule itself: a threshold rule's condition, cooldown, webhook and
 * channels, or a window rule's members. */
static int rule_or_respond(struct request *req, struct json_object *doc, enum window_owner owner,
			   struct rule_input *in)
{
	struct error err;

	if (in->is_threshold) {
		if (alert_rule_from_json(doc, &in->rule, &err) != 0 ||
		    alert_rule_cooldown_from_json(doc, &in->cooldown, &err) != 0 ||
		    window_channel_ids_from_json(doc, &in->window.channels, &err) != 0)
			return respond_with(req, &err);
		return handler_json_webhook_url_or_respond(req, doc, &in->webhook_url);
	}
	if (window_rule_from_json(doc, owner, 0, &in->window, &err) != 0)
		return respond_with(req, &err);
	return 0;
}

/* An application's rule may go without a name: it is then its metric's. */
static int name_or_respond(struct request *req, struct json_object *doc, enum window_owner owner,
			   struct rule_input *in)
{
	if (owner == WINDOW_APPLICATION && !json_object_object_get_ex(doc, "name", NULL)) {
		in->name = NULL;
		return 0;
	}
	return handler_json_name_or_respond(req, doc, "name", ALERT_NAME_MAX, &in->name);
}

/* Every member, in the order docs/api.md lists them; the first bad one is a 422. */
static int input_or_respond(struct request *req, struct json_object *doc, enum window_owner owner,
			    struct rule_input *in)
{
	if (owner == WINDOW_SERVICE && (service_id_or_respond(req, doc, in->owner) != 0 ||
					kind_or_respond(req, doc, &in->is_threshold) != 0))
		return -1;
	return name_or_respond(req, doc, owner, in) != 0 ||
	       handler_json_optional_text_or_respond(req, doc, "description", ALERT_DESCRIPTION_MAX,
						     NULL, "must be a string of at most 512 characters",
						     &in->description) != 0 ||
	       rule_or_respond(req, doc, owner, in) != 0 ? -1 : 0;
}

/* TELLTALE_MAX_RULES_PER_SERVICE: the rules a service, or an application,
 * may have (100). */
static int64_t rules_per_owner_max(void)
{
	const char *v = getenv("TELLTALE_MAX_RULES_PER_SERVICE");

	return v && atoll(v) > 0 ? atoll(v) : 100;
}

/* $3 to $19 of CREATE_RULE: the rule's columns, NULL where its kind has none.
 * The arguments point into in, which outlives the statement. */
static void rule_args(struct sql_args *a, struct rule_input *in, const char *nonce)
{
	const struct window_rule *w = &in->window;

	snprintf(in->threshold, sizeof(in->threshold), "%.17g", w->threshold);
	sql_arg_text(a, in->is_threshold ? "threshold" : w->kind);
	sql_arg_text(a, in->name ? in->name : w->metric);
	sql_arg_text(a, in->description);
	sql_arg_text(a, in->is_threshold ? alert_field_names[in->rule.field] : NULL);
	sql_arg_text(a, in->is_threshold ? alert_op_names[in->rule.op] : NULL);
	sql_arg_text(a, in->is_threshold ? in->rule.value_text : NULL);
	sql_arg_int(a, in->is_threshold ? in->cooldown : 0);
	sql_arg_text(a, in->webhook_url);
	sql_arg_text(a, in->webhook_url ? nonce : NULL);
	sql_arg_text(a, in->is_threshold ? NULL : w->metric);
	sql_arg_text(a, in->is_threshold ? NULL : w->operator);
	sql_arg_text(a, in->is_threshold || !w->operator ? NULL : in->threshold);
	if (in->is_threshold || !w->window_seconds)
		sql_arg_text(a, NULL);
	else
		sql_arg_int(a, w->window_seconds);
	sql_arg_text(a, w->route);
	sql_arg_text(a, *w->method ? w->method : NULL);
	sql_arg_int(a, w->min_requests);
	sql_arg_text(a, w->level);
}

/* Answers a rule the statement did not make: an owner named in the body is a
 * bad field (as Stripe answers it), 422 rather than 404; one named in the
 * path is 404; an owner at its cap of rules is 409. */
static void refuse_new_rule(struct request *req, enum window_owner owner, const char *id)
{
	struct sql_args a = { 0 };
	PGresult *res = NULL;

	sql_arg_text(&a, id);
	if (handler_exec_or_respond(req, owner == WINDOW_SERVICE ? "alerts_count" : "alerts_count_app",
				    &a, &res) != 0)
		return;
	if (PQntuples(res) == 0 && owner == WINDOW_SERVICE)
		respond_error(req, 422, "VALIDATION", "service_id", "no such service");
	else if (PQntuples(res) == 0)
		respond_error(req, 404, "NOT_FOUND", NULL, "no such application");
	else
		respond_error(req, 409, "CONFLICT", NULL, "it has %lld alert rules, the most it may",
			      (long long)sql_int(res, 0, 0));
	PQclear(res);
}

/* Answers the statement's row: the rule made (with its webhook's secret,
 * shown this once), a channel that does not exist, or why none was made. */
static void respond_made(struct request *req, enum window_owner owner, const struct rule_input *in,
			 const PGresult *res, const char *nonce)
{
	struct json_object *alert;
	struct error err;

	if (alerts_missing_channel_or_respond(req, res) != 0)
		return;
	if (PQgetisnull(res, 0, A_ID)) {
		refuse_new_rule(req, owner, in->owner);
		return;
	}
	alert = alert_json(res, 0);
	if (in->webhook_url && handler_add_webhook_secret(alert, PQgetvalue(res, 0, A_ID), nonce, &err) != 0)
		respond_with(req, &err);
	else
		respond_json(req, 201, alert);
	json_object_put(alert);
}

static void create_rule(struct request *req, enum window_owner owner, struct rule_input *in)
{
	char nonce[33], channels[WINDOW_CHANNELS_TEXT_MAX];
	struct json_object *doc = NULL;
	struct sql_args a = { 0 };
	PGresult *res = NULL;

	if (handler_json_body_or_respond(req, &doc) != 0 ||
	    handler_json_object_or_respond(req, doc) != 0 || input_or_respond(req, doc, owner, in) != 0)
		goto out;
	if (keys_random_hex(nonce, 16) != 0) {
		respond_internal(req);
		goto out;
	}
	window_channel_ids_text(&in->window.channels, channels);
	sql_arg_text(&a, in->owner);
	sql_arg_int(&a, rules_per_owner_max());
	rule_args(&a, in, nonce);
	sql_arg_text(&a, channels);
	if (handler_exec_or_respond(req, owner == WINDOW_SERVICE ? "alerts_create" : "alerts_create_app",
				    &a, &res) == 0)
		respond_made(req, owner, in, res, nonce);
out:
	PQclear(res);
	free(in->name);
	json_object_put(doc);
}

/* POST /v1/alerts {"service_id", "kind"?, "name", "description"?, ...} */
void alerts_create(struct request *req)
{
	struct rule_input in = { .name = NULL };

	create_rule(req, WINDOW_SERVICE, &in);
}

/* POST /apps/{id}/alerts {"metric", "name"?, "description"?, "level"?, ...} */
void app_alerts_create(struct request *req)
{
	struct rule_input in = { .name = NULL };
	int64_t app;

	if (handler_path_id_or_respond(req, 1, &app) != 0)
		return;
	snprintf(in.owner, sizeof(in.owner), "%lld", (long long)app);
	create_rule(req, WINDOW_APPLICATION, &in);
}

/* The owner of a preview: service_id, or application_id (a positive integer). */
static int preview_owner_or_respond(struct request *req, struct json_object *doc,
				    enum window_owner *owner, char id[PARAMS_UUID_LEN + 1])
{
	struct json_object *v = NULL;

	*owner = WINDOW_SERVICE;
	if (!json_object_object_get_ex(doc, "application_id", &v))
		return service_id_or_respond(req, doc, id);
	*owner = WINDOW_APPLICATION;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1)
		return respond_error(req, 422, "VALIDATION", "application_id", "must be an application id");
	snprintf(id, PARAMS_UUID_LEN + 1, "%lld", (long long)json_object_get_int64(v));
	return 0;
}

/* POST /v1/alerts/preview {"service_id" | "application_id", "metric",
 * "window_seconds", "route"?, "method"?, "level"?}: the points a window rule
 * of these would have had over the last day. */
void alerts_preview(struct request *req)
{
	char id[PARAMS_UUID_LEN + 1];
	struct json_object *doc = NULL;
	enum window_owner owner;
	struct window_rule w;
	struct sql_args a = { 0 };
	PGresult *res = NULL;
	struct error err;

	if (handler_json_body_or_respond(req, &doc) != 0 || handler_json_object_or_respond(req, doc) != 0 ||
	    preview_owner_or_respond(req, doc, &owner, id) != 0)
		goto out;
	if (window_rule_from_json(doc, owner, 1, &w, &err) != 0) {
		respond_with(req, &err);
		goto out;
	}
	sql_arg_text(&a, owner == WINDOW_SERVICE ? id : NULL);
	sql_arg_text(&a, owner == WINDOW_APPLICATION ? id : NULL);
	sql_arg_text(&a, w.metric);
	sql_arg_text(&a, w.route);
	sql_arg_text(&a, *w.method ? w.method : NULL);
	sql_arg_text(&a, w.level);
	sql_arg_int(&a, w.window_seconds);
	if (handler_exec_or_respond(req, "alerts_preview", &a, &res) != 0)
		goto out;
	if (PQntuples(res) == 0)
		respond_error(req, 422, "VALIDATION", owner == WINDOW_SERVICE ? "service_id" : "application_id",
			      owner == WINDOW_SERVICE ? "no such service" : "no such application");
	else
		alerts_respond_points(req, res);
out:
	PQclear(res);
	json_object_put(doc);
}
