/* telltale-notifier: delivers notifications off the request path, from three
 * queues: alert events of threshold rules with a webhook_url (sql/005), the
 * issue notifications queued before applications' webhooks became channels
 * (sql/020), and the deliveries of alert events to their rules' channels
 * (alert_deliveries, sql/024: a webhook, Slack, Discord, Teams, ntfy or an
 * e-mail, each in its own format, outbound/deliver.h). Each sends NOTIFY
 * telltale_alerts at commit; this process LISTENs, and also looks every
 * POLL_MS in case a notification was missed.
 *
 * One delivery: claim the row (one committed UPDATE that picks it with FOR
 * UPDATE SKIP LOCKED and marks it 'sending'), POST it through the outbound
 * guard (outbound.h), and record the outcome: 'delivered' right after a 2xx;
 * otherwise 'pending' again with next_attempt_at pushed back 1, 2, 4, 8 s,
 * until MAX_ATTEMPTS have failed ('failed'). The schedule lives in the
 * database, so a restart keeps it. A row left 'sending' by a notifier that
 * died mid-attempt may or may not have arrived: it is marked 'failed' and
 * never sent again, so no receiver sees a delivery twice.
 *
 * A webhook's body is the alert event, or {"id", "action", "issue", "event"}
 * for a new or reopened issue, as JSON; X-Telltale-Signature is "t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>">" under the rule's or the application's secret
 * (pure/signature.h). A rule made before secrets were per rule also gets the
 * signature of before, "sha256=<hex HMAC-SHA256 of the body>" under the
 * stack's key, in a second X-Telltale-Signature, for one release.
 *
 * Environment: DATABASE_URL (libpq conninfo or URI), TELLTALE_WEBHOOK_SECRET
 * (the signing key; without it no webhook is sent: a delivery fails, and that
 * is logged), TELLTALE_WEBHOOK_MAX_PER_MINUTE (the deliveries a rule, an
 * application or a channel may begin a minute, 60; past it a row is recorded
 * as capped, not sent), REPLAY_ALLOW (the CIDRs the outbound guard admits),
 * TELLTALE_SMTP_URL and TELLTALE_SMTP_FROM (the mail server of e-mail
 * channels, and the sender), TELLTALE_PUBLIC_URL (the dashboard that
 * notifications link to). Stops on
 * SIGTERM, SIGINT, SIGHUP or SIGQUIT, after the delivery in hand; never exits
 * for a database fault. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include <json-c/json.h>

#include "db/db.h"
#include "db/render.h"
#include "base/log.h"
#include "outbound/deliver.h"
#include "base/signals.h"
#include "pure/timefmt.h"

#define POLL_MS 2000
#define MAX_ATTEMPTS 5
#define FIRST_RETRY_MS 1000
/* An attempt takes at most the outbound timeout; one 'sending' for longer
 * than this belongs to a notifier that is gone. */
#define STALE_SENDING_MS 60000
#define STATEMENT_TIMEOUT_MS 5000

/* What each queue's claim answers first; the columns after these are the
 * queue's own. */
enum claimed_column {
	C_ID, C_ATTEMPTS, C_URL, C_OWNER, C_SECRET_ID, C_NONCE, C_OWN,
};

/* An alert event's own columns, from C_OWN on. */
enum alert_column {
	A_ALERT_ID = C_OWN, A_LOG_ID, A_FIELD, A_OBSERVED, A_CREATED, A_SERVICE_ID, A_NAME,
	A_COND_FIELD, A_COND_OP, A_COND_VALUE,
};

/* An issue notification's own columns. */
enum issue_column { I_ACTION = C_OWN, I_ISSUE_ID, I_CREATED };

/* A channel delivery's own columns: the channel, the alert event, its rule. */
enum channel_column {
	CH_KIND = C_OWN, CH_TO, CH_EVENT_ID, CH_STATE, CH_VALUE, CH_WINDOW, CH_CREATED, CH_ISSUE_ID,
	CH_RULE_ID, CH_RULE_NAME, CH_RULE_KIND, CH_METRIC, CH_OPERATOR, CH_THRESHOLD, CH_ROUTE,
	CH_METHOD, CH_SERVICE_ID, CH_APPLICATION_ID, CH_OWNER_NAME, CH_DETAIL, CH_LOG_ID,
};

