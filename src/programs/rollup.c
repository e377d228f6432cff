/* telltale-rollup: keeps the hourly event counts that the statistics read
 * (sql/003_event_rollups.sql) and the hourly log counts and latency
 * histograms that the metrics read (sql/007_log_rollups.sql). Once a second
 * it runs rollup_events() and rollup_logs(), which count what was received
 * since their last run; the work stays off the request path, and no ingest
 * waits on a counter row. One process is enough; advisory locks make a second
 * one harmless.
 *
 * rollup_issues() adds the new events to their issues (sql/020). Events
 * stored before issues existed are grouped here, a batch at a time after each
 * round: their fingerprints come from the ingest's own code
 * (pure/fingerprint.h), and the database files them (issue_group_old_events).
 *
 * rollup_log_minutes() keeps the per-minute log counts that window alert
 * rules read, and every TELLTALE_ALERT_INTERVAL_S this process is the
 * rules' scheduler: alert_windows_evaluate() evaluates every enabled window
 * rule and records the changes of state (sql/024). It runs right after the
 * counts are brought up to date, so a rule sees the logs of a second ago.
 *
 * Environment: DATABASE_URL (libpq conninfo or URI), TELLTALE_ROLLUP_INTERVAL_MS
 * (default 1000), TELLTALE_ALERT_INTERVAL_S (default 30, at least 1). Stops
 * on SIGTERM, SIGINT, SIGHUP or SIGQUIT. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "db/db.h"
#include "base/log.h"
#include "base/signals.h"
#include "pure/fingerprint.h"

/* Events grouped a statement, and statements a round: a backlog of old events
 * is worked off without holding the counts back for long. */
#define GROUP_BATCH 500
#define GROUP_BATCHES_PER_ROUND 20

static const struct db_statement rollup_statements[] = {
	{ "rollup_events", "SELECT rollup_events()" },
	{ "rollup_logs", "SELECT rollup_logs()" },
	{ "rollup_issues", "SELECT rollup_issues()" },
	{ "rollup_log_minutes", "SELECT rollup_log_minutes()" },
	{ NULL, NULL }
};

static const struct db_statement alert_statements[] = {
	{ "alerts_evaluate", "SELECT alert_windows_evaluate()" },
	{ NULL, NULL }
};

static const struct db_statement group_statements[] = {
	/* Through the partial index of the events without an issue. */
	{ "rollup_ungrouped",
	  "SELECT id, message, stack, ts_to_usec(received_at) FROM events"
	  " WHERE issue_id IS NULL AND received_at < (SELECT issues_rolled_until FROM rollup_state)"
	  " ORDER BY id LIMIT 500" },
	{ "rollup_group", "SELECT issue_group_old_events($1::json)" },
	/* Once no event is left without an issue, none is again: every event
	 * stored since sql/020 is grouped as it is stored. */
	{ "rollup_old_grouped", "SELECT old_events_grouped FROM rollup_state" },
	{ "rollup_old_grouped_set", "UPDATE rollup_state SET old_events_grouped = true" },
	{ NULL, NULL }
};

static const struct db_statement *const statement_tables[] = {
	rollup_statements, group_statements, alert_statements, NULL
};

/* {"id", "at", "fp", "title", "culprit"} of row i of rollup_ungrouped's
 * result, or NULL on no memory. */
static struct json_object *grouping_of(const PGresult *res, int i)
{
	struct json_object *stack = NULL, *item;
	struct fingerprint fp;

	if (!PQgetisnull(res, i, 2))
		stack = json_tokener_parse(PQgetvalue(res, i, 2));
	if (fingerprint_of(stack, PQgetvalue(res, i, 1), (size_t)PQgetlength(res, i, 1), NULL, &fp) != 0) {
		json_object_put(stack);
		return NULL;
	}
	item = json_object_new_object();
	json_object_object_add(item, "id", json_object_new_int64(strtoll(PQgetvalue(res, i, 0), NULL, 10)));
	json_object_object_add(item, "at", json_object_new_int64(strtoll(PQgetvalue(res, i, 3), NULL, 10)));
	json_object_object_add(item, "fp", json_object_new_string(fp.hex));
	json_object_object_add(item, "title", json_object_new_string(fp.title));
	json_object_object_add(item, "culprit", fp.culprit ? json_object_new_string(fp.culprit) : NULL);
	fingerprint_release(&fp);
	json_object_put(stack);
	return item;
}

