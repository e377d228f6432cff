/* stack_text: one pass over the lines, each tried against the frame shapes
 * of the languages read; the frames are kept as pieces of the text and made
 * JSON at the end. */
#include "pure/stack_text.h"

#include <stdlib.h>
#include <string.h>

#include "pure/utf8.h"

enum dialect {
	DIALECT_NONE,
	DIALECT_PYTHON,     /* outermost frame first */
	DIALECT_NODE,       /* the others: innermost first */
	DIALECT_METHOD,     /* the JVM and .NET: "at Type.method(...)" */
	DIALECT_GO,
};

/* A piece of the text: ptr NULL when absent. */
struct piece {
	const char *ptr;
	size_t len;
};

struct frame {
	struct piece filename, module, function;
	long lineno, colno;             /* -1 when not given */
	int in_app;
};

struct scan {
	enum dialect dialect;
	struct frame *kept;             /* STACK_TEXT_FRAMES_MAX of them */
	size_t seen;                    /* frames of the current section */
	int stopped;
	struct piece go_function;       /* a Go function line waiting for its file */
};

/* Classes and namespaces of the platforms and their frameworks. */
static const char *const library_types[] = {
	"java.", "javax.", "jdk.", "sun.", "com.sun.", "kotlin.", "kotlinx.", "scala.",
	"org.springframework.", "System.", "Microsoft.",
};

static const char *const go_library_paths[] = {
	"/usr/local/go/", "/usr/lib/go", "GOROOT/", "$GOROOT/",
};

static struct piece piece(const char *ptr, size_t len)
{
	return (struct piece){ ptr, len };
}

static struct piece from(struct piece p, size_t at)
{
	return piece(p.ptr + at, p.len - at);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static struct piece trim(struct piece p)
{
	while (p.len && is_blank(p.ptr[0]))
		p = from(p, 1);
	while (p.len && is_blank(p.ptr[p.len - 1]))
		p.len--;
	return p;
}

static int starts(struct piece p, const char *prefix)
{
	size_t n = strlen(prefix);

	return p.len >= n && memcmp(p.ptr, prefix, n) == 0;
}

static int ends(struct piece p, const char *suffix)
{
	size_t n = strlen(suffix);

	return p.len >= n && memcmp(p.ptr + p.len - n, suffix, n) == 0;
}

/* The offset of the first s in p, or -1. The needles are short words, so
 * this is linear in p.len. */
static long find(struct piece p, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; n <= p.len && i <= p.len - n; i++) {
		const char *at = memchr(p.ptr + i, s[0], p.len - n + 1 - i);

		if (!at)
			return -1;
		i = (size_t)(at - p.ptr);
		if (memcmp(at, s, n) == 0)
			return (long)i;
	}
	return -1;
}

static int contains(struct piece p, const char *s)
{
	return find(p, s) >= 0;
}

static int same(struct piece p, const char *s)
{
	return p.len == strlen(s) && memcmp(p.ptr, s, p.len) == 0;
}