/* The statements every queue has, on its table: the outcomes, the cap (the
 * deliveries its owner, owner_column, began in the last minute) and when
 * the next is due.
 * - delivered, failed ($2 why; $3 the milliseconds until the next attempt,
 *   NULL when none follows), abandon (attempts older than $1 ms whose
 *   notifier is gone: never sent again, so never delivered twice);
 * - cap: the claimed row $1 of owner $2, on its first attempt, is capped when
 *   the owner has begun $3 deliveries in the last minute: recorded, not
 *   sent. (A row attempted in the last minute was made in the last hour: the
 *   bound lets the owner's index find them.) */
#define QUEUE_STATEMENTS(queue, table, owner_column) \
	{ queue "_delivered", \
	  "UPDATE " table " SET delivery_status = 'delivered', delivered_at = now()," \
	  "  delivery_error = NULL WHERE id = $1 AND delivery_status = 'sending'" }, \
	{ queue "_failed", \
	  "UPDATE " table " SET delivery_error = $2," \
	  "  delivery_status = CASE WHEN $3::bigint IS NULL THEN 'failed' ELSE 'pending' END," \
	  "  next_attempt_at = now() + $3::bigint * interval '1 millisecond'" \
	  " WHERE id = $1 AND delivery_status = 'sending'" }, \
	{ queue "_abandon", \
	  "UPDATE " table " SET delivery_status = 'failed'," \
	  "  delivery_error = 'the notifier stopped during an attempt whose outcome is unknown;" \
	  " not sent again, so that it is never delivered twice'" \
	  " WHERE delivery_status = 'sending'" \
	  "  AND last_attempt_at < now() - $1::bigint * interval '1 millisecond'" }, \
	{ queue "_cap", \
	  "UPDATE " table " SET delivery_status = 'capped', delivery_attempts = 0," \
	  "  delivery_error = 'not sent: ' || $3 || ' deliveries had begun in the minute before'" \
	  " WHERE id = $1 AND delivery_status = 'sending'" \
	  "  AND (SELECT count(*) FROM " table " x WHERE x." owner_column " = $2 AND x.id <> $1" \
	  "       AND x.created_at > now() - interval '1 hour' AND x.delivery_attempts > 0" \
	  "       AND x.last_attempt_at > now() - interval '1 minute') >= $3::bigint" \
	  " RETURNING id" }, \
	{ queue "_next_due", \
	  "SELECT ceil(extract(epoch FROM min(next_attempt_at) - now()) * 1000)::bigint" \
	  " FROM " table " WHERE delivery_status = 'pending'" }

