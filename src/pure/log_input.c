/* log_input: the rules of docs/api.md for an ingested request log, one reader per
 * field in a table, so that the field a 422 names is the table's row. */
#include "pure/log_input.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pure/buf.h"
#include "pure/fields.h"
#include "pure/mask.h"
#include "pure/params.h"
#include "pure/utf8.h"

/* Reads a present, non-null value into *in. Returns 0, or -1 when it breaks
 * the field's rule. */
typedef int field_reader(struct json_object *v, struct log_input *in);

static int is_string(struct json_object *v)
{
	return json_object_is_type(v, json_type_string);
}

static int read_method(struct json_object *v, struct log_input *in)
{
	return is_string(v) ? field_method(json_object_get_string(v),
					   (size_t)json_object_get_string_len(v), in->method) : -1;
}

static int read_url(struct json_object *v, struct log_input *in)
{
	if (!is_string(v))
		return -1;
	in->url = json_object_get_string(v);
	in->url_len = (size_t)json_object_get_string_len(v);
	return params_http_url_ok(in->url, in->url_len) ? 0 : -1;
}

static int read_path(struct json_object *v, struct log_input *in)
{
	if (!is_string(v) || json_object_get_string_len(v) == 0)
		return -1;
	in->path = json_object_get_string(v);
	in->path_len = (size_t)json_object_get_string_len(v);
	return 0;
}

static int read_status_code(struct json_object *v, struct log_input *in)
{
	int64_t code = json_object_get_int64(v);

	if (!json_object_is_type(v, json_type_int) || !field_status_ok(code))
		return -1;
	in->status_code = (int)code;
	return 0;
}

static int read_latency_ms(struct json_object *v, struct log_input *in)
{
	double ms = json_object_get_double(v);

	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
		return -1;
	if (!isfinite(ms) || ms < 0 || ms > LOG_LATENCY_MAX)
		return -1;
	in->latency_ms = v;
	return 0;
}

static int read_query_params(struct json_object *v, struct log_input *in)
{
	in->query_params = v;
	return json_object_is_type(v, json_type_object) ? 0 : -1;
}

/* An object whose values are all strings. */
static int headers_ok(struct json_object *v)
{
	if (!json_object_is_type(v, json_type_object))
		return 0;
	json_object_object_foreach(v, name, value) {
		(void)name;
		if (!is_string(value))
			return 0;
	}
	return 1;
}

static int read_request_headers(struct json_object *v, struct log_input *in)
{
	in->request_headers = v;
	return headers_ok(v) ? 0 : -1;
}

static int read_response_headers(struct json_object *v, struct log_input *in)
{
	in->response_headers = v;
	return headers_ok(v) ? 0 : -1;
}

static int read_request_body(struct json_object *v, struct log_input *in)
{
	in->request_body = v;
	return is_string(v) ? 0 : -1;
}

static int read_response_body(struct json_object *v, struct log_input *in)
{
	in->response_body = v;
	return is_string(v) ? 0 : -1;
}

/* An empty error string is no error: a log is an error when error is set. */
static int read_error(struct json_object *v, struct log_input *in)
{
	if (!is_string(v))
		return -1;
	in->error = json_object_get_string_len(v) > 0 ? v : NULL;
	return 0;
}

static int read_source_ip(struct json_object *v, struct log_input *in)
{
	unsigned char addr[16];
	const char *s = json_object_get_string(v);

	if (!is_string(v) || (inet_pton(AF_INET, s, addr) != 1 && inet_pton(AF_INET6, s, addr) != 1))
		return -1;
	in->source_ip = s;
	return 0;
}

static int read_tags(struct json_object *v, struct log_input *in)
{
	size_t n;

	if (!json_object_is_type(v, json_type_array))
		return -1;
	n = json_object_array_length(v);
	if (n > LOG_TAGS_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct json_object *tag = json_object_array_get_idx(v, i);
		size_t len = (size_t)json_object_get_string_len(tag);

		if (!is_string(tag) || len == 0 ||
		    utf8_count(json_object_get_string(tag), len) > LOG_TAG_MAX)
			return -1;
	}
	in->tags = v;
	return 0;
}