/* The offset of the last c in p, or -1. */
static long find_last(struct piece p, char c)
{
	for (size_t i = p.len; i > 0; i--)
		if (p.ptr[i - 1] == c)
			return (long)i - 1;
	return -1;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* How many digits end p, when 1 to 9 of them (else 0), and their value. */
static size_t trailing_number(struct piece p, long *n)
{
	size_t digits = 0;

	while (digits < p.len && is_digit(p.ptr[p.len - 1 - digits]))
		digits++;
	if (digits > 9)
		return 0;
	*n = 0;
	for (size_t i = p.len - digits; i < p.len; i++)
		*n = *n * 10 + (p.ptr[i] - '0');
	return digits;
}

/* Reads ":N" at the end of *p into *n and takes it off. Returns 1, or 0
 * with *p and *n untouched. */
static int take_number(struct piece *p, long *n)
{
	long value;
	size_t digits = trailing_number(*p, &value);

	if (digits == 0 || digits + 1 > p->len || p->ptr[p->len - 1 - digits] != ':')
		return 0;
	*n = value;
	p->len -= digits + 1;
	return 1;
}

/* The offset of the '(' that opens the ')' ending p, or -1. */
static long opening_paren(struct piece p)
{
	long depth = 0;

	for (size_t i = p.len; i > 0; i--) {
		char c = p.ptr[i - 1];

		depth += c == ')';
		depth -= c == '(';
		if (depth == 0)
			return (long)i - 1;
	}
	return -1;
}

static int any_prefix(struct piece p, const char *const *prefixes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (starts(p, prefixes[i]))
			return 1;
	return 0;
}

#define ANY_PREFIX(p, list) any_prefix((p), (list), sizeof(list) / sizeof((list)[0]))

static struct frame new_frame(void)
{
	return (struct frame){ .lineno = -1, .colno = -1, .in_app = 1 };
}

/* "/lib/python" and a digit: the standard library of a Python install. */
static int python_library(struct piece file)
{
	long at;

	while ((at = find(file, "/lib/python")) >= 0) {
		file = from(file, (size_t)at + strlen("/lib/python"));
		if (file.len && is_digit(file.ptr[0]))
			return 1;
	}
	return 0;
}

/* File "app/shop.py", line 42, in charge */
static int python_frame(struct piece t, struct frame *f)
{
	long at, line = 0;
	size_t digits = 0;

	if (!starts(t, "File \""))
		return 0;
	t = from(t, strlen("File \""));
	if ((at = find(t, "\", line ")) < 0)
		return 0;
	f->filename = piece(t.ptr, (size_t)at);
	t = from(t, (size_t)at + strlen("\", line "));
	for (; t.len && is_digit(t.ptr[0]) && digits < 9; digits++, t = from(t, 1))
		line = line * 10 + (t.ptr[0] - '0');
	if (digits > 0)
		f->lineno = line;
	if (starts(t, ", in ") && t.len > strlen(", in "))
		f->function = from(t, strlen(", in "));
	f->in_app = !contains(f->filename, "site-packages/") && !contains(f->filename, "dist-packages/") &&
		!python_library(f->filename) && !starts(f->filename, "<frozen ");
	return 1;
}

/* A Node location: path:line:column, path:line, or a place with no line
 * (native, <anonymous>, index 0), which names no file. */
static void node_location(struct piece loc, struct frame *f)
{
	long open, close, last, before;

	if (starts(loc, "eval at ") && (open = find_last(loc, '(')) >= 0) {
		/* eval at fn (/srv/app/x.js:1:1), <anonymous>:1:6: the eval's place */
		loc = from(loc, (size_t)open + 1);
		if ((close = find(loc, ")")) >= 0)
			loc.len = (size_t)close;
	}
	if (starts(loc, "file://"))
		loc = from(loc, strlen("file://"));
	if (!take_number(&loc, &last) || loc.len == 0)
		return;
	if (take_number(&loc, &before)) {
		f->lineno = before;
		f->colno = last;
	} else {
		f->lineno = last;
	}
	f->filename = loc;
}

/* at fn (location), or at location: rest is what follows "at ". */
static int node_frame(struct piece rest, long open, struct frame *f)
{
	if (open > 0) {
		f->function = trim(piece(rest.ptr, (size_t)open));
		if (starts(f->function, "async "))
			f->function = trim(from(f->function, strlen("async ")));
		node_location(piece(rest.ptr + open + 1, rest.len - (size_t)open - 2), f);
	} else {
		node_location(rest, f);
	}
	if (!f->filename.ptr && !f->function.len)
		return 0;
	f->in_app = f->filename.ptr && !starts(f->filename, "node:") &&
		!starts(f->filename, "internal/") && !contains(f->filename, "node_modules/") &&
		(contains(f->filename, "/") || contains(f->filename, "\\"));
	return 1;
}

/* Type.method of a JVM or .NET frame, after any "loader/module/" (the JVM
 * writes "app//", "java.base/", "app/com.shop@1.0/"). */
static int method_name(struct piece head, struct frame *f)
{
	long slash = find_last(head, '/'), dot;
	struct piece jvm_module = { 0 };

	if (slash >= 0) {
		struct piece prefix = piece(head.ptr, (size_t)slash);
		long first = find(prefix, "/");

		jvm_module = first >= 0 ? from(prefix, (size_t)first + 1) : prefix;
		head = from(head, (size_t)slash + 1);
	}
	if ((dot = find_last(head, '.')) <= 0 || (size_t)dot + 1 == head.len || contains(head, " "))
		return 0;
	f->module = piece(head.ptr, (size_t)dot);
	f->function = from(head, (size_t)dot + 1);
	f->in_app = !ANY_PREFIX(f->module, library_types) &&
		!starts(jvm_module, "java.") && !starts(jvm_module, "jdk.");
	return 1;
}

/* What the JVM writes in the parentheses: a file, a file and line, or one
 * of two phrases; .NET writes the parameters there. */
static int jvm_location(struct piece loc)
{
	if (same(loc, "Native Method") || same(loc, "Unknown Source"))
		return 1;
	return loc.len > 0 && !contains(loc, " ") && !contains(loc, ",");
}

/* Type.method(parameters) in /path/File.cs:line 42 */
static int dotnet_file_frame(struct piece rest, struct frame *f)
{
	long open = find(rest, "("), in = find(rest, ") in "), line;
	size_t digits = trailing_number(rest, &line);
	struct piece file;

	if (digits == 0 || open < 0 || in < open)
		return 0;
	file = piece(rest.ptr + in + strlen(") in "), rest.len - (size_t)in - strlen(") in ") - digits);
	if (!ends(file, ":line ") || file.len == strlen(":line "))
		return 0;
	if (!method_name(piece(rest.ptr, (size_t)open), f))
		return 0;
	f->filename = piece(file.ptr, file.len - strlen(":line "));
	f->lineno = line;
	return 1;
}

/* Type.method(File.java:42), or Type.method(parameters): open is the '('. */
static int method_frame(struct piece rest, long open, struct frame *f)
{
	struct piece loc = piece(rest.ptr + open + 1, rest.len - (size_t)open - 2);

	if (!method_name(piece(rest.ptr, (size_t)open), f))
		return 0;
	if (!jvm_location(loc) || same(loc, "Native Method") || same(loc, "Unknown Source"))
		return 1;
	take_number(&loc, &f->lineno);
	if (loc.len)
		f->filename = loc;
	return 1;
}

/* A line that starts with "at ": Node, the JVM or .NET. */
static enum dialect at_frame(struct piece t, struct frame *f)
{
	struct piece rest = trim(from(t, strlen("at ")));
	long open, bracket;

	if (dotnet_file_frame(rest, f))
		return DIALECT_METHOD;
	/* "(Pay.java:42) ~[shop.jar:1.0]": the packaging data some loggers add */
	if (ends(rest, "]") && (bracket = find_last(rest, '[')) > 0) {
		struct piece before = trim(piece(rest.ptr, (size_t)bracket));

		if (ends(before, " ~"))
			before = trim(piece(before.ptr, before.len - 1));
		if (ends(before, ")"))
			rest = before;
	}
	if (!ends(rest, ")") || (open = opening_paren(rest)) < 0 || open == 0)
		return node_frame(rest, -1, f) ? DIALECT_NODE : DIALECT_NONE;
	if (rest.ptr[open - 1] == ' ')
		return node_frame(rest, open, f) ? DIALECT_NODE : DIALECT_NONE;
	return method_frame(rest, open, f) ? DIALECT_METHOD : DIALECT_NONE;
}

/* A Go function line: pkg/path.Func(args), or created by pkg.Func [in
 * goroutine N]. Returns 0 when it is not one. */
static int go_function(struct piece t, struct frame *f)
{
	struct piece name = t;
	long open, slash, dot;

	if (starts(t, "created by ")) {
		name = from(t, strlen("created by "));
		if ((open = find(name, " in goroutine ")) >= 0)
			name.len = (size_t)open;
	} else {
		if (!ends(t, ")") || (open = opening_paren(t)) <= 0)
			return 0;
		name.len = (size_t)open;
	}
	if (name.len == 0 || contains(name, " "))
		return 0;
	slash = find_last(name, '/');
	dot = find(from(name, slash >= 0 ? (size_t)slash : 0), ".");
	if (dot > 0) {
		size_t at = (slash >= 0 ? (size_t)slash : 0) + (size_t)dot;

		f->module = piece(name.ptr, at);
		f->function = from(name, at + 1);
	} else {
		f->function = name;
	}
	f->in_app = !starts(name, "runtime.") && !starts(name, "runtime/") && !same(name, "panic");
	return f->function.len > 0;
}

/* A Go file line: /src/app/pay.go:42 +0x1d */
static int go_file(struct piece t, struct frame *f)
{
	long plus = find_last(t, '+');

	if (plus > 0 && t.ptr[plus - 1] == ' ' && starts(from(t, (size_t)plus), "+0x"))
		t = trim(piece(t.ptr, (size_t)plus));
	if (!take_number(&t, &f->lineno) || t.len == 0)
		return 0;
	f->filename = t;
	f->in_app &= !ANY_PREFIX(t, go_library_paths) && !contains(t, "/pkg/mod/") &&
		!contains(t, "/vendor/");
	return 1;
}

/* Keeps f: the first STACK_TEXT_FRAMES_MAX of a language that lists the
 * innermost frame first, the last ones of one that lists it last. */
static void keep(struct scan *s, enum dialect dialect, const struct frame *f)
{
	if (s->dialect == DIALECT_NONE)
		s->dialect = dialect;
	if (dialect != s->dialect)
		return;
	if (dialect == DIALECT_PYTHON)
		s->kept[s->seen % STACK_TEXT_FRAMES_MAX] = *f;
	else if (s->seen < STACK_TEXT_FRAMES_MAX)
		s->kept[s->seen] = *f;
	s->seen++;
}

/* The lines that end or restart the frames of one exception. */
static int section_line(struct scan *s, struct piece t)
{
	if (starts(t, "Traceback (most recent call last):")) {
		if (s->dialect == DIALECT_PYTHON || s->dialect == DIALECT_NONE)
			s->seen = 0;
	} else if (starts(t, "Caused by:") || starts(t, "Suppressed:")) {
		s->stopped = s->dialect == DIALECT_METHOD && s->seen > 0;
	} else if (starts(t, "--- End of inner exception stack trace ---")) {
		if (s->dialect == DIALECT_METHOD)
			s->seen = 0;
	} else if (starts(t, "goroutine ") && ends(t, ":")) {
		s->stopped = s->dialect == DIALECT_GO && s->seen > 0;
	} else {
		return 0;
	}
	return 1;
}

static void scan_line(struct scan *s, struct piece line)
{
	struct piece t = trim(line), pending = s->go_function;
	struct frame f = new_frame();
	enum dialect dialect;

	s->go_function = piece(NULL, 0);
	if (t.len == 0 || !utf8_valid(line.ptr, line.len) || section_line(s, t))
		return;
	if (python_frame(t, &f)) {
		keep(s, DIALECT_PYTHON, &f);
	} else if (starts(t, "at ")) {
		if ((dialect = at_frame(t, &f)) != DIALECT_NONE)
			keep(s, dialect, &f);
	} else if (is_blank(line.ptr[0])) {
		if (pending.ptr && go_function(pending, &f) && go_file(t, &f))
			keep(s, DIALECT_GO, &f);
	} else {
		s->go_function = t;
	}
}

static int add_string(struct json_object *obj, const char *key, struct piece p)
{
	struct json_object *v;

	if (!p.ptr || p.len == 0)
		return 0;
	v = json_object_new_string_len(p.ptr, (int)utf8_cut(p.ptr, p.len, STACK_TEXT_PIECE_MAX));
	if (!v || json_object_object_add(obj, key, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

static int add_number(struct json_object *obj, const char *key, long n)
{
	struct json_object *v;

	if (n < 0)
		return 0;
	v = json_object_new_int((int)n);
	if (!v || json_object_object_add(obj, key, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

static struct json_object *frame_json(const struct frame *f)
{
	struct json_object *obj = json_object_new_object(), *in_app = json_object_new_boolean(f->in_app);

	if (!obj || !in_app || add_string(obj, "filename", f->filename) != 0 ||
	    add_string(obj, "module", f->module) != 0 || add_string(obj, "function", f->function) != 0 ||
	    add_number(obj, "lineno", f->lineno) != 0 || add_number(obj, "colno", f->colno) != 0 ||
	    json_object_object_add(obj, "in_app", in_app) != 0) {
		json_object_put(obj);
		json_object_put(in_app);
		return NULL;
	}
	return obj;
}

/* The kept frames, outermost first. */
static struct json_object *frames_json(const struct scan *s, size_t n)
{
	struct json_object *frames = json_object_new_array();
	/* Python's ring holds the last n in text order from first. */
	size_t first = s->seen > STACK_TEXT_FRAMES_MAX ? s->seen % STACK_TEXT_FRAMES_MAX : 0;

	for (size_t i = 0; frames && i < n; i++) {
		size_t at = s->dialect == DIALECT_PYTHON ? (first + i) % STACK_TEXT_FRAMES_MAX : n - 1 - i;
		struct json_object *frame = frame_json(&s->kept[at]);

		if (!frame || json_object_array_add(frames, frame) != 0) {
			json_object_put(frame);
			json_object_put(frames);
			return NULL;
		}
	}
	return frames;
}

int stack_text_frames(const char *text, size_t len, struct json_object **frames)
{
	struct scan s = { .dialect = DIALECT_NONE };
	const char *end = text + len, *next;
	size_t n;

	*frames = NULL;
	if (len == 0)
		return 0;
	s.kept = malloc(STACK_TEXT_FRAMES_MAX * sizeof(*s.kept));
	if (!s.kept)
		return -1;
	for (const char *p = text; p < end && !s.stopped; p = next) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct piece line = piece(p, (size_t)((nl ? nl : end) - p));

		next = nl ? nl + 1 : end;
		if (ends(line, "\r"))
			line.len--;
		scan_line(&s, line);
	}
	n = s.seen < STACK_TEXT_FRAMES_MAX ? s.seen : STACK_TEXT_FRAMES_MAX;
	if (n > 0 && !(*frames = frames_json(&s, n))) {
		free(s.kept);
		return -1;
	}
	free(s.kept);
	return (int)n;
}