/* Groups one batch of old events. Returns how many there were (0: none
 * left), or -1 when the database or memory failed. */
static int group_batch(void)
{
	PGresult *res = NULL, *done = NULL;
	struct json_object *batch;
	const char *text;
	int n, rc;

	if (db_exec("rollup_ungrouped", 0, NULL, &res) != DB_OK) {
		PQclear(res);
		return -1;
	}
	n = PQntuples(res);
	batch = json_object_new_array_ext(n);
	for (int i = 0; i < n && batch; i++) {
		struct json_object *item = grouping_of(res, i);

		if (!item || json_object_array_add(batch, item) != 0) {
			json_object_put(item);
			json_object_put(batch);
			batch = NULL;
		}
	}
	PQclear(res);
	if (!batch)
		return -1;
	text = json_object_to_json_string_ext(batch, JSON_C_TO_STRING_PLAIN);
	rc = n > 0 && db_exec("rollup_group", 1, &text, &done) != DB_OK ? -1 : n;
	PQclear(done);
	json_object_put(batch);
	return rc;
}

/* 1 when the events stored before issues existed are all grouped (or the
 * database cannot say now). */
static int old_events_grouped(void)
{
	PGresult *res = NULL;
	int grouped = db_exec("rollup_old_grouped", 0, NULL, &res) != DB_OK ||
		      (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0);

	PQclear(res);
	return grouped;
}

/* Groups old events, a few batches a round, until none is left; then says
 * so in the database, so that no process looks again. Looking reads every
 * partition of events, and the session would keep every one of them and
 * their indexes in its caches (about 20 MB): it ends with the search, and the
 * next round connects again. */
static void group_old_events(void)
{
	PGresult *res = NULL;
	int n = 1;

	if (old_events_grouped())
		return;
	for (int i = 0; i < GROUP_BATCHES_PER_ROUND && n > 0 && !signals_stop_requested(); i++)
		n = group_batch();
	if (n == 0 && db_exec("rollup_old_grouped_set", 0, NULL, &res) == DB_OK)
		db_disconnect();
	PQclear(res);
}

/* Evaluates the window rules when interval_ms has passed since the last
 * round that ran (*last, 0 at first). */
static void evaluate_alerts(long long interval_ms, long long *last)
{
	PGresult *res = NULL;
	long long now = log_now_usec() / 1000;

	if (*last && now - *last < interval_ms)
		return;
	if (db_exec("alerts_evaluate", 0, NULL, &res) == DB_OK) {
		*last = now;
		if (!PQgetisnull(res, 0, 0) && strcmp(PQgetvalue(res, 0, 0), "0") != 0)
			log_msg("rollup: %s alert rule(s) changed state", PQgetvalue(res, 0, 0));
	}
	PQclear(res);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int main(void)
{
	const char *interval = getenv("TELLTALE_ROLLUP_INTERVAL_MS");
	const char *alert_interval = getenv("TELLTALE_ALERT_INTERVAL_S");
	long interval_ms = interval && *interval ? atol(interval) : 1000;
	long long alert_ms = 1000LL * (alert_interval && atol(alert_interval) > 0 ? atol(alert_interval) : 30);
	long long alerts_last = 0;

	signals_install();
	/* A run may scan a backlog (the first one counts every stored event), so
	 * it gets ten minutes where a request gets seconds. */
	if (db_init("telltale-rollup", getenv("DATABASE_URL"), 600000, statement_tables) != 0) {
		log_msg("rollup: out of memory");
		return 1;
	}
	log_msg("rollup ready");
	while (!signals_stop_requested()) {
		/* A failure is logged by db_exec; the next round retries. Each
		 * statement is its own transaction, so one failing does not hold
		 * the other back. */
		for (const struct db_statement *s = rollup_statements; s->name; s++) {
			PGresult *res = NULL;

			db_exec(s->name, 0, NULL, &res);
			PQclear(res);
		}
		evaluate_alerts(alert_ms, &alerts_last);
		group_old_events();
		sleep_ms(interval_ms > 0 ? interval_ms : 1000);
	}
	log_msg("rollup stopping");
	db_close();
	return 0;
}
