/* telltale-notifier: delivers the webhooks of alert events, off the request
 * path. An ingest that records an event whose rule has a webhook_url sends
 * NOTIFY telltale_alerts at commit (the trigger logs_fire_alerts, sql/010);
 * this process LISTENs, and also looks every POLL_MS in case a notification
 * was missed.
 *
 * One delivery: claim the event (one committed UPDATE that picks it with FOR
 * UPDATE SKIP LOCKED and marks it 'sending'), POST it through the outbound
 * guard (outbound.h), and record the outcome: 'delivered' right after a 2xx;
 * otherwise 'pending' again with next_attempt_at pushed back 1, 2, 4, 8 s,
 * until MAX_ATTEMPTS have failed ('failed'). The schedule lives in the
 * database, so a restart keeps it. An event left 'sending' by a notifier
 * that died mid-attempt may or may not have arrived: it is marked 'failed'
 * and never sent again, so no receiver sees an event twice.
 *
 * The body is the alert event as JSON; X-Telltale-Signature is
 * "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">" under the rule's
 * secret (pure/signature.h). A rule made before secrets were per rule also
 * gets the signature of before, "sha256=<hex HMAC-SHA256 of the body>" under
 * the stack's key, in a second X-Telltale-Signature, for one release.
 *
 * Environment: DATABASE_URL (libpq conninfo or URI), TELLTALE_WEBHOOK_SECRET
 * (the signing key; without it nothing is sent: a delivery fails, and that is
 * logged), TELLTALE_WEBHOOK_MAX_PER_MINUTE (the deliveries a rule may begin a
 * minute, 60; past it an event is recorded as capped, not sent), REPLAY_ALLOW
 * (the CIDRs the outbound guard admits). Stops on SIGTERM, SIGINT, SIGHUP or
 * SIGQUIT, after the delivery in hand; never exits for a database fault. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include <json-c/json.h>

#include "db/db.h"
#include "base/log.h"
#include "outbound/outbound.h"
#include "base/signals.h"
#include "pure/signature.h"
#include "pure/timefmt.h"

#define POLL_MS 2000
#define MAX_ATTEMPTS 5
#define FIRST_RETRY_MS 1000
/* An attempt takes at most the outbound timeout; one 'sending' for longer
 * than this belongs to a notifier that is gone. */
#define STALE_SENDING_MS 60000
#define STATEMENT_TIMEOUT_MS 5000

#define CLAIMED_COLUMNS \
	"e.id, e.alert_id, e.log_id, e.field, e.observed_value, ts_to_usec(e.created_at)," \
	" e.delivery_attempts, a.webhook_url, a.service_id, a.name, a.condition_field," \
	" a.condition_operator, a.condition_value, a.webhook_secret_nonce"

enum claimed_column {
	C_ID, C_ALERT_ID, C_LOG_ID, C_FIELD, C_OBSERVED, C_CREATED, C_ATTEMPTS, C_URL,
	C_SERVICE_ID, C_NAME, C_COND_FIELD, C_COND_OP, C_COND_VALUE, C_NONCE,
};

