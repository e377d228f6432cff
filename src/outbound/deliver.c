/* deliver: see deliver.h. */
#include "outbound/deliver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "outbound/smtp.h"
#include "pure/signature.h"

/* name's value, or NULL when unset or empty. */
static const char *env_value(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

const struct deliver_config *deliver_config_from_env(void)
{
	static struct cidr_list allow;
	static struct deliver_config cfg;
	static int loaded;
	const char *text;

	if (loaded)
		return &cfg;
	text = getenv("REPLAY_ALLOW");
	if (cidr_list_parse(text ? text : "", &allow) != 0) {
		log_msg("REPLAY_ALLOW is not a list of at most %d CIDRs; it admits nothing: %.200s",
			CIDR_LIST_MAX, text);
		memset(&allow, 0, sizeof(allow));
	}
	cfg.signing_key = env_value("TELLTALE_WEBHOOK_SECRET");
	cfg.allow = &allow;
	cfg.smtp_url = env_value("TELLTALE_SMTP_URL");
	cfg.smtp_from = env_value("TELLTALE_SMTP_FROM");
	cfg.public_url = env_value("TELLTALE_PUBLIC_URL");
	loaded = 1;
	return &cfg;
}

/* The header lines of a webhook (lines, NULL-terminated) and the room their
 * variable parts are written in. */
struct webhook_headers {
	char event[48], delivery[64], attempt[48];
	char signature[32 + SIGNATURE_HEADER_MAX], legacy[32 + 7 + SIGNATURE_HEX_LEN];
	const char *lines[9];
};

/* Fills h for body, signed at unix time now. Returns 0, or -1 with why. */
static int webhook_headers_fill(struct webhook_headers *h, const struct deliver_webhook *w,
				const char *key, const char *body, size_t len, const char **why)
{
	char secret[SIGNATURE_SECRET_LEN + 1], sig[SIGNATURE_HEADER_MAX + 1];
	char legacy[7 + SIGNATURE_HEX_LEN + 1];
	size_t n = 0;

	*why = "no signing key is set (TELLTALE_WEBHOOK_SECRET): nothing is sent unsigned";
	if (!key)
		return -1;
	*why = "the body could not be signed";
	if (signature_secret(key, w->secret_id, w->nonce ? w->nonce : "", secret) != 0 ||
	    signature_header(secret, (int64_t)time(NULL), body, len, sig) != 0 ||
	    (!w->nonce && signature_legacy(key, body, len, legacy) != 0))
		return -1;
	h->lines[n++] = "Content-Type: application/json";
	h->lines[n++] = "User-Agent: telltale-notifier/1";
	snprintf(h->event, sizeof(h->event), "X-Telltale-Event: %s", w->event);
	h->lines[n++] = h->event;
	snprintf(h->delivery, sizeof(h->delivery), "X-Telltale-Delivery: %s", w->delivery_id);
	h->lines[n++] = h->delivery;
	snprintf(h->attempt, sizeof(h->attempt), "X-Telltale-Attempt: %d", w->attempt);
	h->lines[n++] = h->attempt;
	snprintf(h->signature, sizeof(h->signature), "X-Telltale-Signature: %s", sig);
	h->lines[n++] = h->signature;
	if (!w->nonce) {
		snprintf(h->legacy, sizeof(h->legacy), "X-Telltale-Signature: %s", legacy);
		h->lines[n++] = h->legacy;
	}
	h->lines[n] = NULL;
	return 0;
}

/* POSTs req through the guard; 0 on a 2xx, else -1 with r->error. */
static int post(const struct outbound_request *req, const struct deliver_config *cfg,
		struct deliver_result *r)
{
	struct outbound_response resp;
	int ok;

	memset(&resp, 0, sizeof(resp));
	ok = outbound_send(req, cfg->allow, &resp) == 0 && resp.status_code >= 200 && resp.status_code < 300;
	r->status_code = resp.status_code;
	r->latency_ms = resp.latency_ms;
	if (ok)
		r->error[0] = '\0';
	else if (resp.status_code)
		snprintf(r->error, sizeof(r->error), "the receiver answered HTTP %d", resp.status_code);
	else
		snprintf(r->error, sizeof(r->error), "%s", resp.error[0] ? resp.error : "no answer");
	outbound_response_release(&resp);
	return ok ? 0 : -1;
}

int deliver_webhook(const char *url, const char *body, size_t len, const struct deliver_webhook *w,
		    const struct deliver_config *cfg, struct deliver_result *r)
{
	struct webhook_headers h;
	struct outbound_request req = { "POST", url, h.lines, body, len };
	const char *why;

	memset(r, 0, sizeof(*r));
	if (webhook_headers_fill(&h, w, cfg->signing_key, body, len, &why) != 0) {
		snprintf(r->error, sizeof(r->error), "%s", why);
		r->permanent = 1;
		return -1;
	}
	return post(&req, cfg, r);
}

/* Mails m to to through the operator's server. */
static int mail(const struct message *m, const char *to, const struct deliver_config *cfg,
		struct deliver_result *r)
{
	struct timespec t0, t1;
	int rc;

	if (!cfg->smtp_url || !cfg->smtp_from) {
		snprintf(r->error, sizeof(r->error),
			 "no mail server is set (TELLTALE_SMTP_URL and TELLTALE_SMTP_FROM)");
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = smtp_send(cfg->smtp_url, cfg->smtp_from, to, m->body, m->len, r->error);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->latency_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	if (rc == 0)
		r->error[0] = '\0';
	return rc;
}

/* POSTs m as it is, with its own headers, to url. */
static int post_message(const struct message *m, const char *url, const struct deliver_config *cfg,
			struct deliver_result *r)
{
	char content_type[96];
	const char *lines[12];
	struct outbound_request req = { "POST", url, lines, m->body, m->len };
	size_t n = 0;

	snprintf(content_type, sizeof(content_type), "Content-Type: %s", m->content_type);
	lines[n++] = content_type;
	lines[n++] = "User-Agent: telltale-notifier/1";
	for (size_t i = 0; m->headers[i] && n < sizeof(lines) / sizeof(lines[0]) - 1; i++)
		lines[n++] = m->headers[i];
	lines[n] = NULL;
	return post(&req, cfg, r);
}

int deliver_notice(const struct deliver_channel *ch, const struct notice *n, const char *webhook_body,
		   const struct deliver_webhook *w, const struct deliver_config *cfg,
		   struct deliver_result *r)
{
	struct message m;
	int rc;

	memset(r, 0, sizeof(*r));
	if (ch->kind == CHANNEL_WEBHOOK && webhook_body)
		return deliver_webhook(ch->url, webhook_body, strlen(webhook_body), w, cfg, r);
	if (notice_message(ch->kind, n, cfg->smtp_from ? cfg->smtp_from : "",
			   ch->email_to ? ch->email_to : "", &m) != 0) {
		message_release(&m);
		snprintf(r->error, sizeof(r->error), "the message could not be made");
		return -1;
	}
	if (ch->kind == CHANNEL_WEBHOOK)
		rc = deliver_webhook(ch->url, m.body, m.len, w, cfg, r);
	else if (ch->kind == CHANNEL_EMAIL)
		rc = mail(&m, ch->email_to, cfg, r);
	else
		rc = post_message(&m, ch->url, cfg, r);
	message_release(&m);
	return rc;
}
