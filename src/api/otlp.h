/* otlp: POST /otlp/v1/traces, /otlp/v1/logs and /otlp/v1/metrics, the
 * OpenTelemetry ingest (docs/api.md, "OpenTelemetry ingest"). */
#ifndef TELLTALE_API_OTLP_H
#define TELLTALE_API_OTLP_H

#include "http/request.h"

void otlp_traces(struct request *req);
void otlp_logs(struct request *req);
void otlp_metrics(struct request *req);

#endif
