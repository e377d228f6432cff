/* fingerprint: the parts that group an event, one a line, hashed. A part
 * says what it is ("type:", "frame:", "message:", "custom:"), so that a
 * client's string cannot pass for one of ours. */
#include "pure/fingerprint.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pure/buf.h"
#include "pure/utf8.h"

/* --- the message ---------------------------------------------------------- */

static int is_word(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static int is_hex(char c)
{
	return isxdigit((unsigned char)c) != 0;
}

static size_t run_of(const char *s, size_t n, size_t i, int (*in)(char))
{
	size_t j = i;

	while (j < n && in(s[j]))
		j++;
	return j - i;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* 8-4-4-4-12 hex digits. */
static size_t match_uuid(const char *s, size_t n)
{
	static const size_t groups[] = { 8, 4, 4, 4, 12 };
	size_t i = 0;

	for (size_t g = 0; g < 5; g++) {
		if (run_of(s, n, i, is_hex) < groups[g])
			return 0;
		i += groups[g];
		if (g < 4 && (i >= n || s[i++] != '-'))
			return 0;
	}
	return i < n && is_word(s[i]) ? 0 : i;
}

static int is_local_char(char c)
{
	return is_word(c) || strchr(".%+-", c) != NULL;
}

static int is_domain_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.';
}

/* local@domain.tld */
static size_t match_email(const char *s, size_t n)
{
	size_t local = run_of(s, n, 0, is_local_char), domain;

	if (local == 0 || local >= n || s[local] != '@')
		return 0;
	domain = run_of(s, n, local + 1, is_domain_char);
	while (domain > 0 && s[local + domain] == '.')
		domain--;                     /* a sentence's full stop */
	if (domain < 3 || !memchr(s + local + 1, '.', domain))
		return 0;
	return local + 1 + domain;
}

static int is_ip_char(char c)
{
	return is_hex(c) || c == ':' || c == '.';
}

static int is_v4_char(char c)
{
	return is_digit(c) || c == '.';
}

/* 1 when s[0..len) is an address of family af. */
static int is_address(int af, const char *s, size_t len)
{
	char text[INET6_ADDRSTRLEN + 1];
	unsigned char addr[16];

	if (len == 0 || len >= sizeof(text))
		return 0;
	memcpy(text, s, len);
	text[len] = '\0';
	return inet_pton(af, text, addr) == 1;
}

/* An IPv4 address (a port may follow), or the longest IPv6 address at s. */
static size_t match_ip(const char *s, size_t n)
{
	size_t len = run_of(s, n, 0, is_v4_char);

	while (len > 0 && s[len - 1] == '.')
		len--;                        /* a sentence's full stop */
	if (is_address(AF_INET, s, len))
		return len < n && is_word(s[len]) ? 0 : len;
	len = run_of(s, n, 0, is_ip_char);
	for (len = len < INET6_ADDRSTRLEN ? len : INET6_ADDRSTRLEN; len > 2; len--)
		if (memchr(s, ':', len) && is_address(AF_INET6, s, len))
			return len < n && is_word(s[len]) ? 0 : len;
	return 0;
}

/* 8 or more hex digits with a letter among them (digits alone are a
 * number), or 0x and hex digits. */
static size_t match_hex(const char *s, size_t n)
{
	size_t prefix = n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 2 : 0;
	size_t len = run_of(s, n, prefix, is_hex), letters = 0;

	for (size_t i = prefix; i < prefix + len; i++)
		letters += !is_digit(s[i]);
	if (prefix + len < n && is_word(s[prefix + len]))
		return 0;
	if ((prefix && len > 0) || (len >= 8 && letters > 0))
		return prefix + len;
	return 0;
}

/* Digits, and a fraction: sets *decimal. A unit may follow ("12ms"). */
static size_t match_number(const char *s, size_t n, int *decimal)
{
	size_t len = run_of(s, n, 0, is_digit);

	*decimal = 0;
	if (len == 0)
		return 0;
	if (len + 1 < n && s[len] == '.' && is_digit(s[len + 1])) {
		*decimal = 1;
		len += 1 + run_of(s, n, len + 1, is_digit);
	}
	return len;
}

/* '...' or "..." on one line, closed before a word goes on: "can't" is no
 * quote. */
static size_t match_quoted(const char *s, size_t n)
{
	char q = s[0];

	if (q != '\'' && q != '"')
		return 0;
	for (size_t i = 1; i < n && s[i] != '\n'; i++)
		if (s[i] == q)
			return i + 1 < n && is_word(s[i + 1]) ? 0 : i + 1;
	return 0;
}

/* The placeholder for the variable part at s[0..n), and its length in *len;
 * NULL when none starts there. */
static const char *variable_at(const char *s, size_t n, size_t *len)
{
	int decimal;

	if ((*len = match_uuid(s, n)))
		return "<uuid>";
	if ((*len = match_email(s, n)))
		return "<email>";
	if ((*len = match_ip(s, n)))
		return "<ip>";
	if ((*len = match_hex(s, n)))
		return "<hex>";
	if ((*len = match_number(s, n, &decimal)))
		return decimal ? "<float>" : "<int>";
	if ((*len = match_quoted(s, n)))
		return "<str>";
	return NULL;
}

char *fingerprint_normalise(const char *msg, size_t len, size_t *out_len)
{
	struct buf b = { 0 };
	size_t kept = 0;        /* msg[kept..i) is text to copy as it is */

	for (size_t i = 0; i < len;) {
		const char *placeholder = NULL;
		size_t n = 0;

		/* A variable part starts a word: "v2" and "user42" stay. */
		if (i == 0 || !is_word(msg[i - 1]))
			placeholder = variable_at(msg + i, len - i, &n);
		if (!placeholder) {
			i++;
			continue;
		}
		buf_put(&b, msg + kept, i - kept);
		buf_puts(&b, placeholder);
		i += n;
		kept = i;
	}
	buf_put(&b, msg + kept, len - kept);
	return buf_finish(&b, out_len);
}

/* --- the stack --------------------------------------------------------------- */

static const char *member_text(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) == 0)
		return NULL;
	return json_object_get_string(v);
}

