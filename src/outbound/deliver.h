/* deliver: one notification sent to one place, as telltale-notifier sends it
 * and as POST /v1/channels/{id}/test does: a signed webhook, or a channel's
 * message in its service's format (pure/notice.h) posted through the
 * outbound guard, or an e-mail through the operator's mail server. */
#ifndef TELLTALE_DELIVER_H
#define TELLTALE_DELIVER_H

#include <stddef.h>

#include "outbound/outbound.h"
#include "pure/cidr.h"
#include "pure/notice.h"

/* The stack's settings that deliveries need. */
struct deliver_config {
	const char *signing_key;            /* TELLTALE_WEBHOOK_SECRET; NULL: no webhook is sent */
	const struct cidr_list *allow;      /* what the outbound guard admits besides the public */
	const char *smtp_url, *smtp_from;   /* TELLTALE_SMTP_URL and _FROM; NULL: no e-mail */
	const char *public_url;             /* TELLTALE_PUBLIC_URL, the dashboard notices link to */
};

/* The settings from the environment, read once per process:
 * TELLTALE_WEBHOOK_SECRET, REPLAY_ALLOW (a list that does not parse admits
 * nothing beyond the public, and is logged once), TELLTALE_SMTP_URL and
 * TELLTALE_SMTP_FROM, TELLTALE_PUBLIC_URL. Empty values count as unset. */
const struct deliver_config *deliver_config_from_env(void);

/* What a webhook's headers say, and what signs it. */
struct deliver_webhook {
	const char *event;           /* X-Telltale-Event: "alert", "issue", "test" */
	const char *delivery_id;     /* X-Telltale-Delivery */
	int attempt;                 /* X-Telltale-Attempt */
	const char *secret_id;       /* a rule's or a channel's id, or "app-<id>" */
	const char *nonce;           /* NULL: a rule made before secrets were per rule,
	                                signed under the empty nonce and, for one
	                                release, with the stack's key as well */
};

struct deliver_result {
	int status_code;             /* the receiver's HTTP status, 0 when none came */
	double latency_ms;
	char error[OUTBOUND_ERROR_MAX + 64];   /* why it was not delivered, "" when it was */
	int permanent;               /* 1 when another attempt would fail the same way:
	                                a webhook that cannot be signed */
};

/* Where a channel sends. */
struct deliver_channel {
	enum channel_kind kind;
	const char *url;             /* every kind but email */
	const char *email_to;        /* email */
};

/* POSTs the JSON body to url, signed (docs/api.md, "Webhooks"). Returns 0
 * when a 2xx came back, else -1 with r->error. */
int deliver_webhook(const char *url, const char *body, size_t len, const struct deliver_webhook *w,
		    const struct deliver_config *cfg, struct deliver_result *r);

/* Sends notice n to channel ch in its kind's format. A webhook channel sends
 * webhook_body when it is given (an issue's notification, whose form the
 * application's webhook_url has always had), else the notice's JSON, signed
 * as w says. Returns 0 when delivered (a 2xx, or the mail server took it),
 * else -1 with r->error. */
int deliver_notice(const struct deliver_channel *ch, const struct notice *n, const char *webhook_body,
		   const struct deliver_webhook *w, const struct deliver_config *cfg,
		   struct deliver_result *r);

#endif
