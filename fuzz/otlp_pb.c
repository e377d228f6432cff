/* Fuzz target: an OTLP/HTTP body in protobuf, read as a trace export and as a
 * logs export. Whatever the input, nothing crashes or leaks, the memory held
 * stays within the bound, a refusal is a 400 with a message, and what is
 * decoded keeps otlp.h's promises (otlp_check.h). A body that decodes is also
 * one protobuf-c unpacks on its own, into as many spans or log records: the
 * scan before unpacking refuses nothing protobuf-c would read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "otlp/logs_service.pb-c.h"
#include "otlp/trace_service.pb-c.h"
#include "otlp_check.h"
#include "pure/otlp.h"

static size_t count_spans(const uint8_t *data, size_t size)
{
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *req =
		opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(NULL, size, data);
	size_t n = 0;

	if (!req)
		abort();
	for (size_t r = 0; r < req->n_resource_spans; r++)
		for (size_t s = 0; s < req->resource_spans[r]->n_scope_spans; s++)
			n += req->resource_spans[r]->scope_spans[s]->n_spans;
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req, NULL);
	return n;
}

static size_t count_logs(const uint8_t *data, size_t size)
{
	Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest *req =
		opentelemetry__proto__collector__logs__v1__export_logs_service_request__unpack(NULL, size, data);
	size_t n = 0;

	if (!req)
		abort();
	for (size_t r = 0; r < req->n_resource_logs; r++)
		for (size_t s = 0; s < req->resource_logs[r]->n_scope_logs; s++)
			n += req->resource_logs[r]->scope_logs[s]->n_log_records;
	opentelemetry__proto__collector__logs__v1__export_logs_service_request__free_unpacked(req, NULL);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct otlp_export ex;
	struct error err;

	if (otlp_traces_from_protobuf(data, size, &ex, &err) == 0) {
		check_export(&ex, size);
		if (ex.n_logs != 0 || count_spans(data, size) != ex.n_spans)
			abort();
	} else {
		check_refusal(&err);
	}
	otlp_export_free(&ex);
	if (otlp_logs_from_protobuf(data, size, &ex, &err) == 0) {
		check_export(&ex, size);
		if (ex.n_spans != 0 || count_logs(data, size) != ex.n_logs)
			abort();
	} else {
		check_refusal(&err);
	}
	otlp_export_free(&ex);
	return 0;
}