static const struct db_statement notifier_statements[] = {
	/* The event due first, marked 'sending' and committed before the POST:
	 * a second notifier skips it, and a restart finds it claimed. */
	{ "notifier_claim",
	  "UPDATE alert_events e SET delivery_status = 'sending',"
	  "  delivery_attempts = e.delivery_attempts + 1, last_attempt_at = now(),"
	  "  next_attempt_at = NULL"
	  " FROM alerts a"
	  " WHERE e.id = (SELECT id FROM alert_events WHERE delivery_status = 'pending'"
	  "   AND next_attempt_at <= now() ORDER BY next_attempt_at, id LIMIT 1"
	  "   FOR UPDATE SKIP LOCKED)"
	  "  AND a.id = e.alert_id"
	  " RETURNING " CLAIMED_COLUMNS },
	{ "notifier_delivered",
	  "UPDATE alert_events SET delivery_status = 'delivered', delivered_at = now(),"
	  "  delivery_error = NULL"
	  " WHERE id = $1 AND delivery_status = 'sending'" },
	/* $2 why; $3 the milliseconds until the next attempt, NULL when none follows. */
	{ "notifier_failed",
	  "UPDATE alert_events SET delivery_error = $2,"
	  "  delivery_status = CASE WHEN $3::bigint IS NULL THEN 'failed' ELSE 'pending' END,"
	  "  next_attempt_at = now() + $3::bigint * interval '1 millisecond'"
	  " WHERE id = $1 AND delivery_status = 'sending'" },
	{ "notifier_abandon",
	  "UPDATE alert_events SET delivery_status = 'failed',"
	  "  delivery_error = 'the notifier stopped during an attempt whose outcome is unknown;"
	  " not sent again, so that it is never delivered twice'"
	  " WHERE delivery_status = 'sending'"
	  "  AND last_attempt_at < now() - $1::bigint * interval '1 millisecond'" },
	/* The claimed event $1 of rule $2, on its first attempt, is capped when the
	 * rule has begun $3 deliveries in the last minute: recorded, not sent.
	 * (An event attempted in the last minute was made in the last hour: the
	 * bound lets the rule's index find them.) */
	{ "notifier_cap",
	  "UPDATE alert_events SET delivery_status = 'capped', delivery_attempts = 0,"
	  "  delivery_error = 'not sent: the rule had sent ' || $3 || ' deliveries in the minute before'"
	  " WHERE id = $1 AND delivery_status = 'sending'"
	  "  AND (SELECT count(*) FROM alert_events x WHERE x.alert_id = $2 AND x.id <> $1"
	  "       AND x.created_at > now() - interval '1 hour' AND x.delivery_attempts > 0"
	  "       AND x.last_attempt_at > now() - interval '1 minute') >= $3::bigint"
	  " RETURNING id" },
	/* Milliseconds until the next pending event is due (NULL when none). */
	{ "notifier_next_due",
	  "SELECT ceil(extract(epoch FROM min(next_attempt_at) - now()) * 1000)::bigint"
	  " FROM alert_events WHERE delivery_status = 'pending'" },
	{ NULL, NULL }
};

static const struct db_statement *const statement_tables[] = { notifier_statements, NULL };

static struct {
	const char *key;                    /* the signing key; NULL: nothing is sent */
	char max_per_minute[24];            /* deliveries a rule may begin a minute */
	struct cidr_list allow;
} notifier;

/* The body of a delivery: the ALERT EVENT, and the rule that fired it. The
 * caller puts it. */
static struct json_object *payload_json(const PGresult *res)
{
	struct json_object *body = json_object_new_object(), *alert = json_object_new_object();
	char when[TIMEFMT_BUFSIZE];

	json_object_object_add(body, "id", json_object_new_string(PQgetvalue(res, 0, C_ID)));
	json_object_object_add(body, "alert_id", json_object_new_string(PQgetvalue(res, 0, C_ALERT_ID)));
	json_object_object_add(body, "log_id", json_object_new_string(PQgetvalue(res, 0, C_LOG_ID)));
	json_object_object_add(body, "field", json_object_new_string(PQgetvalue(res, 0, C_FIELD)));
	json_object_object_add(body, "observed_value", json_tokener_parse(PQgetvalue(res, 0, C_OBSERVED)));
	timefmt_format(strtoll(PQgetvalue(res, 0, C_CREATED), NULL, 10), when);
	json_object_object_add(body, "created_at", json_object_new_string(when));
	json_object_object_add(alert, "id", json_object_new_string(PQgetvalue(res, 0, C_ALERT_ID)));
	json_object_object_add(alert, "service_id", json_object_new_string(PQgetvalue(res, 0, C_SERVICE_ID)));
	json_object_object_add(alert, "name", json_object_new_string(PQgetvalue(res, 0, C_NAME)));
	json_object_object_add(alert, "condition_field", json_object_new_string(PQgetvalue(res, 0, C_COND_FIELD)));
	json_object_object_add(alert, "condition_operator", json_object_new_string(PQgetvalue(res, 0, C_COND_OP)));
	json_object_object_add(alert, "condition_value", json_object_new_string(PQgetvalue(res, 0, C_COND_VALUE)));
	json_object_object_add(body, "alert", alert);
	return body;
}

