/* otlp: OpenTelemetry's exports over OTLP/HTTP (docs/api.md, "OpenTelemetry
 * ingest"). Spans become request logs of the key's service, log records
 * become error events of the key's application, metrics are taken and
 * dropped. An export is one transaction: stored whole, or not at all; what
 * the mapping refuses (a span whose status code is out of range, say) is
 * left out and counted in the answer's partial success.
 *
 * The answers follow the OTLP/HTTP specification: the Export...Response, or
 * a google.rpc.Status on failure, in the request's encoding (a JSON request,
 * or one of no known type, is answered with the API's JSON error body). */
#include "api/otlp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/ingest.h"
#include "api/logs.h"
#include "base/log.h"
#include "db/args.h"
#include "http/read.h"
#include "http/response.h"
#include "pure/event_input.h"
#include "pure/keys.h"
#include "pure/log_input.h"
#include "pure/otlp.h"
#include "pure/otlp_event.h"
#include "pure/otlp_map.h"

/* An export is at most this many bytes after decompression. */
#define OTLP_BODY_MAX REQUEST_BODY_LIMIT_BULK
/* Rows sent to the database at a time, inside the export's transaction. */
#define BATCH_ROWS 1000

#define PROTOBUF_TYPE "application/x-protobuf"

enum encoding { ENCODING_JSON, ENCODING_PROTOBUF };

/* What an export came to: how many items were left out, and why the first was. */
struct outcome {
	int64_t rejected;
	char message[JSONCHECK_FIELD_MAX + sizeof(((struct error *)0)->message) + 64];
};

/* The encoding the Content-Type names (its parameters ignored): 415 for
 * another type, answered in JSON. */
static int read_encoding(const struct request *req, enum encoding *enc, struct error *err)
{
	const char *ct = request_param(req, "CONTENT_TYPE");
	size_t n = ct ? strcspn(ct, "; \t") : 0;

	*enc = ENCODING_JSON;
	if (n == 16 && strncasecmp(ct, "application/json", n) == 0)
		return 0;
	if ((n == 22 && strncasecmp(ct, PROTOBUF_TYPE, n) == 0) ||
	    (n == 20 && strncasecmp(ct, "application/protobuf", n) == 0)) {
		*enc = ENCODING_PROTOBUF;
		return 0;
	}
	return error_set(err, 415, "UNSUPPORTED_MEDIA_TYPE", NULL,
			 "Content-Type must be application/x-protobuf or application/json");
}

/* A failure in the request's encoding. */
static void respond_failure(struct request *req, enum encoding enc, const struct error *err)
{
	const char *headers = err->status == 401 ? RESPONSE_AUTHENTICATE :
			      err->status == 503 ? RESPONSE_RETRY : "";
	uint8_t *body;
	size_t len;

	if (enc == ENCODING_JSON) {
		respond_with(req, err);
		return;
	}
	body = otlp_status_protobuf(otlp_grpc_code(err->status),
				    err->status == 500 ? "internal error" : err->message, &len);
	if (!body) {
		respond_internal(req);
		return;
	}
	respond_bytes(req, err->status, headers, PROTOBUF_TYPE, body, len);
	free(body);
}

/* The Export...ServiceResponse of a stored export. */
static void respond_success(struct request *req, enum encoding enc, enum otlp_signal signal,
			    const struct outcome *out)
{
	const char *message = out->rejected ? out->message : NULL;
	struct json_object *doc;
	uint8_t *body;
	size_t len;

	if (enc == ENCODING_JSON) {
		if (!(doc = otlp_response_json(signal, out->rejected, message))) {
			respond_internal(req);
			return;
		}
		respond_json(req, 200, doc);
		json_object_put(doc);
		return;
	}
	if (!(body = otlp_response_protobuf(signal, out->rejected, message, &len))) {
		respond_internal(req);
		return;
	}
	respond_bytes(req, 200, "", PROTOBUF_TYPE, body, len);
	free(body);
}

/* Reads and decodes the body as an export of signal. */
static int read_export(struct request *req, enum encoding enc, enum otlp_signal signal,
		       struct otlp_export *ex, struct error *err)
{
	char *body = NULL;
	size_t len;
	int rc;

