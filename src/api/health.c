/* health: answers whether this worker can reach the database now. */
#include "api/health.h"

#include "api/replica.h"
#include "db/db.h"
#include "pure/json.h"
#include "http/response.h"

/* Beside a read pool, the replica as the primary sees it: "streaming" with
 * its lag, or "down" (docs/api.md, "Health"). A replica that is down leaves
 * the status as it is: the primary answers its reads meanwhile. */
static void add_replica_fields(struct json_object *body)
{
	replica_health(body);
}

/* GET /v1/health */
void health_get(struct request *req)
{
	struct json_object *body = json_object_new_object();
	int up = db_ping();

	json_add_string(body, "status", up ? "ok" : "degraded");
	json_add_string(body, "database", up ? "ok" : "unavailable");
	if (up)
		add_replica_fields(body);
	if (up)
		respond_json(req, 200, body);
	else
		respond_json(req, 503, body);
	json_object_put(body);
}