/* The header lines of a delivery (lines, NULL-terminated) and the room
 * their variable parts are written in. */
struct headers {
	char delivery[64], attempt[48];
	char signature[32 + SIGNATURE_HEADER_MAX], legacy[32 + 7 + SIGNATURE_HEX_LEN];
	const char *lines[9];
};

/* Fills h for the claimed event (row 0 of res) and its body, signed at
 * unix time now. Returns 0, or -1 with why when it cannot be signed. */
static int headers_fill(struct headers *h, const PGresult *res, const char *body, size_t len,
			int64_t now, const char **why)
{
	char secret[SIGNATURE_SECRET_LEN + 1], sig[SIGNATURE_HEADER_MAX + 1];
	char legacy[7 + SIGNATURE_HEX_LEN + 1];
	int before = PQgetisnull(res, 0, C_NONCE);
	size_t n = 0;

	*why = "no signing key is set (TELLTALE_WEBHOOK_SECRET): nothing is sent unsigned";
	if (!notifier.key)
		return -1;
	*why = "the body could not be signed";
	if (signature_secret(notifier.key, PQgetvalue(res, 0, C_ALERT_ID),
			     before ? "" : PQgetvalue(res, 0, C_NONCE), secret) != 0 ||
	    signature_header(secret, now, body, len, sig) != 0 ||
	    (before && signature_legacy(notifier.key, body, len, legacy) != 0))
		return -1;
	h->lines[n++] = "Content-Type: application/json";
	h->lines[n++] = "User-Agent: telltale-notifier/1";
	h->lines[n++] = "X-Telltale-Event: alert";
	snprintf(h->delivery, sizeof(h->delivery), "X-Telltale-Delivery: %s", PQgetvalue(res, 0, C_ID));
	h->lines[n++] = h->delivery;
	snprintf(h->attempt, sizeof(h->attempt), "X-Telltale-Attempt: %s", PQgetvalue(res, 0, C_ATTEMPTS));
	h->lines[n++] = h->attempt;
	snprintf(h->signature, sizeof(h->signature), "X-Telltale-Signature: %s", sig);
	h->lines[n++] = h->signature;
	if (before) {
		snprintf(h->legacy, sizeof(h->legacy), "X-Telltale-Signature: %s", legacy);
		h->lines[n++] = h->legacy;
	}
	h->lines[n] = NULL;
	return 0;
}

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
static void record_failure(const char *id, int attempts, const char *why)
{
	char delay[24];
	const char *values[3] = { id, why, NULL };

	if (attempts < MAX_ATTEMPTS) {
		snprintf(delay, sizeof(delay), "%ld", (long)FIRST_RETRY_MS << (attempts - 1));
		values[2] = delay;
		log_msg("notifier: event %s, attempt %d: %s; next attempt in %s ms", id, attempts, why, delay);
	} else {
		log_msg("notifier: event %s, attempt %d: %s; giving up", id, attempts, why);
	}
	record("notifier_failed", 3, values);
}

/* POSTs the claimed event (row 0 of res) and records how it went. */
static void deliver(const PGresult *res)
{
	const char *id = PQgetvalue(res, 0, C_ID);
	int attempts = atoi(PQgetvalue(res, 0, C_ATTEMPTS));
	struct json_object *body = payload_json(res);
	size_t len = 0;
	const char *text = json_object_to_json_string_length(body, JSON_C_TO_STRING_PLAIN, &len);
	struct headers h;
	struct outbound_request out = { "POST", PQgetvalue(res, 0, C_URL), h.lines, text, len };
	struct outbound_response resp;
	char why[OUTBOUND_ERROR_MAX + 32];
	const char *unsigned_why;

	memset(&resp, 0, sizeof(resp));
	if (headers_fill(&h, res, text, len, (int64_t)time(NULL), &unsigned_why) != 0) {
		record_failure(id, MAX_ATTEMPTS, unsigned_why);
	} else if (outbound_send(&out, &notifier.allow, &resp) == 0 &&
		   resp.status_code >= 200 && resp.status_code < 300) {
		log_msg("notifier: event %s, attempt %d: delivered (HTTP %d)", id, attempts, resp.status_code);
		record("notifier_delivered", 1, &id);
	} else {
		if (resp.status_code)
			snprintf(why, sizeof(why), "the receiver answered HTTP %d", resp.status_code);
		else
			snprintf(why, sizeof(why), "%s", resp.error[0] ? resp.error : "no answer");
		record_failure(id, attempts, why);
	}
	outbound_response_release(&resp);
	json_object_put(body);
}

