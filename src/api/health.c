/* health: answers whether this worker can reach the database now, how many
 * days of partitions are made ahead (sql/025: below two days the answer is
 * "degraded", for telltale-maintain has not run for days), and the read
 * replica's lag when there is one. */
#include "api/health.h"

#include <stdio.h>
#include <stdlib.h>

#include "api/handler.h"
#include "api/replica.h"
#include "db/db.h"
#include "pure/json.h"
#include "http/response.h"

/* Fewer days than this of partitions made ahead is "degraded". */
#define RUNWAY_DAYS_LOW 2.0

/* How long a worker reuses the end of the partitions it read: finding it
 * reads the bound of every partition (about 2 ms of the database at 98 day
 * partitions), and telltale-maintain moves it once a day, while load
 * balancers ask for the health every few seconds. */
#define RUNWAY_READ_EVERY_USEC (60 * 1000000LL)
#define DAY_USEC (86400 * 1000000LL)

const struct db_statement health_statements[] = {
	{ "health_runway", "SELECT ts_to_usec(now() + partition_runway())" },
	{ NULL, NULL }
};

/* The end of the partitions made ahead, in microseconds, read at most once
 * a RUNWAY_READ_EVERY_USEC: 1, or 0 when unknown. */
static int runway_end(int64_t now, int64_t *end)
{
	static int64_t read_at, cached_end;
	static int known;
	PGresult *res = NULL;

	if (known && now - read_at < RUNWAY_READ_EVERY_USEC) {
		*end = cached_end;
		return 1;
	}
	known = db_exec("health_runway", 0, NULL, &res) == DB_OK && !PQgetisnull(res, 0, 0);
	if (known) {
		cached_end = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		read_at = now;
		*end = cached_end;
	}
	PQclear(res);
	return known;
}

/* {"runway_days"} (null when unknown, else days to two decimals) into
 * *out; returns 0 when the runway is short or unknown, else 1. */
static int partitions_json(struct json_object **out)
{
	struct json_object *partitions = json_object_new_object();
	int64_t now = handler_now_usec(), end = 0;
	int fine = 0;

	if (runway_end(now, &end)) {
		char text[32];
		double days = (double)(end - now) / DAY_USEC;

		snprintf(text, sizeof(text), "%.2f", days);
		json_object_object_add(partitions, "runway_days",
				       json_object_new_double_s(strtod(text, NULL), text));
		fine = days >= RUNWAY_DAYS_LOW;
	} else {
		json_object_object_add(partitions, "runway_days", NULL);
	}
	*out = partitions;
	return fine;
}

/* GET /v1/health */
void health_get(struct request *req)
{
	struct json_object *body = json_object_new_object(), *partitions = NULL;
	int up = db_ping();
	int runway = up && partitions_json(&partitions);

	json_add_string(body, "status", up && runway ? "ok" : "degraded");
	json_add_string(body, "database", up ? "ok" : "unavailable");
	if (partitions)
		json_object_object_add(body, "partitions", partitions);
	/* Beside a read pool, the replica as the primary sees it (docs/api.md,
	 * "Health"). A replica that is down leaves the status as it is: the
	 * primary answers its reads meanwhile. */
	if (up)
		replica_health(body);
	respond_json(req, up ? 200 : 503, body);
	json_object_put(body);
}
