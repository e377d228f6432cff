/* notice: one view of a notice (clean texts, formatted numbers, the facts
 * shown), then that view in each channel's format. */
#include "pure/notice.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "pure/buf.h"
#include "pure/timefmt.h"
#include "pure/utf8.h"

/* Any one text of the caller's is cut past this many bytes: enough for every
 * format, and a bound on what a notice can cost. */
#define TEXT_MAX 4096
/* A link longer than this is left out (the API's own limit on URLs). */
#define LINK_MAX 2048

/* Slack Block Kit: a header's plain_text, a section's text, a field's text. */
#define SLACK_HEADER_MAX 150
#define SLACK_TEXT_MAX 3000
#define SLACK_FIELD_MAX 2000
#define SLACK_URL_MAX 3000
/* Discord: content, an embed's title and description, a field's name and
 * value. The embed's whole text must stay within 6000: a title of 256, a
 * description of 1024 and at most 9 fields of 16 + 480 make 5744. */
#define DISCORD_CONTENT_MAX 2000
#define DISCORD_TITLE_MAX 256
#define DISCORD_DESCRIPTION_MAX 1024
#define DISCORD_NAME_MAX 16
#define DISCORD_VALUE_MAX 480
/* Teams: no limit per text, but a card of at most about 28 KB. */
#define TEAMS_TEXT_MAX 2000

/* What is shown as a fact: rule, owner, metric, value, threshold, window,
 * method, route, detail. */
#define FACTS_MAX 9

#define ELLIPSIS "\xE2\x80\xA6"
#define REPLACEMENT "\xEF\xBF\xBD"

const char *const channel_kind_names[CHANNEL__COUNT] = {
	[CHANNEL_WEBHOOK] = "webhook",
	[CHANNEL_SLACK] = "slack",
	[CHANNEL_DISCORD] = "discord",
	[CHANNEL_TEAMS] = "teams",
	[CHANNEL_NTFY] = "ntfy",
	[CHANNEL_EMAIL] = "email",
};

int channel_kind_from_name(const char *name)
{
	for (int k = 0; name && k < CHANNEL__COUNT; k++)
		if (strcmp(name, channel_kind_names[k]) == 0)
			return k;
	return -1;
}

enum state { STATE_FIRING, STATE_RESOLVED, STATE_TEST, STATE_FIRED, STATE__COUNT };

/* How each state looks. */
static const struct state_style {
	const char *name, *label;
	int color;                  /* Discord's embed */
	const char *teams_color;    /* Adaptive Card TextBlock colour */
	const char *priority, *tag; /* ntfy */
} styles[STATE__COUNT] = {
	[STATE_FIRING] =   { "firing",   "FIRING",   0xE01E5A, "Attention", "4", "rotating_light" },
	[STATE_RESOLVED] = { "resolved", "RESOLVED", 0x2EB67D, "Good",      "3", "white_check_mark" },
	[STATE_TEST] =     { "test",     "TEST",     0x979A9B, "Default",   "2", "test_tube" },
	[STATE_FIRED] =    { "fired",    "FIRED",    0xE01E5A, "Attention", "4", "rotating_light" },
};

/* The state called name; "fired", a one-off, for a name it does not know. */
static enum state state_of(const char *name)
{
	for (int s = 0; name && s < STATE__COUNT; s++)
		if (strcmp(name, styles[s].name) == 0)
			return s;
	return STATE_FIRED;
}

/* --- text ----------------------------------------------------------------- */

/* The character at s (valid UTF-8 but for a caller's bytes, read as U+FFFD
 * one byte at a time). Returns its length in bytes. */
static size_t next_char(const char *s, uint32_t *cp)
{
	size_t n = strnlen(s, 4);
	size_t step = n ? utf8_decode((const unsigned char *)s, n, cp) : 0;

	if (step == 0) {
		*cp = 0xFFFD;
		return 1;
	}
	return step;
}

/* 1 for a character that would end or bend a line: C0, DEL, C1, and the
 * Unicode line and paragraph separators. */