/* 1 when the claimed event (row 0 of res), on its first attempt, is over its
 * rule's cap and has been recorded as capped instead of sent. */
static int capped(const PGresult *res)
{
	const char *values[3] = { PQgetvalue(res, 0, C_ID), PQgetvalue(res, 0, C_ALERT_ID),
				  notifier.max_per_minute };
	PGresult *cap = NULL;
	int n;

	if (atoi(PQgetvalue(res, 0, C_ATTEMPTS)) != 1 ||
	    db_exec("notifier_cap", 3, values, &cap) != DB_OK)
		return 0;
	n = PQntuples(cap);
	PQclear(cap);
	if (n)
		log_msg("notifier: event %s not sent: its rule is at %s deliveries a minute",
			values[0], notifier.max_per_minute);
	return n > 0;
}

/* Claims the event due first and delivers it. Returns 1 when there was one,
 * 0 when none is due, -1 when the database failed. */
static int deliver_next(void)
{
	PGresult *res = NULL;

	if (db_exec("notifier_claim", 0, NULL, &res) != DB_OK)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 0;
	}
	if (!capped(res))
		deliver(res);
	PQclear(res);
	return 1;
}

/* Gives up on the attempts of notifiers that died mid-way. */
static void abandon_stale(void)
{
	char ms[24];
	const char *values[1] = { ms };
	PGresult *res = NULL;

	snprintf(ms, sizeof(ms), "%d", STALE_SENDING_MS);
	if (db_exec("notifier_abandon", 1, values, &res) == DB_OK && strcmp(PQcmdTuples(res), "0") != 0)
		log_msg("notifier: %s interrupted delivery(ies) marked failed", PQcmdTuples(res));
	PQclear(res);
}

/* How long to sleep: until the next retry is due, at most POLL_MS, at least
 * a little (an event due but claimed by another notifier must not spin us). */
static int sleep_ms(void)
{
	PGresult *res = NULL;
	long long due = POLL_MS;

	if (db_exec("notifier_next_due", 0, NULL, &res) == DB_OK && !PQgetisnull(res, 0, 0))
		due = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return due < 50 ? 50 : due > POLL_MS ? POLL_MS : (int)due;
}

static void configure(void)
{
	const char *key = getenv("TELLTALE_WEBHOOK_SECRET");
	const char *allow = getenv("REPLAY_ALLOW");
	const char *cap = getenv("TELLTALE_WEBHOOK_MAX_PER_MINUTE");

	snprintf(notifier.max_per_minute, sizeof(notifier.max_per_minute), "%d",
		 cap && atoi(cap) > 0 ? atoi(cap) : 60);
	notifier.key = key && *key ? key : NULL;
	if (!notifier.key)
		log_msg("notifier: TELLTALE_WEBHOOK_SECRET is not set: no webhook is sent, none unsigned");
	/* A broken allow-list admits nothing beyond the guard's defaults. */
	if (cidr_list_parse(allow ? allow : "", &notifier.allow) != 0) {
		log_msg("notifier: REPLAY_ALLOW is malformed and ignored: %s", allow);
		memset(&notifier.allow, 0, sizeof(notifier.allow));
	}
}

int main(void)
{
	signals_install();
	configure();
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
			while (!signals_stop_requested() && deliver_next() > 0)
				;
		}
		if (!signals_stop_requested())
			db_wait_notification(sleep_ms());
	}
	log_msg("notifier stopping");
	db_close();
	return 0;
}