static struct json_object *member_of_type(struct json_object *obj, const char *key, json_type type)
{
	struct json_object *v;

	return json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, type) ? v : NULL;
}

/* The exceptions of a stack: Sentry's values, or an /apps stack that names a
 * type or a frame's function (then it is its one exception). */
static struct json_object *exceptions_of(struct json_object *stack, struct json_object **one)
{
	struct json_object *values = member_of_type(stack, "values", json_type_array);
	struct json_object *frames;

	*one = NULL;
	if (values)
		return values;
	if (!json_object_is_type(stack, json_type_object))
		return NULL;
	frames = member_of_type(stack, "frames", json_type_array);
	for (size_t i = 0; frames && i < json_object_array_length(frames); i++)
		if (member_text(json_object_array_get_idx(frames, i), "function"))
			*one = stack;
	if (member_text(stack, "type"))
		*one = stack;
	return NULL;
}

static struct json_object *frames_of(struct json_object *exception)
{
	struct json_object *trace = member_of_type(exception, "stacktrace", json_type_object);

	return member_of_type(trace ? trace : exception, "frames", json_type_array);
}

static int in_app(struct json_object *frame)
{
	struct json_object *v;

	/* Only true itself: json-c takes any non-empty string for true. */
	return json_object_object_get_ex(frame, "in_app", &v) && json_object_is_type(v, json_type_boolean) &&
	       json_object_get_boolean(v);
}

/* 1 when frames mark any frame in-app: then only those count. */
static int any_in_app(struct json_object *frames)
{
	for (size_t i = 0; frames && i < json_object_array_length(frames); i++)
		if (in_app(json_object_array_get_idx(frames, i)))
			return 1;
	return 0;
}

static const char *frame_place(struct json_object *frame)
{
	const char *place = member_text(frame, "module");

	if (!place)
		place = member_text(frame, "filename");
	if (!place)
		place = member_text(frame, "file");
	return place ? place : "";
}

/* text with its control characters (line breaks, the separator below) made
 * blanks, so that no text can end a part or pass for another. */
static void put_text(struct buf *b, const char *text)
{
	const char *p = text;

	for (;;) {
		const char *run = p;

		while ((unsigned char)*p >= 0x20)
			p++;
		buf_put(b, run, (size_t)(p - run));
		if (!*p)
			return;
		buf_put(b, " ", 1);
		p++;
	}
}

/* A part, one line: what it is, and its text. */
static void put_part(struct buf *b, const char *kind, const char *text)
{
	buf_puts(b, kind);
	put_text(b, text);
	buf_put(b, "\n", 1);
}

/* A frame's part: its module (or file) and function, apart. */
static void put_frame(struct buf *b, const char *place, const char *function)
{
	buf_puts(b, "frame:");
	put_text(b, place);
	buf_put(b, "\x1f", 1);
	put_text(b, function);
	buf_put(b, "\n", 1);
}

/* The parts of one exception: its type, and module and function of each
 * frame that counts. Returns the innermost such frame, or NULL. */
static struct json_object *put_exception(struct buf *b, struct json_object *exception)
{
	struct json_object *innermost = NULL;
	struct json_object *frames = frames_of(exception);
	int only_in_app = any_in_app(frames);

	put_part(b, "type:", member_text(exception, "type") ? member_text(exception, "type") : "");
	for (size_t i = 0; frames && i < json_object_array_length(frames); i++) {
		struct json_object *frame = json_object_array_get_idx(frames, i);
		const char *function = member_text(frame, "function");

		if (only_in_app && !in_app(frame))
			continue;
		put_frame(b, frame_place(frame), function ? function : "");
		innermost = frame;
	}
	return innermost;
}

/* The default parts of the event into b: its exceptions', when one has
 * frames, else its normalised message. Returns the innermost frame that
 * counted (the culprit's), or NULL. */