static int breaks_line(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

/* A copy of s as one line of valid UTF-8: a byte that is no character's
 * becomes U+FFFD, a character that breaks a line a space, white space at
 * either end goes, and past TEXT_MAX bytes it is cut with "…". Returns the
 * copy (the caller frees it), or NULL when s is NULL or blank, or when memory
 * ran out (*failed is set then). */
static char *clean_line(const char *s, int *failed)
{
	struct buf b = { 0 };
	char *out;
	size_t len, start;

	if (!s)
		return NULL;
	while (*s) {
		uint32_t cp;
		size_t step = next_char(s, &cp);
		int bad = cp == 0xFFFD && step == 1;
		size_t piece = bad ? 3 : breaks_line(cp) ? 1 : step;

		if (b.len + piece > TEXT_MAX - 3) {
			buf_puts(&b, ELLIPSIS);
			break;
		}
		if (bad)
			buf_puts(&b, REPLACEMENT);
		else
			buf_put(&b, breaks_line(cp) ? " " : s, piece);
		s += step;
	}
	if (!(out = buf_finish(&b, &len))) {
		*failed = 1;
		return NULL;
	}
	len = utf8_trim(out, len, &start);
	memmove(out, out + start, len);
	out[len] = '\0';
	if (len == 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* What stands for cp in a markup, or NULL: cp itself. */
typedef const char *escape_fn(uint32_t cp);

/* Slack's mrkdwn: its control characters are &, < and > only. */
static const char *mrkdwn_escape(uint32_t cp)
{
	return cp == '&' ? "&amp;" : cp == '<' ? "&lt;" : cp == '>' ? "&gt;" : NULL;
}

static const char *html_escape(uint32_t cp)
{
	return cp == '"' ? "&quot;" : cp == '\'' ? "&#39;" : mrkdwn_escape(cp);
}

/* How long cp is where limits count characters. Slack, Discord and Teams
 * count them in JavaScript, as UTF-16 units: a character beyond the BMP is
 * two. An escape counts as what is sent. */
static size_t char_units(uint32_t cp, escape_fn *escape)
{
	const char *e = escape ? escape(cp) : NULL;

	return e ? strlen(e) : cp > 0xFFFF ? 2 : 1;
}

static size_t text_units(const char *s, escape_fn *escape)
{
	size_t units = 0;
	uint32_t cp;

	while (*s) {
		s += next_char(s, &cp);
		units += char_units(cp, escape);
	}
	return units;
}

/* Appends s, each character through escape (NULL: none), in at most max
 * units: a text too long is cut at a character and ends in "…" (one unit),
 * so an escape is never split. */
static void put_cut(struct buf *b, const char *s, size_t max, escape_fn *escape)
{
	int cut = text_units(s, escape) > max;
	size_t room = cut ? max - 1 : max;

	while (*s) {
		uint32_t cp;
		size_t step = next_char(s, &cp), units = char_units(cp, escape);
		const char *e = escape ? escape(cp) : NULL;

		if (units > room)
			break;
		room -= units;
		if (e)
			buf_puts(b, e);
		else
			buf_put(b, s, step);
		s += step;
	}
	if (cut)
		buf_puts(b, ELLIPSIS);
}

/* s escaped for HTML, whole. */
static void put_html(struct buf *b, const char *s)
{
	put_cut(b, s, (size_t)-1, html_escape);
}

/* --- the view ------------------------------------------------------------- */

struct fact {
	const char *label, *value;
};

/* A notice as every format shows it. */
struct view {
	struct notice n;                    /* the caller's, its texts cleaned */
	char *texts[14];                    /* the clean copies, owned */
	enum state state;
	const struct state_style *style;
	int64_t at_usec;
	char when[TIMEFMT_BUFSIZE];
	char value[48], threshold[64], window[48], window_short[24];
	char subject[sizeof(((struct message *)0)->subject)];
	char *summary;                      /* one sentence, owned */
	struct fact facts[FACTS_MAX];
	size_t nfacts;
	const char *link;                   /* NULL unless fit for every format */
	int failed;                         /* memory ran out */
};

/* Replaces each text of v->n by a clean copy. */
static void view_clean(struct view *v)
{
	const char **texts[] = {
		&v->n.state, &v->n.event_id, &v->n.rule_id, &v->n.rule_name, &v->n.rule_kind,
		&v->n.owner_field, &v->n.owner_id, &v->n.owner_name, &v->n.metric, &v->n.operator,
		&v->n.route, &v->n.method, &v->n.detail, &v->n.link,
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		v->texts[i] = clean_line(*texts[i], &v->failed);
		*texts[i] = v->texts[i];
	}
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

/* x as people read the metric: a rate (a fraction) as percent, a latency in
 * milliseconds, a count or a status as an integer. A number too large for
 * its digits to mean anything is shown in exponent form. */
static void format_value(const char *metric, double x, char *out, size_t size)
{
	const char *unit = "";
	int decimals = -1;                 /* -1: %g */

	if (metric && ends_with(metric, "_rate")) {
		x *= 100;
		unit = " %";
		decimals = 1;
	} else if (metric && ends_with(metric, "_ms")) {
		unit = " ms";
		decimals = 1;
	} else if (metric && (ends_with(metric, "_count") || strcmp(metric, "status_code") == 0)) {
		decimals = 0;
	}
	if (decimals < 0 || !isfinite(x) || fabs(x) >= 1e12)
		snprintf(out, size, "%g%s", x, unit);
	else
		snprintf(out, size, "%.*f%s", decimals, x, unit);
}

/* A window in words ("5 minutes", "1 hour") and short ("5m", "1h"), in the
 * largest unit that divides it. */
static void format_window(int64_t seconds, char *words, size_t words_size, char *brief,
			  size_t brief_size)
{
	static const struct {
		int64_t seconds;
		const char *one, *many, *symbol;
	} units[] = {
		{ 86400, "day", "days", "d" }, { 3600, "hour", "hours", "h" },
		{ 60, "minute", "minutes", "m" }, { 1, "second", "seconds", "s" },
	};
	size_t i = 0;

	while (seconds % units[i].seconds != 0)
		i++;
	snprintf(words, words_size, "%lld %s", (long long)(seconds / units[i].seconds),
		 seconds == units[i].seconds ? units[i].one : units[i].many);
	snprintf(brief, brief_size, "%lld%s", (long long)(seconds / units[i].seconds),
		 units[i].symbol);
}

static int64_t now_usec(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * USEC_PER_SEC + t.tv_nsec / 1000;
}

/* 1 when link can go into every format as it is: an http(s) URL of printable
 * ASCII without spaces (an ntfy header, a Slack button, an HTML href). */
static int link_fits(const char *link)
{
	size_t n = link ? strlen(link) : 0;

	if (n == 0 || n > LINK_MAX ||
	    (strncasecmp(link, "https://", 8) != 0 && strncasecmp(link, "http://", 7) != 0))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)link[i] <= ' ' || (unsigned char)link[i] >= 0x7F)
			return 0;
	return 1;
}

/* The numbers and times as text. */
static void view_format(struct view *v)
{
	const struct notice *n = &v->n;

	v->at_usec = n->at_usec ? n->at_usec : now_usec();
	if (v->at_usec < 0 || v->at_usec > TIMEFMT_MAX_USEC)
		v->at_usec = now_usec();
	timefmt_format(v->at_usec, v->when);
	if (n->has_value)
		format_value(n->metric, n->value, v->value, sizeof(v->value));
	if (n->has_threshold) {
		char t[48];

		/* An operator is two characters at most; a longer one is cut
		 * at a character, so the text stays UTF-8. */
		format_value(n->metric, n->threshold, t, sizeof(t));
		snprintf(v->threshold, sizeof(v->threshold), "%.*s%s%s",
			 n->operator ? (int)utf8_cut(n->operator, strlen(n->operator), 8) : 0,
			 n->operator ? n->operator : "", n->operator ? " " : "", t);
	}
	if (n->window_seconds > 0)
		format_window(n->window_seconds, v->window, sizeof(v->window), v->window_short,
			      sizeof(v->window_short));
	v->link = link_fits(n->link) ? n->link : NULL;
}

/* What the owner is called: a rule's service or application, or the channel
 * a test is sent to. */
static const char *owner_label(const struct notice *n)
{
	if (n->owner_field && strcmp(n->owner_field, "application_id") == 0)
		return "Application";
	if (n->owner_field && strcmp(n->owner_field, "channel_id") == 0)
		return "Channel";
	return "Service";
}

static const char *owner_text(const struct notice *n)
{
	return n->owner_name ? n->owner_name : n->owner_id;
}

static void add_fact(struct view *v, const char *label, const char *value)
{
	if (value && *value && v->nfacts < FACTS_MAX)
		v->facts[v->nfacts++] = (struct fact){ label, value };
}

static void view_facts(struct view *v)
{
	const struct notice *n = &v->n;

	add_fact(v, "Rule", n->rule_name);
	add_fact(v, owner_label(n), owner_text(n));
	add_fact(v, "Metric", n->metric);
	add_fact(v, "Value", v->value);
	add_fact(v, "Threshold", v->threshold);
	add_fact(v, "Window", v->window);
	add_fact(v, "Method", n->method);
	add_fact(v, "Route", n->route);
	add_fact(v, "Detail", n->detail);
}

/* s[0..len) into out (size bytes), cut at a character with "…" when longer. */
static void copy_cut(char *out, size_t size, const char *s, size_t len)
{
	if (len < size) {
		memcpy(out, s, len);
		out[len] = '\0';
		return;
	}
	len = utf8_cut(s, len, size - sizeof(ELLIPSIS));
	memcpy(out, s, len);
	memcpy(out + len, ELLIPSIS, sizeof(ELLIPSIS));
}

/* "[FIRING] High errors: error_rate 12.0 % > 5.0 % over 5m (checkout-api)";
 * a test says so, and a notice without a value names its detail. */
static void view_subject(struct view *v)
{
	const struct notice *n = &v->n;
	struct buf b = { 0 };
	char *text;
	size_t len;

	buf_puts(&b, "[");
	buf_puts(&b, v->style->label);
	buf_puts(&b, "] ");
	buf_puts(&b, n->rule_name ? n->rule_name : "telltale");
	if (v->state == STATE_TEST) {
		buf_puts(&b, ": test notice");
	} else if (n->metric) {
		buf_puts(&b, ": ");
		buf_puts(&b, n->metric);
		if (n->has_value) {
			buf_puts(&b, " ");
			buf_puts(&b, v->value);
		}
		if (n->has_threshold) {
			buf_puts(&b, " ");
			buf_puts(&b, v->threshold);
		}
		if (*v->window_short) {
			buf_puts(&b, " over ");
			buf_puts(&b, v->window_short);
		}
	}
	if (!n->has_value && n->detail && v->state != STATE_TEST) {
		buf_puts(&b, " - ");
		buf_puts(&b, n->detail);
	}
	if (owner_text(n)) {
		buf_puts(&b, " (");
		buf_puts(&b, owner_text(n));
		buf_puts(&b, ")");
	}
	if (!(text = buf_finish(&b, &len))) {
		v->failed = 1;
		return;
	}
	copy_cut(v->subject, sizeof(v->subject), text, len);
	free(text);
}

/* One sentence: "error_rate is 12.0 % (threshold > 5.0 %) over the last 5
 * minutes." — said as the state has it. */
static void view_summary(struct view *v)
{
	const struct notice *n = &v->n;
	const char *name = n->rule_name ? n->rule_name : "The rule";
	struct buf b = { 0 };

	if (v->state == STATE_TEST) {
		buf_puts(&b, "A test notice from telltale: this channel receives notices.");
	} else if (n->has_value && n->metric) {
		buf_puts(&b, n->metric);
		buf_puts(&b, v->state == STATE_RESOLVED ? " is back to " :
			     v->state == STATE_FIRING ? " is " : " was ");
		buf_puts(&b, v->value);
		if (n->has_threshold) {
			buf_puts(&b, " (threshold ");
			buf_puts(&b, v->threshold);
			buf_puts(&b, ")");
		}
		if (*v->window) {
			buf_puts(&b, " over the last ");
			buf_puts(&b, v->window);
		}
		buf_puts(&b, ".");
	} else {
		buf_puts(&b, name);
		buf_puts(&b, v->state == STATE_RESOLVED ? " is resolved." :
			     v->state == STATE_FIRING ? " is firing." : " fired.");
	}
	if (!(v->summary = buf_finish(&b, NULL)))
		v->failed = 1;
}

/* Returns 0, or -1 when memory ran out (the view is released either way by
 * view_release). */
static int view_init(struct view *v, const struct notice *n)
{
	memset(v, 0, sizeof(*v));
	v->n = *n;
	view_clean(v);
	v->state = state_of(v->n.state);
	v->style = &styles[v->state];
	view_format(v);
	view_facts(v);
	view_subject(v);
	view_summary(v);
	return v->failed ? -1 : 0;
}

static void view_release(struct view *v)
{
	for (size_t i = 0; i < sizeof(v->texts) / sizeof(v->texts[0]); i++)
		free(v->texts[i]);
	free(v->summary);
}

/* The lines of a text notice (ntfy's body, the e-mail's text part), each
 * ended by eol: the sentence, a blank line, the facts, the time, the link. */
static void put_lines(struct buf *b, const struct view *v, const char *eol)
{
	buf_puts(b, v->summary);
	buf_puts(b, eol);
	buf_puts(b, eol);
	for (size_t i = 0; i < v->nfacts; i++) {
		buf_puts(b, v->facts[i].label);
		buf_puts(b, ": ");
		buf_puts(b, v->facts[i].value);
		buf_puts(b, eol);
	}
	buf_puts(b, "Time: ");
	buf_puts(b, v->when);
	buf_puts(b, eol);
	if (v->link) {
		buf_puts(b, "Link: ");
		buf_puts(b, v->link);
		buf_puts(b, eol);
	}
}

/* --- JSON ----------------------------------------------------------------- */

/* s cut to max units through escape, as a JSON string; JSON null when s is
 * NULL. */
static struct json_object *jtext(struct view *v, const char *s, size_t max, escape_fn *escape)
{
	struct buf b = { 0 };
	struct json_object *o;
	char *text;
	size_t len;

	if (!s)
		return NULL;
	put_cut(&b, s, max, escape);
	if (!(text = buf_finish(&b, &len)) || !(o = json_object_new_string_len(text, (int)len))) {
		v->failed = 1;
		o = NULL;
	}
	free(text);
	return o;
}

static struct json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

/* x as the shortest text that reads back as x; null when not finite (JSON
 * has no NaN or infinity). */
static struct json_object *jnumber(double x)
{
	char text[32];

	if (!isfinite(x))
		return NULL;
	snprintf(text, sizeof(text), "%.15g", x);
	if (strtod(text, NULL) != x)
		snprintf(text, sizeof(text), "%.17g", x);
	return json_object_new_double_s(x, text);
}

static void jadd(struct json_object *obj, const char *key, struct json_object *value)
{
	json_object_object_add(obj, key, value);
}

/* {"type": type} with one more member, as Block Kit and Adaptive Cards nest. */
static struct json_object *jtyped(const char *type, const char *key, struct json_object *value)
{
	struct json_object *o = json_object_new_object();

	jadd(o, "type", json_object_new_string(type));
	if (key)
		jadd(o, key, value);
	return o;
}

/* The document's text as the body. */
static int finish_json(struct view *v, struct json_object *doc, struct message *out)
{
	const char *text = doc ? json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;

	if (text && !v->failed && (out->body = strdup(text)))
		out->len = strlen(text);
	json_object_put(doc);
	out->content_type = "application/json";
	return out->body ? 0 : -1;
}

/* The ALERT EVENT as docs/api.md's webhooks send it. */
static int webhook_message(struct view *v, struct message *out)
{
	const struct notice *n = &v->n;
	struct json_object *doc = json_object_new_object(), *alert = json_object_new_object();

	jadd(doc, "id", jstr(n->event_id));
	jadd(doc, "alert_id", jstr(n->rule_id));
	jadd(doc, "state", jstr(v->style->name));
	jadd(doc, "metric", jstr(n->metric));
	jadd(doc, "value", n->has_value ? jnumber(n->value) : NULL);
	jadd(doc, "threshold", n->has_threshold ? jnumber(n->threshold) : NULL);
	jadd(doc, "operator", jstr(n->operator));
	jadd(doc, "window_seconds", n->window_seconds > 0 ? json_object_new_int64(n->window_seconds) : NULL);
	jadd(doc, "route", jstr(n->route));
	jadd(doc, "method", jstr(n->method));
	jadd(doc, "created_at", jstr(v->when));
	jadd(alert, "id", jstr(n->rule_id));
	jadd(alert, "name", jstr(n->rule_name));
	jadd(alert, "kind", jstr(n->rule_kind));
	jadd(alert, n->owner_field ? n->owner_field : "service_id", jstr(n->owner_id));
	jadd(doc, "alert", alert);
	return finish_json(v, doc, out);
}

/* A Block Kit field: "*Label*\nvalue" within SLACK_FIELD_MAX. */
static struct json_object *slack_field(struct view *v, const struct fact *f)
{
	struct buf b = { 0 };
	struct json_object *text;
	char *s;

	buf_puts(&b, "*");
	buf_puts(&b, f->label);
	buf_puts(&b, "*\n");
	put_cut(&b, f->value, SLACK_FIELD_MAX - (b.len), mrkdwn_escape);
	if (!(s = buf_finish(&b, NULL))) {
		v->failed = 1;
		return NULL;
	}
	text = jtyped("mrkdwn", "text", json_object_new_string(s));
	free(s);
	return text;
}

static struct json_object *slack_section(struct view *v)
{
	struct json_object *section = jtyped("section", "text", jtyped("mrkdwn", "text",
		jtext(v, v->summary, SLACK_TEXT_MAX, mrkdwn_escape)));
	struct json_object *fields = json_object_new_array();

	for (size_t i = 0; i < v->nfacts; i++)
		json_object_array_add(fields, slack_field(v, &v->facts[i]));
	if (v->nfacts)
		jadd(section, "fields", fields);
	else
		json_object_put(fields);
	return section;
}

static struct json_object *slack_actions(struct view *v)
{
	struct json_object *button = jtyped("button", "text", jtyped("plain_text", "text",
		json_object_new_string("Open in telltale")));
	struct json_object *elements = json_object_new_array();

	jadd(button, "url", jstr(v->link));
	json_object_array_add(elements, button);
	return jtyped("actions", "elements", elements);
}

/* {"text": fallback, "blocks": [header, section with fields, context with
 * the time, actions with a button to the link]}. */
static int slack_message(struct view *v, struct message *out)
{
	struct json_object *doc = json_object_new_object(), *blocks = json_object_new_array();
	struct json_object *header = jtyped("plain_text", "text",
					    jtext(v, v->subject, SLACK_HEADER_MAX, NULL));
	struct json_object *context = json_object_new_array();

	jadd(header, "emoji", json_object_new_boolean(1));
	jadd(doc, "text", jtext(v, v->subject, SLACK_TEXT_MAX, mrkdwn_escape));
	json_object_array_add(blocks, jtyped("header", "text", header));
	json_object_array_add(blocks, slack_section(v));
	json_object_array_add(context, jtyped("mrkdwn", "text", jstr(v->when)));
	json_object_array_add(blocks, jtyped("context", "elements", context));
	if (v->link && strlen(v->link) <= SLACK_URL_MAX)
		json_object_array_add(blocks, slack_actions(v));
	jadd(doc, "blocks", blocks);
	return finish_json(v, doc, out);
}

static struct json_object *discord_fields(struct view *v)
{
	struct json_object *fields = json_object_new_array();

	for (size_t i = 0; i < v->nfacts; i++) {
		struct json_object *f = json_object_new_object();
		int long_text = strcmp(v->facts[i].label, "Detail") == 0;

		jadd(f, "name", jtext(v, v->facts[i].label, DISCORD_NAME_MAX, NULL));
		jadd(f, "value", jtext(v, v->facts[i].value, DISCORD_VALUE_MAX, NULL));
		jadd(f, "inline", json_object_new_boolean(!long_text));
		json_object_array_add(fields, f);
	}
	return fields;
}

/* {"content", "embeds": [one embed in the state's colour],
 * "allowed_mentions": {"parse": []}} (no text of the caller's pings anyone). */
static int discord_message(struct view *v, struct message *out)
{
	struct json_object *doc = json_object_new_object(), *embeds = json_object_new_array();
	struct json_object *embed = json_object_new_object(), *mentions = json_object_new_object();

	jadd(doc, "content", jtext(v, v->subject, DISCORD_CONTENT_MAX, NULL));
	jadd(embed, "title", jtext(v, v->subject, DISCORD_TITLE_MAX, NULL));
	jadd(embed, "description", jtext(v, v->summary, DISCORD_DESCRIPTION_MAX, NULL));
	if (v->link)
		jadd(embed, "url", jstr(v->link));
	jadd(embed, "color", json_object_new_int(v->style->color));
	jadd(embed, "fields", discord_fields(v));
	jadd(embed, "timestamp", jstr(v->when));
	json_object_array_add(embeds, embed);
	jadd(doc, "embeds", embeds);
	jadd(mentions, "parse", json_object_new_array());
	jadd(doc, "allowed_mentions", mentions);
	return finish_json(v, doc, out);
}

static struct json_object *teams_text(struct view *v, const char *s)
{
	struct json_object *block = jtyped("TextBlock", "text", jtext(v, s, TEAMS_TEXT_MAX, NULL));

	jadd(block, "wrap", json_object_new_boolean(1));
	return block;
}

static struct json_object *teams_fact(struct view *v, const char *label, const char *value)
{
	struct json_object *fact = json_object_new_object();

	jadd(fact, "title", jstr(label));
	jadd(fact, "value", jtext(v, value, TEAMS_TEXT_MAX, NULL));
	return fact;
}

static struct json_object *teams_body(struct view *v)
{
	struct json_object *body = json_object_new_array(), *facts = json_object_new_array();
	struct json_object *title = teams_text(v, v->subject);

	jadd(title, "weight", json_object_new_string("Bolder"));
	jadd(title, "size", json_object_new_string("Medium"));
	jadd(title, "color", json_object_new_string(v->style->teams_color));
	json_object_array_add(body, title);
	json_object_array_add(body, teams_text(v, v->summary));
	for (size_t i = 0; i < v->nfacts; i++)
		json_object_array_add(facts, teams_fact(v, v->facts[i].label, v->facts[i].value));
	json_object_array_add(facts, teams_fact(v, "Time", v->when));
	json_object_array_add(body, jtyped("FactSet", "facts", facts));
	return body;
}

/* A "message" with one Adaptive Card 1.4, as Teams' workflow webhooks take it. */
static int teams_message(struct view *v, struct message *out)
{
	struct json_object *doc = jtyped("message", NULL, NULL), *attachments = json_object_new_array();
	struct json_object *attachment = json_object_new_object(), *card = json_object_new_object();

	jadd(card, "$schema", json_object_new_string("http://adaptivecards.io/schemas/adaptive-card.json"));
	jadd(card, "type", json_object_new_string("AdaptiveCard"));
	jadd(card, "version", json_object_new_string("1.4"));
	jadd(card, "body", teams_body(v));
	if (v->link) {
		struct json_object *actions = json_object_new_array();
		struct json_object *open = jtyped("Action.OpenUrl", "title",
						  json_object_new_string("Open in telltale"));

		jadd(open, "url", jstr(v->link));
		json_object_array_add(actions, open);
		jadd(card, "actions", actions);
	}
	jadd(attachment, "contentType", json_object_new_string("application/vnd.microsoft.card.adaptive"));
	jadd(attachment, "contentUrl", NULL);
	jadd(attachment, "content", card);
	json_object_array_add(attachments, attachment);
	jadd(doc, "attachments", attachments);
	return finish_json(v, doc, out);
}

/* --- MIME ----------------------------------------------------------------- */

/* 1 when s can stand in a header as it is: ASCII, and no "=?" that a reader
 * would take for the start of an encoded word. */
static int header_plain(const char *s)
{
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p >= 0x80 || (p[0] == '=' && p[1] == '?'))
			return 0;
	return 1;
}

/* s as RFC 2047 encoded words "=?UTF-8?B?...?=", each of whole characters
 * and at most 75 characters (45 bytes make 60 of base64), joined by sep: " "
 * on one line (ntfy), "\r\n " folded (e-mail). The first word holds at most
 * first bytes, so that it fits on the line its header's name begins. */
static void put_encoded_words(struct buf *b, const char *s, const char *sep, size_t first)
{
	unsigned char word[61];
	size_t n = strlen(s), room = first;

	while (n) {
		size_t take = utf8_cut(s, n, room);

		if (take == 0)           /* the first room too small for the character */
			take = utf8_cut(s, n, 45);
		if (take == 0)           /* not valid UTF-8: cannot happen to a clean text */
			take = n < 45 ? n : 45;
		room = 45;
		EVP_EncodeBlock(word, (const unsigned char *)s, (int)take);
		buf_puts(b, "=?UTF-8?B?");
		buf_puts(b, (const char *)word);
		buf_puts(b, "?=");
		s += take;
		n -= take;
		if (n)
			buf_puts(b, sep);
	}
}

/* "Name: value", the value encoded when it is not plain ASCII. Folded (sep
 * "\r\n "), no line passes 76 characters: the first word leaves room for
 * the name. */
static char *header_line(const char *name, const char *value, const char *sep)
{
	size_t prefix = strlen(name) + 2 + 12;   /* "Name: " and "=?UTF-8?B?" "?=" */
	struct buf b = { 0 };

	buf_puts(&b, name);
	buf_puts(&b, ": ");
	if (header_plain(value))
		buf_puts(&b, value);
	else
		put_encoded_words(&b, value, sep, prefix < 76 - 4 ? (76 - prefix) / 4 * 3 : 3);
	return buf_finish(&b, NULL);
}

/* ntfy: the lines as text/plain, the rest in its headers. */
static int ntfy_message(struct view *v, struct message *out)
{
	struct buf b = { 0 };
	size_t h = 0;

	put_lines(&b, v, "\n");
	out->body = buf_finish(&b, &out->len);
	out->content_type = "text/plain; charset=utf-8";
	if (!(out->headers[h++] = header_line("Title", v->subject, " ")) ||
	    !(out->headers[h++] = header_line("Priority", v->style->priority, " ")) ||
	    !(out->headers[h++] = header_line("Tags", v->style->tag, " ")) ||
	    (v->link && !(out->headers[h++] = header_line("Click", v->link, " "))))
		return -1;
	return out->body ? 0 : -1;
}

/* data[0..len) in base64, lines of 76 ending in CRLF (RFC 2045). */
static void put_base64(struct buf *b, const char *data, size_t len)
{
	unsigned char line[77];

	for (size_t at = 0; at < len; at += 57) {
		size_t take = len - at < 57 ? len - at : 57;

		EVP_EncodeBlock(line, (const unsigned char *)data + at, (int)take);
		buf_puts(b, (const char *)line);
		buf_puts(b, "\r\n");
	}
}

/* The HTML part: the sentence, a table of the facts, the link. */
static void put_html_part(struct buf *b, const struct view *v)
{
	buf_puts(b, "<!DOCTYPE html>\r\n<html><head><meta charset=\"utf-8\"><title>");
	put_html(b, v->subject);
	buf_puts(b, "</title></head>\r\n<body style=\"font-family:sans-serif\">\r\n<h2>");
	put_html(b, v->subject);
	buf_puts(b, "</h2>\r\n<p>");
	put_html(b, v->summary);
	buf_puts(b, "</p>\r\n<table cellpadding=\"4\" style=\"border-collapse:collapse\">\r\n");
	for (size_t i = 0; i <= v->nfacts; i++) {
		buf_puts(b, "<tr><th align=\"left\">");
		put_html(b, i < v->nfacts ? v->facts[i].label : "Time");
		buf_puts(b, "</th><td>");
		put_html(b, i < v->nfacts ? v->facts[i].value : v->when);
		buf_puts(b, "</td></tr>\r\n");
	}
	buf_puts(b, "</table>\r\n");
	if (v->link) {
		buf_puts(b, "<p><a href=\"");
		put_html(b, v->link);
		buf_puts(b, "\">Open in telltale</a></p>\r\n");
	}
	buf_puts(b, "</body></html>\r\n");
}

/* One part of the multipart body: its headers and text in base64. */
static int put_part(struct buf *b, const char *boundary, const char *type, const struct buf *text)
{
	if (text->failed)
		return -1;
	buf_puts(b, "--");
	buf_puts(b, boundary);
	buf_puts(b, "\r\nContent-Type: ");
	buf_puts(b, type);
	buf_puts(b, "; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n");
	put_base64(b, text->data ? text->data : "", text->len);
	return 0;
}

/* usec as RFC 5322 date-time in UTC: "Tue, 25 Nov 2025 10:00:00 +0000"
 * (English names whatever the locale). */
static void format_date(int64_t usec, char *out, size_t size)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)(usec / USEC_PER_SEC);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* n random bytes as hex. Returns 0, or -1 when OpenSSL has none to give. */
static int random_hex(char *out, size_t n)
{
	unsigned char bytes[32];

	if (n > sizeof(bytes) || RAND_bytes(bytes, (int)n) != 1)
		return -1;
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", bytes[i]);
	return 0;
}