	if (read_decoded_body(req, OTLP_BODY_MAX, &body, &len, err) != 0)
		return -1;
	if (signal == OTLP_TRACES)
		rc = enc == ENCODING_PROTOBUF ? otlp_traces_from_protobuf(body, len, ex, err)
					      : otlp_traces_from_json(body, len, ex, err);
	else
		rc = enc == ENCODING_PROTOBUF ? otlp_logs_from_protobuf(body, len, ex, err)
					      : otlp_logs_from_json(body, len, ex, err);
	free(body);
	return rc;
}

/* Counts item i as left out because of *why. */
static void reject(struct outcome *out, const char *what, size_t i, const struct error *why)
{
	if (out->rejected++ == 0)
		snprintf(out->message, sizeof(out->message), "%s %zu: %s%s%s", what, i,
			 why->field, why->field[0] ? " " : "", why->message);
}

static int no_memory(struct error *err)
{
	return error_set(err, 500, ERROR_INTERNAL, NULL, "no memory");
}

/* Adds span i's log to b, when it has one and it passes POST /v1/logs's
 * checks (else counts it in *out). */
static int add_span(struct log_batch *b, const struct otlp_span *span, size_t i,
		    const struct mask_fields *fields, struct outcome *out, struct error *err)
{
	struct json_object *doc = NULL, *row = NULL;
	struct log_input in;
	struct error why;
	int mapped = otlp_span_log(span, &doc), rc = 0;

	if (mapped < 0)
		return no_memory(err);
	if (mapped == 0)
		return 0;
	if (log_input_parse(doc, &in, &why) != 0)
		reject(out, "span", i, &why);
	else if (!(row = logs_masked_row(&in, fields)) ||
		 logs_batch_add(b, row, span->trace_id, span->span_id) != 0)
		rc = no_memory(err);
	json_object_put(row);
	json_object_put(doc);
	return rc;
}

/* Stores the request logs of ex's spans, a batch at a time. */
static int store_spans(const char *digest, const struct otlp_export *ex,
		       const struct mask_fields *fields, struct outcome *out, struct error *err)
{
	struct log_batch b;
	int rc = 0;

	if (logs_batch_init(&b) != 0) {
		logs_batch_free(&b);
		return no_memory(err);
	}
	for (size_t i = 0; rc == 0 && i < ex->n_spans; i++) {
		rc = add_span(&b, &ex->spans[i], i, fields, out, err);
		if (rc == 0 && b.count == BATCH_ROWS)
			rc = logs_batch_store(digest, &b, err);
	}
	if (rc == 0)
		rc = logs_batch_store(digest, &b, err);
	logs_batch_free(&b);
	return rc;
}

/* Runs store(...) in one transaction. */
static int in_transaction(int (*store)(void *ctx, struct error *err), void *ctx,
			  struct error *err)
{
	enum db_status st = db_begin();
	int rc;

	if (st != DB_OK)
		return error_set(err, 503, ERROR_UNAVAILABLE, NULL, "the database cannot be reached");
	rc = store(ctx, err);
	if (db_end(rc == 0) != DB_OK && rc == 0)
		return error_set(err, 503, ERROR_UNAVAILABLE, NULL, "the database cannot be reached");
	return rc;
}

/* What a store in a transaction needs. */
struct export_job {
	const char *digest;
	int64_t app_id;
	const struct otlp_export *ex;
	const struct mask_fields *fields;
	struct outcome *out;
};

static int spans_job(void *ctx, struct error *err)
{
	struct export_job *j = ctx;

	return store_spans(j->digest, j->ex, j->fields, j->out, err);
}

