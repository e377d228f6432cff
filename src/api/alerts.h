/* alerts: alert rules of every kind (docs/api.md, "Alerts" and "Alerting"):
 * threshold rules checked against each request log, window rules evaluated by
 * the scheduler, an application's issue rules; and the alert events they
 * record. Rules of a service live under /v1/alerts, an application's under
 * /apps/{id}/alerts too; reading, changing and deleting are the same code
 * for both (alerts.c), making them is alert_create.c. */
#ifndef TELLTALE_ALERTS_H
#define TELLTALE_ALERTS_H

#include <libpq-fe.h>
#include <json-c/json.h>

#include "db/db.h"
#include "http/request.h"

extern const struct db_statement alerts_statements[];
extern const struct db_statement alert_create_statements[];

/* The columns of an ALERT, of a row named a; channels is the SQL of its
 * channel ids as a JSON array. */
#define ALERT_COLUMNS_WITH(channels) \
	"a.id, a.service_id, a.name, a.description, a.condition_field, a.condition_operator," \
	" a.condition_value, a.cooldown_seconds, a.webhook_url, ts_to_usec(a.last_fired_at)," \
	" ts_to_usec(a.created_at), a.kind, a.application_id, a.metric, a.operator, a.threshold," \
	" a.window_seconds, a.route, a.method, a.min_requests, a.level, a.enabled, a.state," \
	" a.last_value, ts_to_usec(a.last_evaluated_at), " channels
#define ALERT_COLUMNS ALERT_COLUMNS_WITH( \
	"(SELECT coalesce(json_agg(c.channel_id ORDER BY c.channel_id), '[]') FROM alert_channels c" \
	" WHERE c.alert_id = a.id)")

enum alert_column {
	A_ID, A_SERVICE_ID, A_NAME, A_DESCRIPTION, A_FIELD, A_OPERATOR, A_VALUE, A_COOLDOWN,
	A_WEBHOOK_URL, A_LAST_FIRED, A_CREATED, A_KIND, A_APPLICATION_ID, A_METRIC, A_WINDOW_OPERATOR,
	A_THRESHOLD, A_WINDOW, A_ROUTE, A_METHOD, A_MIN_REQUESTS, A_LEVEL, A_ENABLED, A_STATE,
	A_LAST_VALUE, A_LAST_EVALUATED, A_CHANNELS, A__COUNT
};

/* The channels named in $N (uuid[]), locked against deletion while the
 * statement links them, and the place (from 1) of the first that does not
 * exist. */
#define CHANNELS_CHECKED(n) \
	"locked AS (SELECT id FROM channels WHERE id = ANY(" n "::uuid[]) FOR KEY SHARE)," \
	" missing AS (SELECT min(u.i) AS i FROM unnest(" n "::uuid[]) WITH ORDINALITY u (id, i)" \
	"  WHERE u.id NOT IN (SELECT id FROM locked))"

/* One ALERT from a row of ALERT_COLUMNS; the caller puts it. */
struct json_object *alert_json(const PGresult *res, int row);

/* The statements that store a rule with its channels answer, after the
 * ALERT's columns, the place (from 1) of the first channel named that does
 * not exist: answers 422 naming that entry ("channel_ids[2]") and returns
 * -1 when row 0 of res has one, else returns 0. */
int alerts_missing_channel_or_respond(struct request *req, const PGresult *res);

/* Answers 200 {"points": [{"t", "value"}...]} from rows of (microseconds, value). */
void alerts_respond_points(struct request *req, const PGresult *res);

/* POST /v1/alerts, POST /apps/{id}/alerts, POST /v1/alerts/preview (alert_create.c) */
void alerts_create(struct request *req);
void app_alerts_create(struct request *req);
void alerts_preview(struct request *req);

/* /v1/alerts/{id}... */
void alerts_list(struct request *req);
void alerts_get(struct request *req);
void alerts_change(struct request *req);
void alerts_delete(struct request *req);
void alerts_events(struct request *req);
void alerts_series(struct request *req);
void alerts_rotate_secret(struct request *req);

/* /apps/{id}/alerts... */
void app_alerts_list(struct request *req);
void app_alerts_get(struct request *req);
void app_alerts_change(struct request *req);
void app_alerts_delete(struct request *req);

#endif