/* 1 when an address (or "Name <address>") holds no control character, which
 * could end its header line. */
static int address_safe(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7F)
			return 0;
	return s != NULL;
}

/* The header block. The boundary holds "=_", which base64 never writes, so
 * no line of a part can be taken for it. */
static void put_mail_headers(struct buf *b, const struct view *v, const char *from, const char *to,
			     const char *id, const char *boundary)
{
	char date[48];
	char *subject = header_line("Subject", v->subject, "\r\n ");

	format_date(v->at_usec, date, sizeof(date));
	buf_puts(b, "From: ");
	buf_puts(b, from);
	buf_puts(b, "\r\nTo: ");
	buf_puts(b, to);
	buf_puts(b, "\r\n");
	if (subject)
		buf_puts(b, subject);
	else
		b->failed = 1;
	free(subject);
	buf_puts(b, "\r\nDate: ");
	buf_puts(b, date);
	buf_puts(b, "\r\nMessage-ID: <");
	buf_puts(b, id);
	buf_puts(b, "@telltale>\r\nMIME-Version: 1.0\r\n"
		    "Auto-Submitted: auto-generated\r\n"
		    "Content-Type: multipart/alternative; boundary=\"");
	buf_puts(b, boundary);
	buf_puts(b, "\"\r\n\r\n");
}