/* POST /otlp/v1/traces, Authorization: Bearer mkey_... */
void otlp_traces(struct request *req)
{
	static struct mask_fields fields;      /* the service's names: 3 KiB */
	char digest[KEYS_SHA256_HEX_LEN + 1];
	struct otlp_export ex = { 0 };
	struct outcome out = { 0 };
	struct export_job job = { digest, 0, &ex, &fields, &out };
	enum encoding enc;
	struct error err;

	if (read_encoding(req, &enc, &err) != 0 || read_bearer_key(req, digest, &err) != 0 ||
	    logs_key_known(digest, &fields, &err) != 0 ||
	    read_export(req, enc, OTLP_TRACES, &ex, &err) != 0 ||
	    in_transaction(spans_job, &job, &err) != 0)
		respond_failure(req, enc, &err);
	else
		respond_success(req, enc, OTLP_TRACES, &out);
	otlp_export_free(&ex);
}

/* Adds record i's event to rows, when it passes POST /apps's checks (else
 * counts it in *out). Attributes named as secrets are masked in its tags. */
static int add_record(struct event_rows *rows, const struct otlp_log *log, size_t i,
		      const struct mask_fields *fields, struct outcome *out, struct error *err)
{
	struct json_object *doc = NULL, *tags;
	struct event_input ev;
	struct error why;
	int rc = 0;

	if (otlp_log_event(log, log_now_usec(), &doc) < 0)
		return no_memory(err);
	tags = json_object_object_get(doc, "tags");
	if (tags && mask_json(tags, fields) != 0)
		rc = no_memory(err);
	else if (event_input_parse(doc, &ev, &why) != 0)
		reject(out, "log record", i, &why);
	else if (event_rows_add(rows, &ev) != 0)
		rc = no_memory(err);
	json_object_put(doc);
	return rc;
}

/* Stores rows for job's application and starts them again. */
static int store_rows(const struct export_job *j, struct event_rows *rows, struct error *err)
{
	PGresult *res = NULL;
	int stored;

	if (rows->count == 0)
		return 0;
	if (ingest_store(j->app_id, j->digest, rows, &res, err) != 0)
		return -1;
	stored = PQntuples(res);
	PQclear(res);
	if (stored != rows->count)
		return error_set(err, 401, ERROR_UNAUTHORIZED, NULL, "the ingest key is unknown");
	event_rows_free(rows);
	return event_rows_init(rows) == 0 ? 0 : no_memory(err);
}

static int records_job(void *ctx, struct error *err)
{
	struct export_job *j = ctx;
	struct event_rows rows;
	int rc = event_rows_init(&rows) == 0 ? 0 : no_memory(err);

	for (size_t i = 0; rc == 0 && i < j->ex->n_logs; i++) {
		rc = add_record(&rows, &j->ex->logs[i], i, j->fields, j->out, err);
		if (rc == 0 && rows.count == EVENT_BULK_MAX)
			rc = store_rows(j, &rows, err);
	}
	if (rc == 0)
		rc = store_rows(j, &rows, err);
	event_rows_free(&rows);
	return rc;
}

/* POST /otlp/v1/logs, Authorization: Bearer <an application's ingest key> */
void otlp_logs(struct request *req)
{
	static struct mask_fields fields;      /* the application's names */
	char digest[KEYS_SHA256_HEX_LEN + 1];
	struct otlp_export ex = { 0 };
	struct outcome out = { 0 };
	struct export_job job = { digest, 0, &ex, &fields, &out };
	enum encoding enc;
	struct error err;

	if (read_encoding(req, &enc, &err) != 0 || read_bearer_digest(req, digest, "<ingest key>", &err) != 0 ||
	    ingest_app_known(digest, &job.app_id, &fields, &err) != 0 ||
	    read_export(req, enc, OTLP_LOGS, &ex, &err) != 0 ||
	    in_transaction(records_job, &job, &err) != 0)
		respond_failure(req, enc, &err);
	else
		respond_success(req, enc, OTLP_LOGS, &out);
	otlp_export_free(&ex);
}

/* POST /otlp/v1/metrics: exporters send metrics by default; they are taken
 * and dropped, so that a service set up for traces and logs sees no errors. */
void otlp_metrics(struct request *req)
{
	static const struct outcome none = { 0 };
	enum encoding enc;
	struct error err;

	/* A full success is the same empty message for every signal. */
	if (read_encoding(req, &enc, &err) != 0)
		respond_failure(req, enc, &err);
	else
		respond_success(req, enc, OTLP_TRACES, &none);
}
