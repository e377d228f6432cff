/* health: answers whether this worker can reach the database now. */
#include "api/health.h"

#include "db/db.h"
#include "pure/json.h"
#include "http/response.h"

/* GET /v1/health */
void health_get(struct request *req)
{
	struct json_object *body = json_object_new_object();
	int up = db_ping();

	json_add_string(body, "status", up ? "ok" : "degraded");
	json_add_string(body, "database", up ? "ok" : "unavailable");
	if (up)
		respond_json(req, 200, body);
	else
		respond_json(req, 503, body);
	json_object_put(body);
}