/* A whole message: headers, then the text and HTML parts. Auto-Submitted
 * keeps vacation replies from answering it (RFC 3834). */
static int email_message(struct view *v, const char *from, const char *to, struct message *out)
{
	struct buf mail = { 0 }, text = { 0 }, html = { 0 };
	char id[33], boundary[3 + 25];
	int rc = -1;

	out->content_type = "message/rfc822";
	if (!address_safe(from) || !address_safe(to))
		return -1;
	memcpy(boundary, "=_t", 3);
	if (random_hex(id, 16) != 0 || random_hex(boundary + 3, 12) != 0)
		return -1;
	put_lines(&text, v, "\r\n");
	put_html_part(&html, v);
	put_mail_headers(&mail, v, from, to, id, boundary);
	if (put_part(&mail, boundary, "text/plain", &text) == 0 &&
	    put_part(&mail, boundary, "text/html", &html) == 0) {
		buf_puts(&mail, "--");
		buf_puts(&mail, boundary);
		buf_puts(&mail, "--\r\n");
		out->body = buf_finish(&mail, &out->len);
		mail.data = NULL;
		rc = out->body ? 0 : -1;
	}
	free(mail.data);
	free(text.data);
	free(html.data);
	return rc;
}

/* --- the message ---------------------------------------------------------- */

