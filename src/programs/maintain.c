/* telltale-maintain: keeps the time partitions of events and request logs
 * (sql/025), as the database's owner role, the one allowed to make and drop
 * tables. Every TELLTALE_MAINTAIN_INTERVAL_S seconds (default 300) it
 * 1. makes the day partitions of the next TELLTALE_PARTITION_DAYS_AHEAD days
 *    (default 7; /v1/health says "degraded" below 2);
 * 2. detaches, CONCURRENTLY, each partition older than its table's longest
 *    retention, and drops it: ingest goes on meanwhile, where a plain DETACH
 *    would lock the whole table;
 * 3. deletes, in batches, the rows past their own application's or
 *    service's shorter retention (reads hide them already);
 * 4. drops the hourly and daily counts older than 400 days, once an hour
 *    (it reads those tables whole).
 * A DETACH CONCURRENTLY cannot run inside a function, so the database names
 * the statements (partitions_expired, from the catalog, its names quoted by
 * format's %s of regclass) and this process runs them, the only statements
 * of telltale not written out in advance.
 *
 * Environment: DATABASE_URL (the owner's conninfo),
 * TELLTALE_MAINTAIN_INTERVAL_S (300, at least 1), TELLTALE_PARTITION_DAYS_AHEAD
 * (7, 2 to 60), TELLTALE_EVENT_RETENTION_DAYS (90) and
 * TELLTALE_LOG_RETENTION_DAYS (30): a table's horizon when it has no tenant.
 * Stops on SIGTERM, SIGINT, SIGHUP or SIGQUIT. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/signals.h"
#include "db/db.h"
#include "pure/retention.h"

/* Rows deleted a statement, and statements a round: a backlog of expired rows
 * goes without holding locks or a transaction open for long. */
#define DELETE_BATCH "10000"
#define DELETE_BATCHES_PER_ROUND 50

static const struct db_statement maintain_statements[] = {
	/* $1 days ahead. */
	{ "maintain_ensure",
	  "SELECT partitions_ensure(now(), now() + make_interval(days => $1::integer))" },
	/* $1 and $2 the default event and log retentions in days. */
	{ "maintain_expired", "SELECT part::text, statement FROM partitions_expired($1, $2)" },
	{ "maintain_drop", "SELECT partition_drop($1::regclass)" },
	{ "maintain_delete", "SELECT retention_delete($1, $2, $3)" },
	{ "maintain_prune", "SELECT prune_rollups()" },
	{ NULL, NULL }
};

static const struct db_statement *const statement_tables[] = { maintain_statements, NULL };

static struct {
	char days_ahead[16];
	char event_days[16];
	char log_days[16];
} settings;

/* Runs the statement name and drops its answer; 0 when it ran. */
static int run(const char *name, int n, const char *const *values)
{
	PGresult *res = NULL;
	int ok = db_exec(name, n, values, &res) == DB_OK;

	PQclear(res);
	return ok ? 0 : -1;
}

/* Detaches and drops the expired partitions; a failure is logged and the
 * next round tries again (a detach left pending is finished then). */
static void drop_expired(void)
{
	const char *args[] = { settings.event_days, settings.log_days };
	PGresult *res = NULL;

	if (db_exec("maintain_expired", 2, args, &res) != DB_OK)
		return;
	for (int i = 0; i < PQntuples(res) && !signals_stop_requested(); i++) {
		const char *part = PQgetvalue(res, i, 0);

		if (!PQgetisnull(res, i, 1) && db_exec_sql(PQgetvalue(res, i, 1)) != DB_OK)
			continue;
		if (run("maintain_drop", 1, &part) == 0)
			log_msg("maintain: dropped %s", part);
	}
	PQclear(res);
}

/* Deletes expired rows, a batch a statement, until none are left or the
 * round's share is spent. */
static void delete_expired(void)
{
	const char *args[] = { DELETE_BATCH, settings.event_days, settings.log_days };

	for (int i = 0; i < DELETE_BATCHES_PER_ROUND && !signals_stop_requested(); i++) {
		PGresult *res = NULL;
		int more;

		if (db_exec("maintain_delete", 3, args, &res) != DB_OK)
			return;
		more = strcmp(PQgetvalue(res, 0, 0), "0") != 0;
		PQclear(res);
		if (!more)
			return;
	}
}

#define PRUNE_INTERVAL_USEC (3600 * 1000000LL)

/* *pruned: when the rollups were last pruned (log_now_usec), 0 before. */
static void round_once(int64_t *pruned)
{
	const char *ahead = settings.days_ahead;

	run("maintain_ensure", 1, &ahead);
	drop_expired();
	delete_expired();
	if (*pruned && log_now_usec() - *pruned < PRUNE_INTERVAL_USEC)
		return;
	if (run("maintain_prune", 0, NULL) == 0)
		*pruned = log_now_usec();
}

/* Sleeps seconds, waking early for a stop. */
static void pause_s(long seconds)
{
	struct timespec ts = { 0, 100000000L };

	for (long i = 0; i < seconds * 10 && !signals_stop_requested(); i++)
		nanosleep(&ts, NULL);
}

static long setting(const char *name, long def, long min, long max)
{
	const char *text = getenv(name);
	long n = text && *text ? atol(text) : def;

	return n < min || n > max ? def : n;
}

int main(void)
{
	long interval_s = setting("TELLTALE_MAINTAIN_INTERVAL_S", 300, 1, 86400);
	int64_t pruned = 0;

	snprintf(settings.days_ahead, sizeof(settings.days_ahead), "%ld",
		 setting("TELLTALE_PARTITION_DAYS_AHEAD", 7, 2, 60));
	snprintf(settings.event_days, sizeof(settings.event_days), "%d",
		 retention_days_setting(getenv("TELLTALE_EVENT_RETENTION_DAYS"), RETENTION_EVENT_DAYS_DEFAULT));
	snprintf(settings.log_days, sizeof(settings.log_days), "%d",
		 retention_days_setting(getenv("TELLTALE_LOG_RETENTION_DAYS"), RETENTION_LOG_DAYS_DEFAULT));
	signals_install();
	/* A detach waits for the transactions that began before it, and a first
	 * round may delete a backlog: minutes, where a request gets seconds. */
	if (db_init("telltale-maintain", getenv("DATABASE_URL"), 600000, statement_tables) != 0) {
		log_msg("maintain: out of memory");
		return 1;
	}
	log_msg("maintain ready");
	while (!signals_stop_requested()) {
		round_once(&pruned);
		/* A round reads every partition's bounds and drops or makes
		 * some: its backend would hold all of them in its caches (about
		 * 9 MB) until the next round, minutes later. */
		db_disconnect();
		pause_s(interval_s);
	}
	log_msg("maintain stopping");
	db_close();
	return 0;
}
