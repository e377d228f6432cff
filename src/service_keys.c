/* service_keys: the mkey_ keys of a /v1 service. PLACEHOLDER: being written. */
#include "service_keys.h"

#include "response.h"

const struct db_statement service_keys_statements[] = {
	{ NULL, NULL },
};

void service_keys_create(struct request *req)
{
	respond_error(req, 404, "NOT_FOUND", NULL, "no such resource");
}

void service_keys_list(struct request *req)
{
	respond_error(req, 404, "NOT_FOUND", NULL, "no such resource");
}

void service_keys_revoke(struct request *req)
{
	respond_error(req, 404, "NOT_FOUND", NULL, "no such resource");
}

