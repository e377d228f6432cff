/* telltale-rollup: keeps the hourly event counts that the statistics read
 * (sql/003_event_rollups.sql) and the hourly log counts and latency
 * histograms that the metrics read (sql/007_log_rollups.sql). Once a second
 * it runs rollup_events() and rollup_logs(), which count what was received
 * since their last run; the work stays off the request path, and no ingest
 * waits on a counter row. One process is enough; advisory locks make a second
 * one harmless.
 *
 * Environment: DATABASE_URL (libpq conninfo or URI), TELLTALE_ROLLUP_INTERVAL_MS
 * (default 1000). Stops on SIGTERM, SIGINT, SIGHUP or SIGQUIT. */
#include <stdlib.h>
#include <time.h>

#include "db/db.h"
#include "base/log.h"
#include "base/signals.h"

static const struct db_statement rollup_statements[] = {
	{ "rollup_events", "SELECT rollup_events()" },
	{ "rollup_logs", "SELECT rollup_logs()" },
	{ NULL, NULL }
};

static const struct db_statement *const statement_tables[] = { rollup_statements, NULL };

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int main(void)
{
	const char *interval = getenv("TELLTALE_ROLLUP_INTERVAL_MS");
	long interval_ms = interval && *interval ? atol(interval) : 1000;

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
		sleep_ms(interval_ms > 0 ? interval_ms : 1000);
	}
	log_msg("rollup stopping");
	db_close();
	return 0;
}
