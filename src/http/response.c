/* response: status line, headers and JSON bodies over FastCGI. */
#include "http/response.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 421: return "Misdirected Request";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default:  return "Internal Server Error";
	}
}

/* Every answer of the API: a client must neither guess its type nor keep a
 * copy of it (the logs it holds are private). */
#define API_HEADERS "X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n"

/* Keeps the response in req->held (a second one replaces the first). Without
 * memory for it, nothing is kept: the request then answers 503. */
static void hold(struct request *req, const char *head, size_t head_len, const char *body,
		 size_t len)
{
	response_drop(req);
	req->held = malloc(head_len + len + 1);
	if (!req->held) {
		req->status = 503;
		return;
	}
	memcpy(req->held, head, head_len);
	if (len)
		memcpy(req->held + head_len, body, len);
	req->held[head_len + len] = '\0';
	req->held_len = head_len + len;
	req->held_body = head_len;
}

/* Writes the whole response. extra_headers is "" or lines ending in "\r\n";
 * a body is of type content_type. */
static void write_typed(struct request *req, int status, const char *extra_headers,
			const char *content_type, const char *body, size_t len)
{
	FCGX_Stream *out = req->fcgi->out;
	const char *own = req->headers ? req->headers : "";
	char head[1024];
	int n;

	req->status = status;
	/* snprintf, not FCGX_FPrintF: libfcgi's printf knows no %zu. */
	if (body)
		n = snprintf(head, sizeof(head), "Status: %d %s\r\n" API_HEADERS "%s%s"
			     "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
			     status, reason(status), own, extra_headers, content_type, len);
	else
		n = snprintf(head, sizeof(head), "Status: %d %s\r\n" API_HEADERS "%s%s\r\n",
			     status, reason(status), own, extra_headers);
	n = n < (int)sizeof(head) ? n : (int)sizeof(head) - 1;
	if (req->hold)
		hold(req, head, (size_t)n, body, body ? len : 0);
	else {
		FCGX_PutStr(head, n, out);
		if (body)
			FCGX_PutStr(body, (int)len, out);
	}
}

static void write_response(struct request *req, int status, const char *extra_headers,
			   const char *body, size_t len)
{
	write_typed(req, status, extra_headers, "application/json", body, len);
}

void respond_bytes(struct request *req, int status, const char *headers,
		   const char *content_type, const void *body, size_t len)
{
	write_typed(req, status, headers, content_type, body ? body : "", len);
}

void response_release(struct request *req)
{
	if (req->held)
		FCGX_PutStr(req->held, (int)req->held_len, req->fcgi->out);
	response_drop(req);
	req->hold = 0;
}

/* The head of a held answer ends in its blank line: the lines go before it. */
void response_add_headers(struct request *req, const char *lines)
{
	size_t n = strlen(lines);
	char *grown;

	if (!req->held || req->held_body < 2)
		return;
	grown = malloc(req->held_len + n + 1);
	if (!grown)
		return;
	memcpy(grown, req->held, req->held_body - 2);
	memcpy(grown + req->held_body - 2, lines, n);
	memcpy(grown + req->held_body - 2 + n, req->held + req->held_body - 2,
	       req->held_len - (req->held_body - 2) + 1);
	free(req->held);
	req->held = grown;
	req->held_len += n;
	req->held_body += n;
}

void response_drop(struct request *req)
{
	free(req->held);
	req->held = NULL;
	req->held_len = req->held_body = 0;
}

static void write_json(struct request *req, int status, const char *extra_headers,
		       struct json_object *body)
{
	size_t len = 0;
	const char *text = json_object_to_json_string_length(body,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	write_response(req, status, extra_headers, text, len);
}

void respond_json(struct request *req, int status, struct json_object *body)
{
	write_json(req, status, "", body);
}

void respond_json_with_headers(struct request *req, int status, const char *headers,
			       struct json_object *body)
{
	write_json(req, status, headers, body);
}

void respond_no_content(struct request *req)
{
	write_response(req, 204, "", NULL, 0);
}

static int error_with_headers(struct request *req, int status, const char *headers,
			      const char *code, const char *field, const char *message)
{
	struct json_object *body = json_object_new_object();

	json_object_object_add(body, "error", json_object_new_string(code));
	json_object_object_add(body, "message", json_object_new_string(message));
	if (field)
		json_object_object_add(body, "field", json_object_new_string(field));
	write_json(req, status, headers, body);
	json_object_put(body);
	return -1;
}

int respond_error(struct request *req, int status, const char *code, const char *field,
		  const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	return error_with_headers(req, status, "", code, field, message);
}

int respond_with(struct request *req, const struct error *e)
{
	if (e->status == 503)
		return respond_unavailable(req);
	if (e->status == 500)
		return respond_internal(req);
	/* RFC 6750: a 401 names the scheme it wants. */
	if (e->status == 401 && !req->headers)
		req->headers = RESPONSE_AUTHENTICATE;
	return error_with_headers(req, e->status, "", e->code, e->field[0] ? e->field : NULL,
				  e->message);
}

int respond_method_not_allowed(struct request *req, const char *allow)
{
	char headers[128];

	snprintf(headers, sizeof(headers), "Allow: %s\r\n", allow);
	return error_with_headers(req, 405, headers, "METHOD_NOT_ALLOWED", NULL,
				  "method not allowed on this path");
}

int respond_unavailable(struct request *req)
{
	return error_with_headers(req, 503, RESPONSE_RETRY, "UNAVAILABLE", NULL,
				  "the database cannot be reached; retry shortly");
}

int respond_internal(struct request *req)
{
	return error_with_headers(req, 500, "", "INTERNAL", NULL, "internal error");
}
