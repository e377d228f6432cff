/* request: reads a FastCGI request into a struct request. */
#include "http/request.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"

/* Splits the raw path on '/' and percent-decodes each segment. One trailing slash
 * is ignored, so "/apps/" and "/apps" are the same route. */
static int split_path(struct request *req)
{
	const char *p = req->path;
	size_t n = strlen(p);

	if (n > 1 && p[n - 1] == '/')
		n--;
	if (n == 0 || p[0] != '/')
		return req->malformed_path = 1, 0;
	for (size_t i = 1; i <= n;) {
		size_t end = i;

		while (end < n && p[end] != '/')
			end++;
		if (req->nsegments == REQUEST_MAX_SEGMENTS)
			return req->malformed_path = 1, 0;
		struct request_segment *seg = &req->segments[req->nsegments];
		seg->text = urlcode_decode(p + i, end - i, 0, &seg->len);
		if (!seg->text)
			return req->malformed_path = 1, 0;
		req->nsegments++;
		i = end + 1;
		if (n == 1)
			break;
	}
	return 0;
}

int request_init(struct request *req, FCGX_Request *fcgi)
{
	const char *uri, *qs;

	memset(req, 0, sizeof(*req));
	req->fcgi = fcgi;
	req->started_usec = log_now_usec();
	req->method = FCGX_GetParam("REQUEST_METHOD", fcgi->envp);
	if (!req->method)
		req->method = "GET";
	uri = FCGX_GetParam("REQUEST_URI", fcgi->envp);
	if (!uri)
		uri = "/";
	req->path = strndup(uri, strcspn(uri, "?"));
	if (!req->path)
		return -1;
	if (split_path(req) != 0)
		return -1;
	qs = FCGX_GetParam("QUERY_STRING", fcgi->envp);
	return urlcode_query_parse(qs ? qs : "", &req->query);
}

void request_free(struct request *req)
{
	for (size_t i = 0; i < req->nsegments; i++)
		free(req->segments[i].text);
	urlcode_query_free(&req->query);
	free(req->path);
	free(req->body);
	free(req->held);
	memset(req, 0, sizeof(*req));
}

const char *request_param(const struct request *req, const char *name)
{
	return FCGX_GetParam(name, req->fcgi->envp);
}

const char *request_cookie(const struct request *req, const char *name, size_t *len)
{
	const char *p = request_param(req, "HTTP_COOKIE");
	size_t n = strlen(name);

	while (p && *p) {
		p += strspn(p, " \t;");
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			*len = strcspn(p + n + 1, "; \t");
			return p + n + 1;
		}
		p += strcspn(p, ";");
	}
	return NULL;
}

int request_is_change(const struct request *req)
{
	return strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0 &&
	       strcmp(req->method, "OPTIONS") != 0;
}

const struct urlcode_param *request_query_param(const struct request *req, const char *name)
{
	const char *const *n = req->query_names;

	while (n && *n && strcmp(*n, name) != 0)
		n++;
	if (!n || !*n)
		log_msg("%s %s reads query parameter %s, which its route does not name",
			req->method, req->path, name);
	return urlcode_query_get(&req->query, name);
}

const char *request_query(const struct request *req, const char *name, int *malformed)
{
	const struct urlcode_param *p = request_query_param(req, name);

	*malformed = p && !p->value;
	return p ? p->value : NULL;
}

/* Reads until want bytes are in or the stream ends; returns the count read. */
static size_t read_stream(struct request *req, char *buf, size_t want)
{
	size_t got = 0;

	while (got < want) {
		int chunk = want - got > 1 << 20 ? 1 << 20 : (int)(want - got);
		int n = FCGX_GetStr(buf + got, chunk, req->fcgi->in);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

enum request_body_status request_read_body(struct request *req)
{
	size_t limit = req->body_limit;
	const char *cl = request_param(req, "CONTENT_LENGTH");
	size_t want = limit + 1;   /* without a length, one byte past the limit tells */
	char *end;

	if (cl && *cl) {
		unsigned long long n = strtoull(cl, &end, 10);

		if (*end || cl[0] == '-')
			return BODY_READ_ERROR;
		if (n > limit)
			return BODY_TOO_LARGE;
		want = (size_t)n;
	}
	req->body = malloc(want + 1);
	if (!req->body)
		return BODY_READ_ERROR;
	req->body_len = read_stream(req, req->body, want);
	req->body[req->body_len] = '\0';
	if (req->body_len > limit)
		return BODY_TOO_LARGE;
	if (cl && *cl && req->body_len != want)
		return BODY_READ_ERROR;
	return BODY_OK;
}