static const struct db_statement notifier_statements[] = {
	/* The row due first, marked 'sending' and committed before the POST: a
	 * second notifier skips it, and a restart finds it claimed. */
	{ "alert_claim",
	  "UPDATE alert_events e SET delivery_status = 'sending',"
	  "  delivery_attempts = e.delivery_attempts + 1, last_attempt_at = now(),"
	  "  next_attempt_at = NULL"
	  " FROM alerts a"
	  " WHERE e.id = (SELECT id FROM alert_events WHERE delivery_status = 'pending'"
	  "   AND next_attempt_at <= now() ORDER BY next_attempt_at, id LIMIT 1"
	  "   FOR UPDATE SKIP LOCKED)"
	  "  AND a.id = e.alert_id"
	  " RETURNING e.id, e.delivery_attempts, a.webhook_url, a.id, a.id, a.webhook_secret_nonce,"
	  "  e.alert_id, e.log_id, e.field, e.observed_value, ts_to_usec(e.created_at), a.service_id,"
	  "  a.name, a.condition_field, a.condition_operator, a.condition_value" },
	QUEUE_STATEMENTS("alert", "alert_events", "alert_id"),
	/* Once the rollup has counted the event that made it (within a second):
	 * the ISSUE sent then counts it. */
	{ "issue_claim",
	  "UPDATE issue_notifications n SET delivery_status = 'sending',"
	  "  delivery_attempts = n.delivery_attempts + 1, last_attempt_at = now(),"
	  "  next_attempt_at = NULL"
	  " FROM applications a"
	  " WHERE n.id = (SELECT id FROM issue_notifications WHERE delivery_status = 'pending'"
	  "   AND next_attempt_at <= now() AND created_at < (SELECT issues_rolled_until FROM rollup_state)"
	  "   ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)"
	  "  AND a.id = n.application_id"
	  " RETURNING n.id, n.delivery_attempts, a.webhook_url, a.id, 'app-' || a.id,"
	  "  a.webhook_secret_nonce, n.action, n.issue_id, ts_to_usec(n.created_at)" },
	QUEUE_STATEMENTS("issue", "issue_notifications", "application_id"),
	/* As the others; an issue rule's event waits, as issue_claim does, for
	 * the rollup to have counted the event that made it. A threshold rule's
	 * value is its log's, a number or a boolean (1 or 0). */
	{ "channel_claim",
	  "UPDATE alert_deliveries d SET delivery_status = 'sending',"
	  "  delivery_attempts = d.delivery_attempts + 1, last_attempt_at = now(),"
	  "  next_attempt_at = NULL"
	  " FROM channels c, alert_events e, alerts a"
	  " WHERE d.id = (SELECT x.id FROM alert_deliveries x JOIN alert_events y ON y.id = x.alert_event_id"
	  "   WHERE x.delivery_status = 'pending' AND x.next_attempt_at <= now()"
	  "    AND (y.issue_id IS NULL OR y.created_at < (SELECT issues_rolled_until FROM rollup_state))"
	  "   ORDER BY x.next_attempt_at, x.id LIMIT 1 FOR UPDATE OF x SKIP LOCKED)"
	  "  AND c.id = d.channel_id AND e.id = d.alert_event_id AND a.id = e.alert_id"
	  " RETURNING d.id, d.delivery_attempts, c.url, c.id, coalesce(c.secret_id, c.id::text),"
	  "  c.secret_nonce, c.kind, c.email_to, e.id, coalesce(e.state, 'fired'),"
	  "  CASE WHEN e.issue_id IS NOT NULL THEN NULL WHEN e.window_seconds IS NOT NULL THEN e.value"
	  "   WHEN jsonb_typeof(e.observed_value) = 'boolean' THEN e.observed_value::text::boolean::int"
	  "   WHEN jsonb_typeof(e.observed_value) = 'number' THEN e.observed_value::text::float8 END,"
	  "  e.window_seconds, ts_to_usec(e.created_at), e.issue_id, a.id, a.name, a.kind,"
	  "  coalesce(a.metric, a.condition_field), coalesce(a.operator, a.condition_operator),"
	  "  coalesce(a.threshold, a.rule_value), a.route, a.method, a.service_id, a.application_id,"
	  "  coalesce((SELECT name FROM services WHERE id = a.service_id),"
	  "           (SELECT name FROM applications WHERE id = a.application_id)),"
	  "  (SELECT title FROM issues WHERE id = e.issue_id), e.log_id" },
	/* $1 the log of an alert event, $2 the event's time: the log as a
	 * notice names it. The event is made with its log, in its transaction,
	 * so the log is looked for in the partitions of that time only: by id
	 * alone every partition of logs was planned, and stayed in the
	 * notifier's caches. The bounds are sums of integers, which the planner
	 * works out (less an interval it would not: that depends on the time
	 * zone). */
	{ "channel_log_line",
	  "SELECT method || ' ' || path || coalesce(' → ' || status_code, '') FROM logs"
	  " WHERE id = $1 AND received_at >= usec_to_ts($2::bigint - 86400000000)"
	  "   AND received_at <= usec_to_ts($2::bigint + 60000000)" },
	QUEUE_STATEMENTS("channel", "alert_deliveries", "channel_id"),
	/* $1 issue, $2 when the notification was made: the ISSUE, and the event
	 * that made or reopened it (the first received since, in the same
	 * transaction; looked for among the issue's latest events only). */
	{ "issue_payload",
	  "SELECT " ISSUE_COLUMNS ", " EVENT_COLUMNS " FROM issues i LEFT JOIN LATERAL ("
	  "  SELECT * FROM (SELECT * FROM events WHERE issue_id = i.id ORDER BY id DESC LIMIT 1000) r"
	  "  WHERE received_at >= usec_to_ts($2) ORDER BY id LIMIT 1"
	  ") e ON true WHERE i.id = $1" },
	{ NULL, NULL }
};