int notice_message(enum channel_kind kind, const struct notice *n, const char *from,
		   const char *to, struct message *out)
{
	struct view v;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (view_init(&v, n) == 0) {
		memcpy(out->subject, v.subject, sizeof(out->subject));
		switch (kind) {
		case CHANNEL_WEBHOOK: rc = webhook_message(&v, out); break;
		case CHANNEL_SLACK: rc = slack_message(&v, out); break;
		case CHANNEL_DISCORD: rc = discord_message(&v, out); break;
		case CHANNEL_TEAMS: rc = teams_message(&v, out); break;
		case CHANNEL_NTFY: rc = ntfy_message(&v, out); break;
		case CHANNEL_EMAIL: rc = email_message(&v, from, to, out); break;
		default: break;
		}
	}
	view_release(&v);
	if (rc != 0) {
		message_release(out);
		out->content_type = NULL;
	}
	return rc;
}

void message_release(struct message *m)
{
	free(m->body);
	m->body = NULL;
	m->len = 0;
	for (size_t i = 0; i < sizeof(m->headers) / sizeof(m->headers[0]); i++) {
		free(m->headers[i]);
		m->headers[i] = NULL;
	}
}

/* --- addresses ------------------------------------------------------------ */

/* RFC 5322's atext: what a dot-atom holds besides its dots. */
static int atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static int local_part_valid(const char *s, size_t n)
{
	if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '.' ? s[i + 1] == '.' : !atext((unsigned char)s[i]))
			return 0;
	return 1;
}

