/* notice: what a channel is sent when a rule changes state, in the format its
 * service documents: a signed webhook's JSON, a Slack Block Kit message, a
 * Discord embed, a Teams Adaptive Card, an ntfy text with its headers, or a
 * whole e-mail. Every text of a notice is the caller's (rule and service
 * names, an issue's title) and is made safe here: invalid UTF-8 becomes
 * U+FFFD, control characters (CR and LF among them) become spaces, so no text
 * can break a header line, and each format escapes what its markup needs. */
#ifndef TELLTALE_NOTICE_H
#define TELLTALE_NOTICE_H

#include <stddef.h>
#include <stdint.h>

enum channel_kind { CHANNEL_WEBHOOK, CHANNEL_SLACK, CHANNEL_DISCORD, CHANNEL_TEAMS,
		    CHANNEL_NTFY, CHANNEL_EMAIL, CHANNEL__COUNT };

/* "webhook", "slack", "discord", "teams", "ntfy", "email", indexed by kind. */
extern const char *const channel_kind_names[CHANNEL__COUNT];

/* The kind called name, or -1 when unknown (or name is NULL). */
int channel_kind_from_name(const char *name);

struct notice {
	const char *state;        /* "firing", "resolved", "test", or "fired" (a threshold rule's
	                             log, a new issue, a regression: one-off, no resolve follows) */
	const char *event_id;     /* the alert event's id (NULL for a test) */
	const char *rule_id, *rule_name, *rule_kind;   /* rule_kind: "threshold", "window" */
	const char *owner_field;  /* "service_id" or "application_id" */
	const char *owner_id, *owner_name;             /* the service's / application's */
	const char *metric;       /* "error_rate", "p95_latency_ms", "status_code", "new_issue", ... */
	const char *operator;     /* ">=" ... or NULL */
	int has_value, has_threshold;
	double value, threshold;
	int64_t window_seconds;   /* 0: none */
	const char *route, *method;   /* NULL: any */
	const char *detail;       /* one line: an issue's title, a log's "GET /path → 500"; NULL none */
	const char *link;         /* absolute URL to the rule's dashboard page, or NULL */
	int64_t at_usec;          /* when the state changed (unix microseconds) */
};

struct message {
	char *body; size_t len;            /* owned */
	const char *content_type;          /* static string */
	char *headers[8];                  /* owned "Name: value" lines (ntfy's Title, Priority,
	                                      Tags, Click; email none), NULL-terminated */
	char subject[256];                 /* the one-line summary, also the e-mail Subject */
};

/* Builds the message of kind for n. email: a whole RFC 5322 message (From from, To to),
 * multipart/alternative with a text/plain and a text/html part, both base64, UTF-8;
 * Subject RFC 2047-encoded when not ASCII. Returns 0 or -1 (no memory; for email
 * also a from or to holding a control character such as CR or LF, or no random
 * bytes for the Message-ID and boundary). out is filled either way and is
 * released with message_release; from and to are read for email only.
 *
 * A state other than the four is shown as "fired". Numbers are shown by their
 * metric: a *_rate as percent ("12.0 %"), a *_ms as milliseconds ("812.4 ms"),
 * a *_count or status_code as an integer; the webhook's JSON has them raw. A
 * text is cut at a character, ending in "…", where its service has a limit,
 * and every text at 4 KiB. A link is used only when it is an http(s) URL of
 * printable ASCII up to 2048 bytes. The time shown is at_usec, or now when
 * at_usec is 0. */
int notice_message(enum channel_kind kind, const struct notice *n, const char *from,
		   const char *to, struct message *out);

/* Frees what m owns and empties it (safe to call twice). */
void message_release(struct message *m);

/* 1 when s[0..n) is one plain address local@domain (RFC 5321 limits: ≤ 254, local ≤ 64,
 * no space, control character, quote, angle bracket, comma; the domain is dot-separated
 * labels of letters, digits and hyphens, at least one dot, or a bracketed IP).
 * ASCII only: the local part is a dot-atom (RFC 5322's atext, single dots
 * between), the last label not all digits, an IP literal "[192.0.2.1]" or
 * "[IPv6:2001:db8::1]". */
int email_address_valid(const char *s, size_t n);

#endif