static const struct db_statement *const statement_tables[] = { notifier_statements, NULL };

static struct {
	const struct deliver_config *config;
	char max_per_minute[24];            /* deliveries a rule may begin a minute */
} notifier;

/* The body of an alert's delivery: the ALERT EVENT, and the rule that fired
 * it. The caller puts it. */
static struct json_object *alert_payload(const PGresult *res)
{
	struct json_object *body = json_object_new_object(), *alert = json_object_new_object();
	char when[TIMEFMT_BUFSIZE];

	json_object_object_add(body, "id", json_object_new_string(PQgetvalue(res, 0, C_ID)));
	json_object_object_add(body, "alert_id", json_object_new_string(PQgetvalue(res, 0, A_ALERT_ID)));
	json_object_object_add(body, "log_id", json_object_new_string(PQgetvalue(res, 0, A_LOG_ID)));
	json_object_object_add(body, "field", json_object_new_string(PQgetvalue(res, 0, A_FIELD)));
	json_object_object_add(body, "observed_value", json_tokener_parse(PQgetvalue(res, 0, A_OBSERVED)));
	timefmt_format(strtoll(PQgetvalue(res, 0, A_CREATED), NULL, 10), when);
	json_object_object_add(body, "created_at", json_object_new_string(when));
	json_object_object_add(alert, "id", json_object_new_string(PQgetvalue(res, 0, A_ALERT_ID)));
	json_object_object_add(alert, "service_id", json_object_new_string(PQgetvalue(res, 0, A_SERVICE_ID)));
	json_object_object_add(alert, "name", json_object_new_string(PQgetvalue(res, 0, A_NAME)));
	json_object_object_add(alert, "condition_field", json_object_new_string(PQgetvalue(res, 0, A_COND_FIELD)));
	json_object_object_add(alert, "condition_operator", json_object_new_string(PQgetvalue(res, 0, A_COND_OP)));
	json_object_object_add(alert, "condition_value", json_object_new_string(PQgetvalue(res, 0, A_COND_VALUE)));
	json_object_object_add(body, "alert", alert);
	return body;
}

/* {"id", "action", "issue": ISSUE, "event": EVENT} for issue issue_id,
 * told at created (microseconds); NULL when the issue is gone (merged away). */
static struct json_object *issue_body(const char *id, const char *action, const char *issue_id,
				      const char *created)
{
	const char *values[2] = { issue_id, created };
	struct json_object *body = NULL;
	PGresult *rows = NULL;

	if (db_exec("issue_payload", 2, values, &rows) == DB_OK && PQntuples(rows) == 1) {
		body = json_object_new_object();
		json_object_object_add(body, "id", json_object_new_string(id));
		json_object_object_add(body, "action", json_object_new_string(action));
		json_object_object_add(body, "issue", render_issue(rows, 0, 0));
		json_object_object_add(body, "event", PQgetisnull(rows, 0, ISSUE_COLUMN_COUNT) ? NULL :
				       render_event(rows, 0, ISSUE_COLUMN_COUNT));
	}
	PQclear(rows);
	return body;
}

/* The body of an issue notification queued before channels. */
static struct json_object *issue_payload(const PGresult *res)
{
	return issue_body(PQgetvalue(res, 0, C_ID), PQgetvalue(res, 0, I_ACTION),
			  PQgetvalue(res, 0, I_ISSUE_ID), PQgetvalue(res, 0, I_CREATED));
}

/* How an attempt ended: delivered, failed (another attempt follows, up to
 * MAX_ATTEMPTS), or failed for good (another would fail the same way). */
enum outcome { SENT, RETRY, GIVE_UP };

/* Column col of the claimed row, or NULL. */
static const char *value_or_null(const PGresult *res, int col)
{
	return PQgetisnull(res, 0, col) ? NULL : PQgetvalue(res, 0, col);
}

/* The webhook headers' part of the claimed row: its id, attempt, secret. */
static struct deliver_webhook webhook_of(const char *event, const PGresult *res)
{
	struct deliver_webhook w = { event, PQgetvalue(res, 0, C_ID), atoi(PQgetvalue(res, 0, C_ATTEMPTS)),
				     PQgetvalue(res, 0, C_SECRET_ID), value_or_null(res, C_NONCE) };