/* A DNS label: 1 to 63 letters, digits and hyphens, no hyphen at either end. */
static int label_valid(const char *s, size_t n)
{
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

/* "[192.0.2.1]" or "[IPv6:2001:db8::1]" (the brackets stripped). */
static int address_literal_valid(const char *s, size_t n)
{
	char text[64];
	unsigned char addr[16];
	int v6 = n > 5 && strncasecmp(s, "IPv6:", 5) == 0;

	if (n - (v6 ? 5 : 0) >= sizeof(text))
		return 0;
	memcpy(text, s + (v6 ? 5 : 0), n - (v6 ? 5 : 0));
	text[n - (v6 ? 5 : 0)] = '\0';
	return inet_pton(v6 ? AF_INET6 : AF_INET, text, addr) == 1;
}

static int domain_valid(const char *s, size_t n)
{
	size_t labels = 0, start = 0, last_digits = 1;

	if (n >= 2 && s[0] == '[' && s[n - 1] == ']')
		return address_literal_valid(s + 1, n - 2);
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (!label_valid(s + start, i - start))
			return 0;
		last_digits = 1;
		for (size_t k = start; k < i; k++)
			last_digits &= s[k] >= '0' && s[k] <= '9';
		labels++;
		start = i + 1;
	}
	return labels >= 2 && !last_digits;
}

int email_address_valid(const char *s, size_t n)
{
	const char *at = s && n ? memchr(s, '@', n) : NULL;

	if (!at || n > 254 || memchr(at + 1, '@', n - (size_t)(at + 1 - s)))
		return 0;
	return local_part_valid(s, (size_t)(at - s)) &&
	       domain_valid(at + 1, n - (size_t)(at + 1 - s));
}
