/* services: the /v1 services that push request logs. PLACEHOLDER: being written. */
#include "services.h"

#include "response.h"

const struct db_statement services_statements[] = {
	{ NULL, NULL },
};

void services_create(struct request *req)
{
	respond_error(req, 404, "NOT_FOUND", NULL, "no such resource");
}

void services_list(struct request *req)
{
	respond_error(req, 404, "NOT_FOUND", NULL, "no such resource");
}

void services_get(struct request *req)
{
	respond_error(req, 404, "NOT_FOUND", NULL, "no such resource");
}

void services_delete(struct request *req)
{
	respond_error(req, 404, "NOT_FOUND", NULL, "no such resource");
}