	return w;
}

/* A queue of webhooks of before channels: the payload, signed and POSTed. */
static enum outcome send_webhook(const char *event, struct json_object *(*payload)(const PGresult *),
				 const PGresult *res, struct deliver_result *r)
{
	struct deliver_webhook w = webhook_of(event, res);
	struct json_object *body;
	size_t len = 0;
	const char *text;
	int rc;

	if (PQgetisnull(res, 0, C_URL)) {
		snprintf(r->error, sizeof(r->error), "the webhook_url was removed");
		return GIVE_UP;
	}
	body = payload(res);
	text = body ? json_object_to_json_string_length(body, JSON_C_TO_STRING_PLAIN, &len) : NULL;
	if (!text) {
		snprintf(r->error, sizeof(r->error), "its body could not be made");
		json_object_put(body);
		return RETRY;
	}
	rc = deliver_webhook(PQgetvalue(res, 0, C_URL), text, len, &w, notifier.config, r);
	json_object_put(body);
	return rc == 0 ? SENT : r->permanent ? GIVE_UP : RETRY;
}

static enum outcome send_alert(const PGresult *res, struct deliver_result *r)
{
	return send_webhook("alert", alert_payload, res, r);
}

static enum outcome send_issue(const PGresult *res, struct deliver_result *r)
{
	return send_webhook("issue", issue_payload, res, r);
}

/* The notice of a claimed channel delivery; its texts are lent from res,
 * its link written into link. */
static struct notice notice_of(const PGresult *res, char *link, size_t size)
{
	int app = !PQgetisnull(res, 0, CH_APPLICATION_ID);
	struct notice n = {
		.state = PQgetvalue(res, 0, CH_STATE), .event_id = PQgetvalue(res, 0, CH_EVENT_ID),
		.rule_id = PQgetvalue(res, 0, CH_RULE_ID), .rule_name = PQgetvalue(res, 0, CH_RULE_NAME),
		.rule_kind = PQgetvalue(res, 0, CH_RULE_KIND),
		.owner_field = app ? "application_id" : "service_id",
		.owner_id = PQgetvalue(res, 0, app ? CH_APPLICATION_ID : CH_SERVICE_ID),
		.owner_name = PQgetvalue(res, 0, CH_OWNER_NAME), .metric = PQgetvalue(res, 0, CH_METRIC),
		.operator = value_or_null(res, CH_OPERATOR),
		.has_value = !PQgetisnull(res, 0, CH_VALUE), .value = atof(PQgetvalue(res, 0, CH_VALUE)),
		.has_threshold = !PQgetisnull(res, 0, CH_THRESHOLD),
		.threshold = atof(PQgetvalue(res, 0, CH_THRESHOLD)),
		.window_seconds = atoll(PQgetvalue(res, 0, CH_WINDOW)),
		.route = value_or_null(res, CH_ROUTE), .method = value_or_null(res, CH_METHOD),
		.detail = value_or_null(res, CH_DETAIL), .link = NULL,
		.at_usec = strtoll(PQgetvalue(res, 0, CH_CREATED), NULL, 10),
	};

	if (notifier.config->public_url) {
		snprintf(link, size, "%s/alerts-ui?alert=%s", notifier.config->public_url, n.rule_id);
		n.link = link;
	}
	return n;
}

/* A delivery to a channel: the notice in the channel's format. A webhook
 * channel tells an issue rule's event as an application's webhook_url always
 * has ({"id", "action", "issue", "event"}, X-Telltale-Event: issue). */
static enum outcome send_channel(const PGresult *res, struct deliver_result *r)
{
	struct deliver_channel ch = { channel_kind_from_name(PQgetvalue(res, 0, CH_KIND)),
				      value_or_null(res, C_URL), value_or_null(res, CH_TO) };
	int issue = !PQgetisnull(res, 0, CH_ISSUE_ID);
	struct deliver_webhook w = webhook_of(issue ? "issue" : "alert", res);
	struct json_object *body = NULL;
	char link[2200];
	struct notice n = notice_of(res, link, sizeof(link));
	PGresult *line = NULL;
	int rc;

