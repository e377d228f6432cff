/* smtp: libcurl's SMTP client with the discipline of outbound.c: no
 * signals, a total timeout, no proxy, libcurl's own words on failure, and
 * the server's last reply beside them. */
#include "outbound/smtp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

/* The message as the DATA command sends it, read out piece by piece. */
struct upload {
	const char *data;
	size_t len, at;
};

/* What the exchange learns besides libcurl's result. */
struct dialogue {
	char last_reply[160];       /* the server's last refusal (4xx, 5xx), printable ASCII */
};

static void set_error(char err[OUTBOUND_ERROR_MAX], const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	vsnprintf(err, OUTBOUND_ERROR_MAX, format, ap);
	va_end(ap);
}

/* message with every line ended by CRLF, as SMTP wants it: a bare LF gets
 * its CR. Returns a new text (the caller frees it) and its length, or NULL on
 * no memory. */
static char *crlf_lines(const char *message, size_t len, size_t *out_len)
{
	char *out = malloc(2 * len + 1);
	size_t n = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (message[i] == '\n' && (i == 0 || message[i - 1] != '\r'))
			out[n++] = '\r';
		out[n++] = message[i];
	}
	out[n] = '\0';
	*out_len = n;
	return out;
}

static size_t on_read(char *buffer, size_t size, size_t nitems, void *userdata)
{
	struct upload *up = userdata;
	size_t take = size * nitems;

	if (take > up->len - up->at)
		take = up->len - up->at;
	memcpy(buffer, up->data + up->at, take);
	up->at += take;
	return take;
}

/* Keeps the server's last refusal, what it said when it failed the send
 * (the "221 Bye" that follows would say nothing). Only what comes in is
 * read: what goes out holds the AUTH credentials. */
static int on_debug(CURL *curl, curl_infotype type, char *data, size_t size, void *userdata)
{
	struct dialogue *d = userdata;
	size_t n = 0;

	(void)curl;
	if (type != CURLINFO_HEADER_IN || size == 0 || (data[0] != '4' && data[0] != '5'))
		return 0;
	for (size_t i = 0; i < size && n + 1 < sizeof(d->last_reply); i++)
		if (data[i] >= ' ' && data[i] < 0x7F)
			d->last_reply[n++] = data[i];
		else if (data[i] == '\r' || data[i] == '\n')
			break;
	if (n)
		d->last_reply[n] = '\0';
	return 0;
}

/* curl_global_init, once per process (libcurl counts its calls, so this and
 * outbound.c's each asking once is fine): 1 when libcurl is ready. */
static int curl_ready(void)
{
	static int state;         /* 0 not tried, 1 ready, -1 failed */

	if (state == 0)
		state = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 1 : -1;
	return state == 1;
}

/* 1 when an address can go into a MAIL FROM or RCPT TO command: something,
 * and no control character to end the command early. */
static int envelope_address_ok(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7F)
			return 0;
	return 1;
}

static void set_options(CURL *curl, const char *url, const char *sender, struct curl_slist *rcpt,
			struct upload *up, struct dialogue *d, char *errbuf)
{
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	curl_easy_setopt(curl, CURLOPT_PROXY, "");          /* none from the environment */
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)OUTBOUND_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)OUTBOUND_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);       /* no SIGALRM in a worker */
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, sender);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(curl, CURLOPT_READDATA, up);
	curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up->len);
	/* The debug callback sees the replies; verbose makes libcurl call it
	 * (and, with a callback, write nothing to stderr). */
	curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, on_debug);
	curl_easy_setopt(curl, CURLOPT_DEBUGDATA, d);
	curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);
}

/* "SMTP: <libcurl's error>: <the server's last reply>". */
static void describe_failure(CURL *curl, CURLcode rc, const char *errbuf, const struct dialogue *d,
			     char err[OUTBOUND_ERROR_MAX])
{
	long code = 0;
	const char *why = *errbuf ? errbuf : curl_easy_strerror(rc);

	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		set_error(err, "SMTP: timed out after %d s%s%s", OUTBOUND_TIMEOUT_MS / 1000,
			  *d->last_reply ? ": " : "", d->last_reply);
	else if (*d->last_reply)
		set_error(err, "SMTP: %.80s: %s", why, d->last_reply);
	else if (code >= 400)
		set_error(err, "SMTP: %.160s (the server answered %ld)", why, code);
	else
		set_error(err, "SMTP: %.160s", why);
}

int smtp_send(const char *url, const char *from, const char *to,
	      const char *message, size_t len, char err[OUTBOUND_ERROR_MAX])
{
	char errbuf[CURL_ERROR_SIZE] = "", sender[320], recipient[320];
	struct dialogue d = { "" };
	struct upload up = { 0 };
	struct curl_slist *rcpt = NULL;
	CURL *curl = NULL;
	char *text = NULL;
	CURLcode rc;
	int result = -1;

	err[0] = '\0';
	if (!url || !envelope_address_ok(from) || !envelope_address_ok(to) ||
	    strlen(from) > 254 || strlen(to) > 254) {
		set_error(err, "SMTP: no server, or a sender or recipient that is not an address");
		return -1;
	}
	snprintf(sender, sizeof(sender), "<%s>", from);
	snprintf(recipient, sizeof(recipient), "<%s>", to);
	if (!curl_ready() || !(curl = curl_easy_init()) ||
	    !(rcpt = curl_slist_append(NULL, recipient)) ||
	    !(text = crlf_lines(message, len, &up.len))) {
		set_error(err, "SMTP: out of memory, or libcurl could not be initialised");
		goto out;
	}
	up.data = text;
	set_options(curl, url, sender, rcpt, &up, &d, errbuf);
	if ((rc = curl_easy_perform(curl)) != CURLE_OK)
		describe_failure(curl, rc, errbuf, &d, err);
	else
		result = 0;
out:
	free(text);
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(curl);
	return result;
}
