/* metrics: /v1 request metrics. PLACEHOLDER: being written. */
#include "metrics.h"

#include "response.h"

const struct db_statement metrics_statements[] = {
	{ NULL, NULL },
};

void metrics_get(struct request *req)
{
	respond_error(req, 404, "NOT_FOUND", NULL, "no such resource");
}

