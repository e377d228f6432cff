/* health: answers whether this worker can reach the database now, how many
 * days of partitions are made ahead (sql/025: below two days the answer is
 * "degraded", for telltale-maintain has not run for days), and the read
 * replica's lag when there is one. */
#include "api/health.h"

#include <stdlib.h>

#include "api/replica.h"
#include "db/db.h"
#include "pure/json.h"
#include "http/response.h"

/* Fewer days than this of partitions made ahead is "degraded". */
#define RUNWAY_DAYS_LOW 2.0

const struct db_statement health_statements[] = {
	{ "health_runway", "SELECT round((extract(epoch FROM partition_runway()) / 86400)::numeric, 2)" },
	{ NULL, NULL }
};

/* {"runway_days"} (null when unknown) into *out; returns 0 when the runway
 * is short or unknown, else 1. */
static int partitions_json(struct json_object **out)
{
	struct json_object *partitions = json_object_new_object();
	PGresult *res = NULL;
	int fine = 0;

	if (db_exec("health_runway", 0, NULL, &res) == DB_OK && !PQgetisnull(res, 0, 0)) {
		double days = strtod(PQgetvalue(res, 0, 0), NULL);

		json_object_object_add(partitions, "runway_days",
				       json_object_new_double_s(days, PQgetvalue(res, 0, 0)));
		fine = days >= RUNWAY_DAYS_LOW;
	} else {
		json_object_object_add(partitions, "runway_days", NULL);
	}
	PQclear(res);
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