	if (!n.detail && !PQgetisnull(res, 0, CH_LOG_ID)) {
		const char *values[2] = { PQgetvalue(res, 0, CH_LOG_ID), PQgetvalue(res, 0, CH_CREATED) };

		if (db_exec("channel_log_line", 2, values, &line) == DB_OK && PQntuples(line) == 1)
			n.detail = PQgetvalue(line, 0, 0);
	}

	/* The receiver deduplicates on the event's id, in the body and the header. */
	w.delivery_id = PQgetvalue(res, 0, CH_EVENT_ID);
	if (ch.kind == CHANNEL_WEBHOOK && issue) {
		body = issue_body(PQgetvalue(res, 0, CH_EVENT_ID),
				  strcmp(n.metric, "regression") == 0 ? "regressed" : "created",
				  PQgetvalue(res, 0, CH_ISSUE_ID), PQgetvalue(res, 0, CH_CREATED));
		if (!body) {
			snprintf(r->error, sizeof(r->error), "the issue is gone");
			PQclear(line);
			return GIVE_UP;
		}
	}
	rc = deliver_notice(&ch, &n, body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN) : NULL,
			    &w, notifier.config, r);
	json_object_put(body);
	PQclear(line);
	return rc == 0 ? SENT : r->permanent ? GIVE_UP : RETRY;
}

/* A table of deliveries: its statements (queue "_claim", "_delivered"...)
 * and how a claimed row is sent. */
struct queue {
	const char *name;
	const char *claim, *delivered, *failed, *abandon, *cap, *next_due;
	enum outcome (*send)(const PGresult *claimed, struct deliver_result *r);
};

#define QUEUE(name, send) \
	{ name, name "_claim", name "_delivered", name "_failed", name "_abandon", name "_cap", \
	  name "_next_due", send }

static const struct queue queues[] = {
	QUEUE("alert", send_alert),
	QUEUE("issue", send_issue),
	QUEUE("channel", send_channel),
};

#define NQUEUES (sizeof(queues) / sizeof(queues[0]))

/* Runs a statement that records an outcome, again and again while the
 * database is away (the POST has happened: its outcome must not be lost to
 * a blip), until it lands or a stop is asked for. */
static void record(const char *stmt, int nparams, const char *const *values)
{
	for (;;) {
		PGresult *res = NULL;
		enum db_status st = db_exec(stmt, nparams, values, &res);

		PQclear(res);
		if (st != DB_UNAVAILABLE || signals_stop_requested())
			return;
		db_wait_notification(1000);
	}
}

/* Records a failed attempt: another one later, or none after MAX_ATTEMPTS. */
static void record_failure(const struct queue *q, const char *id, int attempts, const char *why)
{
	char delay[24];
	const char *values[3] = { id, why, NULL };

	if (attempts < MAX_ATTEMPTS) {
		snprintf(delay, sizeof(delay), "%ld", (long)FIRST_RETRY_MS << (attempts - 1));
		values[2] = delay;
		log_msg("notifier: %s %s, attempt %d: %s; next attempt in %s ms", q->name, id, attempts,
			why, delay);
	} else {
		log_msg("notifier: %s %s, attempt %d: %s; giving up", q->name, id, attempts, why);
	}
	record(q->failed, 3, values);
}

/* Sends the row of q claimed (row 0 of res) and records how it went. */
static void deliver(const struct queue *q, const PGresult *res)
{
	const char *id = PQgetvalue(res, 0, C_ID);
	int attempts = atoi(PQgetvalue(res, 0, C_ATTEMPTS));
	struct deliver_result r;
	enum outcome o;

	memset(&r, 0, sizeof(r));
	o = q->send(res, &r);
	if (o == SENT) {
		if (r.status_code)
			log_msg("notifier: %s %s, attempt %d: delivered (HTTP %d)", q->name, id, attempts,
				r.status_code);
		else
			log_msg("notifier: %s %s, attempt %d: delivered", q->name, id, attempts);
		record(q->delivered, 1, &id);
	} else {
		record_failure(q, id, o == GIVE_UP ? MAX_ATTEMPTS : attempts, r.error);
	}
}