static int read_route(struct json_object *v, struct log_input *in)
{
	size_t len = (size_t)json_object_get_string_len(v);
	const char *s = json_object_get_string(v);

	if (!is_string(v) || len == 0 || utf8_count(s, len) > LOG_ROUTE_MAX)
		return -1;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20)
			return -1;
	in->route = v;
	return 0;
}

static const struct log_field {
	const char *name;
	int required;
	field_reader *read;
	const char *rule;
} log_fields[] = {
	{ "method",           1, read_method,           "must be 1 to 16 letters" },
	{ "url",              1, read_url,              "must be an absolute http or https URL" },
	{ "path",             1, read_path,             "must be a non-empty string" },
	{ "status_code",      0, read_status_code,      "must be an integer from 100 to 599" },
	{ "latency_ms",       0, read_latency_ms,       "must be a number from 0 to 1e12" },
	{ "query_params",     0, read_query_params,     "must be a JSON object" },
	{ "request_headers",  0, read_request_headers,  "must be a JSON object of strings" },
	{ "response_headers", 0, read_response_headers, "must be a JSON object of strings" },
	{ "request_body",     0, read_request_body,     "must be a string" },
	{ "response_body",    0, read_response_body,    "must be a string" },
	{ "error",            0, read_error,            "must be a string" },
	{ "source_ip",        0, read_source_ip,        "must be an IPv4 or IPv6 address" },
	{ "tags",             0, read_tags,
	  "must be an array of at most 100 strings of 1 to 128 characters" },
	{ "route",            0, read_route,
	  "must be a string of 1 to 512 characters without control characters" },
};

static int fail(struct error *err, const char *field, const char *message)
{
	return error_invalid(err, field, message);
}

int log_input_parse(struct json_object *doc, struct log_input *in,
		    struct error *err)
{
	memset(in, 0, sizeof(*in));
	if (!json_object_is_type(doc, json_type_object))
		return fail(err, "", "a log must be a JSON object");
	for (size_t i = 0; i < sizeof(log_fields) / sizeof(log_fields[0]); i++) {
		const struct log_field *f = &log_fields[i];
		struct json_object *v = NULL;

		if (!json_object_object_get_ex(doc, f->name, &v) || !v) {
			if (f->required)
				return fail(err, f->name, "is required");
			continue;
		}
		if (f->read(v, in) != 0)
			return fail(err, f->name, f->rule);
	}
	return 0;
}

/* Adds key: value to row unless value is NULL; a failed allocation (value
 * NULL where want is set) is counted in *failed. Takes value over. */
static void row_add(struct json_object *row, const char *key, struct json_object *value,
		    int want, int *failed)
{
	if (!value) {
		*failed |= want;
		return;
	}
	if (json_object_object_add(row, key, value) != 0) {
		json_object_put(value);
		*failed = 1;
	}
}

/* A masked text (url or path) as a new JSON string, or NULL. */
static struct json_object *masked_url(const char *s, size_t len, const struct mask_fields *extra)
{
	char *masked = mask_url(s, len, extra);
	struct json_object *v = masked ? json_object_new_string(masked) : NULL;

	free(masked);
	return v;
}

/* A body, masked then cut: "<name>" and "<name>_truncated" in row. */
static void add_body(struct json_object *row, const char *name, struct json_object *body,
		     const struct mask_fields *extra, int *failed)
{
	char flag[32];
	size_t len = 0, keep;
	char *masked = NULL;

	snprintf(flag, sizeof(flag), "%s_truncated", name);
	if (body) {
		masked = mask_body(json_object_get_string(body),
				   (size_t)json_object_get_string_len(body), &len, extra);
		*failed |= !masked;
	}
	keep = masked ? utf8_cut(masked, len, LOG_BODY_MAX) : 0;
	if (masked)
		row_add(row, name, json_object_new_string_len(masked, (int)keep), 1, failed);
	row_add(row, flag, json_object_new_boolean(keep < len), 1, failed);
	free(masked);
}

