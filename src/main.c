/* telltale-worker: a FastCGI worker. spawn-fcgi hands it the listening socket
 * as fd 0 and multiwatch keeps N of them alive; each serves one request at a
 * time over its own PostgreSQL connection.
 *
 * Environment: DATABASE_URL (libpq conninfo or URI; empty means libpq's
 * defaults), TELLTALE_STATEMENT_TIMEOUT_MS (default 5000). */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alerts.h"
#include "apps.h"
#include "conns.h"
#include "db.h"
#include "events.h"
#include "log.h"
#include "logs.h"
#include "metrics.h"
#include "replay.h"
#include "request.h"
#include "response.h"
#include "router.h"
#include "sentry.h"
#include "service_keys.h"
#include "services.h"
#include "signals.h"
#include "stats.h"

#define LISTEN_FD 0

static const struct db_statement *const statement_tables[] = {
	apps_statements, events_statements, stats_statements, sentry_statements,
	services_statements, service_keys_statements, logs_statements, metrics_statements,
	replay_statements, alerts_statements, NULL
};

static int env_int(const char *name, int def)
{
	const char *v = getenv(name);

	return v && *v ? atoi(v) : def;
}

/* Heap growth a worker keeps between requests, at most. glibc keeps what a
 * big request (a bulk of events, a month of statistics) freed below the top
 * of the heap; giving it back keeps every worker's memory flat. The top of
 * the heap is a cheap measure (mallinfo2 walks every free chunk): when it
 * has risen this far since the last trim, the next trim is due. */
#define HEAP_GROWTH_KEPT (256 * 1024)

static void release_free_heap(void)
{
	static char *trimmed_at;
	char *top = sbrk(0);

	if (!trimmed_at)
		trimmed_at = top;
	if (top - trimmed_at > HEAP_GROWTH_KEPT) {
		malloc_trim(0);
		trimmed_at = sbrk(0);
	}
}

static void serve(FCGX_Request *fcgi)
{
	struct request req;

	if (request_init(&req, fcgi) != 0)
		respond_internal(&req);
	else
		router_dispatch(&req);
	log_request(req.method, req.path ? req.path : "-", req.status,
		    (double)(log_now_usec() - req.started_usec) / 1000.0);
	request_free(&req);
	db_end_request();
	release_free_heap();
}

/* `telltale-worker --statement NAME` prints the SQL of a prepared statement,
 * so that a benchmark can run exactly what the worker runs. Returns the exit
 * status. */
static int print_statement(const char *name)
{
	for (const struct db_statement *const *t = statement_tables; *t; t++)
		for (const struct db_statement *s = *t; s->name; s++)
			if (strcmp(s->name, name) == 0)
				return puts(s->sql) < 0;
	fprintf(stderr, "no statement %s\n", name);
	return 2;
}

int main(int argc, char **argv)
{
	FCGX_Request *fcgi;

	if (argc == 3 && strcmp(argv[1], "--statement") == 0)
		return print_statement(argv[2]);

	signals_install();
	if (FCGX_Init() != 0 || conns_init(LISTEN_FD) != 0) {
		log_msg("cannot initialise FastCGI");
		return 1;
	}
	if (db_init("telltale-worker", getenv("DATABASE_URL"),
		    env_int("TELLTALE_STATEMENT_TIMEOUT_MS", 5000), statement_tables) != 0) {
		log_msg("out of memory");
		return 1;
	}
	log_msg("worker ready");
	while ((fcgi = conns_next())) {
		serve(fcgi);
		conns_finish(fcgi);
	}
	log_msg("worker stopping");   /* after the pending request lines */
	conns_close();
	db_close();
	return 0;
}