static struct json_object *put_default(struct buf *b, struct json_object *stack,
				       const char *normalised)
{
	struct json_object *one, *values = exceptions_of(stack, &one), *innermost = NULL, *f;
	int with_frames = one != NULL;

	for (size_t i = 0; values && i < json_object_array_length(values); i++)
		with_frames |= frames_of(json_object_array_get_idx(values, i)) != NULL;
	if (!with_frames) {
		put_part(b, "message:", normalised);
		return NULL;
	}
	if (one)
		innermost = put_exception(b, one);
	for (size_t i = 0; values && i < json_object_array_length(values); i++)
		if ((f = put_exception(b, json_object_array_get_idx(values, i))))
			innermost = f;
	return innermost;
}

/* 1 when client is a non-empty array of strings. */
static int client_usable(struct json_object *client)
{
	size_t n = json_object_is_type(client, json_type_array) ? json_object_array_length(client) : 0;

	for (size_t i = 0; i < n; i++)
		if (!json_object_is_type(json_object_array_get_idx(client, i), json_type_string))
			return 0;
	return n > 0;
}

/* "{{ default }}", with any blanks inside the braces, in any case. */
static int is_default_marker(const char *s)
{
	if (strncmp(s, "{{", 2) != 0)
		return 0;
	s += 2 + strspn(s + 2, " \t");
	if (strncasecmp(s, "default", 7) != 0)
		return 0;
	s += 7 + strspn(s + 7, " \t");
	return strcmp(s, "}}") == 0;
}

/* --- title and culprit ------------------------------------------------------- */

/* The last exception that names a type (Sentry's last value is the one that
 * was raised), or NULL. */
static struct json_object *titled_exception(struct json_object *stack)
{
	struct json_object *one, *values = exceptions_of(stack, &one), *last = one;

	for (size_t i = 0; values && i < json_object_array_length(values); i++)
		if (member_text(json_object_array_get_idx(values, i), "type"))
			last = json_object_array_get_idx(values, i);
	return last && member_text(last, "type") ? last : NULL;
}

static char *make_title(struct json_object *stack, const char *normalised, const char *message)
{
	struct json_object *exception = titled_exception(stack);
	struct buf b = { 0 };
	const char *value;
	size_t len;
	char *title;

	if (exception) {
		buf_puts(&b, member_text(exception, "type"));
		/* An /apps stack's value is the event's message. */
		value = member_text(exception, "value");
		if (!value && !member_of_type(stack, "values", json_type_array))
			value = message;
		if (value && *value) {
			buf_puts(&b, ": ");
			buf_puts(&b, value);
		}
	} else {
		buf_puts(&b, normalised);
	}
	if (!(title = buf_finish(&b, &len)))
		return NULL;
	title[utf8_cut(title, len, FINGERPRINT_TITLE_MAX)] = '\0';
	return title;
}

static char *make_culprit(struct json_object *frame)
{
	const char *function = frame ? member_text(frame, "function") : NULL;
	struct buf b = { 0 };

	if (!frame || (!function && !*frame_place(frame)))
		return NULL;
	buf_puts(&b, frame_place(frame));
	if (function) {
		buf_puts(&b, *frame_place(frame) ? " in " : "");
		buf_puts(&b, function);
	}
	return buf_finish(&b, NULL);
}

/* --- the whole ------------------------------------------------------------------ */

int fingerprint_of(struct json_object *stack, const char *message, size_t message_len,
		   struct json_object *client, struct fingerprint *out)
{
	struct buf parts = { 0 }, ours = { 0 };
	struct json_object *culprit_frame;
	char *normalised, *text;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (!(normalised = fingerprint_normalise(message ? message : "", message ? message_len : 0, NULL)))
		return -1;
	/* Our parts, for "{{ default }}" or alone; the culprit comes from them
	 * whatever the client grouped by. */
	culprit_frame = put_default(&ours, stack, normalised);
	if (client_usable(client)) {
		for (size_t i = 0; i < json_object_array_length(client); i++) {
			const char *s = json_object_get_string(json_object_array_get_idx(client, i));

			if (is_default_marker(s))
				buf_put(&parts, ours.data ? ours.data : "", ours.len);
			else
				put_part(&parts, "custom:", s);
		}
	} else {
		buf_put(&parts, ours.data ? ours.data : "", ours.len);
	}
	free(buf_finish(&ours, NULL));
	text = buf_finish(&parts, &len);
	out->title = make_title(stack, normalised, message);
	out->culprit = make_culprit(culprit_frame);
	free(normalised);
	if (!text || !out->title) {
		free(text);
		fingerprint_release(out);
		return -1;
	}
	keys_sha256_hex(text, len, out->hex);
	free(text);
	return 0;
}

void fingerprint_release(struct fingerprint *fp)
{
	free(fp->title);
	free(fp->culprit);
	fp->title = fp->culprit = NULL;
}