/* 1 when the claimed row (row 0 of res), on its first attempt, is over its
 * owner's cap (a rule's, an application's) and has been recorded as capped
 * instead of sent. */
static int capped(const struct queue *q, const PGresult *res)
{
	const char *values[3] = { PQgetvalue(res, 0, C_ID), PQgetvalue(res, 0, C_OWNER),
				  notifier.max_per_minute };
	PGresult *cap = NULL;
	int n;

	if (atoi(PQgetvalue(res, 0, C_ATTEMPTS)) != 1 || db_exec(q->cap, 3, values, &cap) != DB_OK)
		return 0;
	n = PQntuples(cap);
	PQclear(cap);
	if (n)
		log_msg("notifier: %s %s not sent: its sender is at %s deliveries a minute",
			q->name, values[0], notifier.max_per_minute);
	return n > 0;
}

/* Claims the row of q due first and delivers it. Returns 1 when there was
 * one, 0 when none is due, -1 when the database failed. */
static int deliver_next(const struct queue *q)
{
	PGresult *res = NULL;

	if (db_exec(q->claim, 0, NULL, &res) != DB_OK)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 0;
	}
	if (!capped(q, res))
		deliver(q, res);
	PQclear(res);
	return 1;
}

/* Delivers what is due in every queue, a row of each in turn. */
static void deliver_due(void)
{
	int more = 1;

	while (more && !signals_stop_requested()) {
		more = 0;
		for (size_t i = 0; i < NQUEUES && !signals_stop_requested(); i++)
			more |= deliver_next(&queues[i]) > 0;
	}
}

/* Gives up on the attempts of notifiers that died mid-way. */
static void abandon_stale(void)
{
	char ms[24];
	const char *values[1] = { ms };

	snprintf(ms, sizeof(ms), "%d", STALE_SENDING_MS);
	for (size_t i = 0; i < NQUEUES; i++) {
		PGresult *res = NULL;

		if (db_exec(queues[i].abandon, 1, values, &res) == DB_OK &&
		    strcmp(PQcmdTuples(res), "0") != 0)
			log_msg("notifier: %s interrupted %s delivery(ies) marked failed",
				PQcmdTuples(res), queues[i].name);
		PQclear(res);
	}
}

/* How long to sleep: until the next retry is due, at most POLL_MS, at least
 * a little (a row due but claimed by another notifier must not spin us). */
static int sleep_ms(void)
{
	long long due = POLL_MS;

	for (size_t i = 0; i < NQUEUES; i++) {
		PGresult *res = NULL;

		if (db_exec(queues[i].next_due, 0, NULL, &res) == DB_OK && !PQgetisnull(res, 0, 0) &&
		    strtoll(PQgetvalue(res, 0, 0), NULL, 10) < due)
			due = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
	}
	return due < 50 ? 50 : due > POLL_MS ? POLL_MS : (int)due;
}

static void configure(void)
{
	const char *cap = getenv("TELLTALE_WEBHOOK_MAX_PER_MINUTE");

	snprintf(notifier.max_per_minute, sizeof(notifier.max_per_minute), "%d",
		 cap && atoi(cap) > 0 ? atoi(cap) : 60);
	notifier.config = deliver_config_from_env();
	if (!notifier.config->signing_key)
		log_msg("notifier: TELLTALE_WEBHOOK_SECRET is not set: no webhook is sent, none unsigned");
}

int main(void)
{
	signals_install();
	configure();
	/* channel_log_line finds a log by its time (db.h says why). */
	db_custom_plans();
	if (db_init("telltale-notifier", getenv("DATABASE_URL"), STATEMENT_TIMEOUT_MS,
		    statement_tables) != 0) {
		log_msg("notifier: out of memory");
		return 1;
	}
	log_msg("notifier ready");
	while (!signals_stop_requested()) {
		/* LISTEN each round: a no-op on a connection that listens, and it
		 * re-arms one that db_ has just reconnected. It comes before the
		 * queue is read, so nothing committed in between is missed. */
		if (db_exec_sql("LISTEN telltale_alerts") == DB_OK) {
			abandon_stale();
			deliver_due();
		}
		if (!signals_stop_requested())
			db_wait_notification(sleep_ms());
	}
	log_msg("notifier stopping");
	db_close();
	return 0;
}