/* A masked deep copy of query_params or tags, or NULL. */
static struct json_object *masked_params(struct json_object *params,
					 const struct mask_fields *extra)
{
	struct json_object *copy = NULL;

	if (json_object_deep_copy(params, &copy, NULL) != 0)
		return NULL;
	if (mask_json(copy, extra) != 0) {
		json_object_put(copy);
		return NULL;
	}
	return copy;
}

/* What a path segment s[0..len) stands for, or NULL for itself. */
static const char *segment_kind(const char *s, size_t len)
{
	size_t digits = 0, hex = 0;

	for (size_t i = 0; i < len; i++) {
		digits += s[i] >= '0' && s[i] <= '9';
		hex += isxdigit((unsigned char)s[i]) != 0;
	}
	if (len > 0 && digits == len)
		return "{id}";
	if (len == 36 && hex == 32 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-')
		return "{uuid}";
	if (len >= 16 && hex == len)
		return "{hex}";
	return NULL;
}

char *log_route_of(const char *path, size_t len)
{
	struct buf route = { 0 };
	size_t end = strcspn(path, "?#");

	if (end < len)
		len = end;
	for (size_t i = 0; i < len;) {
		size_t n = 0;
		const char *kind;

		if (path[i] == '/') {
			buf_put(&route, "/", 1);
			i++;
			continue;
		}
		while (i + n < len && path[i + n] != '/')
			n++;
		kind = segment_kind(path + i, n);
		if (kind)
			buf_puts(&route, kind);
		else
			buf_put(&route, path + i, n);
		i += n;
	}
	if (route.len == 0)
		buf_put(&route, "/", 1);
	return buf_finish(&route, NULL);
}

/* The route of the row: the log's own (card numbers masked), or the one of
 * its masked path (row's "path"). */
static struct json_object *row_route(const struct log_input *in, struct json_object *row)
{
	struct json_object *path = NULL;
	char *route;

	if (in->route)
		return mask_text_value(in->route);
	if (!json_object_object_get_ex(row, "path", &path))
		return NULL;
	route = log_route_of(json_object_get_string(path), (size_t)json_object_get_string_len(path));
	path = route ? json_object_new_string(route) : NULL;
	free(route);
	return path;
}

struct json_object *log_input_row(const struct log_input *in)
{
	struct json_object *row = json_object_new_object();
	int failed = 0;

	if (!row)
		return NULL;
	row_add(row, "method", json_object_new_string(in->method), 1, &failed);
	row_add(row, "url", masked_url(in->url, in->url_len, in->mask_fields), 1, &failed);
	row_add(row, "path", masked_url(in->path, in->path_len, in->mask_fields), 1, &failed);
	row_add(row, "route", row_route(in, row), 1, &failed);
	if (in->status_code)
		row_add(row, "status_code", json_object_new_int(in->status_code), 1, &failed);
	row_add(row, "latency_ms", json_object_get(in->latency_ms), 0, &failed);
	if (in->query_params)
		row_add(row, "query_params", masked_params(in->query_params, in->mask_fields), 1, &failed);
	if (in->request_headers)
		row_add(row, "request_headers", mask_headers(in->request_headers, in->mask_fields), 1,
			&failed);
	if (in->response_headers)
		row_add(row, "response_headers", mask_headers(in->response_headers, in->mask_fields), 1,
			&failed);
	add_body(row, "request_body", in->request_body, in->mask_fields, &failed);
	add_body(row, "response_body", in->response_body, in->mask_fields, &failed);
	if (in->error)
		row_add(row, "error", mask_text_value(in->error), 1, &failed);
	if (in->source_ip)
		row_add(row, "source_ip", json_object_new_string(in->source_ip), 1, &failed);
	if (in->tags)
		row_add(row, "tags", masked_params(in->tags, in->mask_fields), 1, &failed);
	if (failed) {
		json_object_put(row);
		return NULL;
	}
	return row;
}
