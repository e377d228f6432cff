/* otlp_map: what an OpenTelemetry span becomes in telltale (docs/api.md,
 * "OpenTelemetry ingest"). A span of kind SERVER or CLIENT with an HTTP
 * method becomes a request log, written as the body POST /v1/logs takes, so
 * that log_input checks and masks it as any other log:
 *
 *   method       http.request.method, or the older http.method
 *   url          url.full (http.url); else scheme (url.scheme, http.scheme,
 *                else http) :// server.address (http.host, net.host.name)
 *                [: server.port] path [? query]
 *   path         url.path; else the path of http.target; else of the url
 *   route        http.route, when set
 *   status_code  http.response.status_code (http.status_code)
 *   latency_ms   end - start
 *   error        the span's error status message, else "type: message" of
 *                its exception event (exception.type, exception.message)
 *   source_ip    client.address (net.peer.ip, net.sock.peer.addr), when an
 *                IP address
 *   headers      http.request.header.NAME and http.response.header.NAME
 *                (arrays of strings joined with ", ")
 *   tags         service.name=..., deployment.environment=...,
 *                service.version=... of the span's resource
 *
 * and "trace_id" and "span_id" beside them, which POST /v1/logs does not
 * read. Other spans are skipped. Pure: json-c only. */
#ifndef TELLTALE_OTLP_MAP_H
#define TELLTALE_OTLP_MAP_H

#include <json-c/json.h>

#include "pure/otlp.h"

/* The log of span: returns 1 with *log (a new object, the caller puts it),
 * 0 when the span is not an HTTP server or client span (*log NULL), or -1
 * when out of memory. */
int otlp_span_log(const struct otlp_span *span, struct json_object **log);

#endif
