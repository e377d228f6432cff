/* stack_text: stack traces as Python, Node, the JVM, Go and .NET write
 * them (the traces below are their real output, the paths renamed), read
 * into frames outermost first; and text that is no trace, or is too much. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "pure/stack_text.h"
#include "pure/utf8.h"
#include "tap.h"

/* A frame as one line, "module|filename|function|lineno|colno|in_app",
 * absent members empty, in_app 1 or 0; the frames of a trace one after
 * the other, each line ending in "\n". */
static char *summary(struct json_object *frames)
{
	size_t n = frames ? json_object_array_length(frames) : 0, size = 64, len = 0;
	char *out = malloc(size);

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		struct json_object *f = json_object_array_get_idx(frames, i), *v;
		const char *keys[] = { "module", "filename", "function", "lineno", "colno" };
		char line[4096] = "";

		for (size_t k = 0; k < 5; k++) {
			const char *s = json_object_object_get_ex(f, keys[k], &v) ? json_object_get_string(v) : "";

			snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s|", s);
		}
		json_object_object_get_ex(f, "in_app", &v);
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "%d\n",
			 json_object_is_type(v, json_type_boolean) ? json_object_get_boolean(v) : -1);
		while (len + strlen(line) + 1 > size)
			out = realloc(out, size *= 2);
		memcpy(out + len, line, strlen(line) + 1);
		len += strlen(line);
	}
	return out;
}

#define PYTHON_CHAINED \
	"Traceback (most recent call last):\n" \
	"  File \"/srv/app/shop.py\", line 6, in checkout\n" \
	"    charge(1)\n" \
	"  File \"/srv/app/shop.py\", line 3, in charge\n" \
	"    return {}[\"cart\"]\n" \
	"           ~~^^^^^^^^\n" \
	"KeyError: 'cart'\n" \
	"\n" \
	"The above exception was the direct cause of the following exception:\n" \
	"\n" \
	"Traceback (most recent call last):\n" \
	"  File \"/srv/app/shop.py\", line 10, in <module>\n" \
	"    checkout()\n" \
	"  File \"/srv/app/shop.py\", line 8, in checkout\n" \
	"    raise ValueError(\"bad cart\") from e\n" \
	"ValueError: bad cart\n"

#define PYTHON_LIBRARIES \
	"Traceback (most recent call last):\n" \
	"  File \"<frozen runpy>\", line 198, in _run_module_as_main\n" \
	"  File \"/srv/venv/lib/python3.11/site-packages/django/core/handlers/exception.py\", line 55, in inner\n" \
	"    response = get_response(request)\n" \
	"               ^^^^^^^^^^^^^^^^^^^^^\n" \
	"  File \"/srv/app/shop/views.py\", line 42, in charge\n" \
	"    data = json.loads(body)\n" \
	"  File \"/root/.pyenv/versions/3.11.7/lib/python3.11/json/__init__.py\", line 346, in loads\n" \
	"    return _default_decoder.decode(s)\n" \
	"  File \"/usr/lib/python3/dist-packages/requests/api.py\", line 73, in get\n" \
	"  File \"/usr/lib/python3.11/json/decoder.py\", line 337, in decode\n" \
	"json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)\n"

#define PYTHON_SYNTAX \
	"Traceback (most recent call last):\n" \
	"  File \"/srv/app/main.py\", line 3, in <module>\n" \
	"    import shop\n" \
	"  File \"/srv/app/shop.py\", line 7\n" \
	"    def charge(\n" \
	"              ^\n" \
	"SyntaxError: '(' was never closed\n"

#define NODE_ASYNC \
	"TypeError: Cannot read properties of null (reading 'x')\n" \
	"    at new Foo (/srv/app/t.js:1:34)\n" \
	"    at charge (/srv/app/t.js:2:39)\n" \
	"    at async Promise.all (index 0)\n" \
	"    at async main (/srv/app/t.js:3:25)\n"

#define NODE_CJS \
	"TypeError: Cannot read properties of undefined (reading 'total')\n" \
	"    at charge (/srv/app/pay.js:42:7)\n" \
	"    at Layer.handle [as handle_request] (/srv/app/node_modules/express/lib/router/layer.js:95:5)\n" \
	"    at Object.<anonymous> (/srv/app/index.js:1:1)\n" \
	"    at Module._compile (node:internal/modules/cjs/loader:1256:14)\n" \
	"    at Function.executeUserEntryPoint [as runMain] (node:internal/modules/run_main:86:12)\n" \
	"    at node:internal/main/run_main_module:23:47\n"

#define NODE_MISC \
	"SyntaxError: Expected property name or '}' in JSON at position 1\n" \
	"    at JSON.parse (<anonymous>)\n" \
	"    at eval (eval at <anonymous> (/srv/app/t.js:6:7), <anonymous>:1:6)\n" \
	"    at /srv/app/t.js:5:12\n" \
	"    at file:///srv/app/main.mjs:3:9\n" \
	"    at ModuleJob.run (node:internal/modules/esm/module_job:195:25)\n" \
	"    at charge (C:\\srv\\app\\pay.js:42:7)\n" \
	"    at Module._compile (module.js:652:30)\n" \
	"    at process._tickCallback (internal/process/next_tick.js:188:7)\n" \
	"    at native\n"

#define JAVA_CAUSED \
	"java.lang.RuntimeException: payment failed\n" \
	"\tat com.shop.Pay.wrap(Pay.java:7)\n" \
	"\tat com.shop.Pay.main(Pay.java:13)\n" \
	"\tSuppressed: java.io.IOException: close failed\n" \
	"\t\tat com.shop.Pay.wrap(Pay.java:8)\n" \
	"\t\t... 1 more\n" \
	"Caused by: java.lang.IllegalStateException: card declined\n" \
	"\tat com.shop.Pay.charge(Pay.java:4)\n" \
	"\tat com.shop.Pay.wrap(Pay.java:6)\n" \
	"\t... 1 more\n"

#define JAVA_THREAD \
	"Exception in thread \"Thread-0\" java.lang.NumberFormatException: For input string: \"x\"\n" \
	"\tat java.base/java.lang.NumberFormatException.forInputString(NumberFormatException.java:67)\n" \
	"\tat java.base/java.lang.Integer.parseInt(Integer.java:668)\n" \
	"\tat com.shop.Pay.lambda$main$1(Pay.java:15)\n" \
	"\tat java.base/java.lang.Thread.run(Thread.java:840)\n"

#define JAVA_MISC \
	"java.lang.IllegalStateException: card declined\n" \
	"\tat com.shop.Pay.charge(Pay.java:42) ~[classes/:na]\n" \
	"\tat com.sun.proxy.$Proxy12.charge(Unknown Source)\n" \
	"\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)\n" \
	"\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:883)" \
	" ~[spring-webmvc-5.3.9.jar:5.3.9]\n" \
	"\tat app//com.shop.Worker.run(Worker.java:9)\n" \
	"\tat com.shop@1.2/com.shop.Main.main(Main.java:3)\n" \
	"\tat kotlinx.coroutines.DispatchedTask.run(DispatchedTask.kt:108)\n" \
	"\tat com.shop.PayKt.main(Pay.kt:5)\n" \
	"\t... 12 more\n"

#define GO_DEBUG_STACK \
	"goroutine 1 [running]:\n" \
	"runtime/debug.Stack()\n" \
	"\t/usr/local/go/src/runtime/debug/stack.go:24 +0x5e\n" \
	"go.opentelemetry.io/otel/sdk/trace.recordStackTrace()\n" \
	"\t/root/go/pkg/mod/go.opentelemetry.io/otel/sdk@v1.21.0/trace/span.go:540 +0x5f\n" \
	"main.charge(...)\n" \
	"\t/src/app/pay.go:42\n" \
	"main.(*Shop).Checkout(0xc00001c030, {0x6f6f38, 0xc00001e0a0})\n" \
	"\t/src/app/shop.go:17 +0x85\n" \
	"net/http.HandlerFunc.ServeHTTP(0xc000110000?, {0x6fa2d8?, 0xc00014e0e0?}, 0x4d5a8e?)\n" \
	"\tGOROOT/src/net/http/server.go:2136 +0x29\n" \
	"main.main()\n" \
	"\t/src/app/main.go:10 +0x1d\n"

#define GO_PANIC \
	"panic: runtime error: index out of range [5] with length 3\n" \
	"\n" \
	"goroutine 7 [running]:\n" \
	"main.charge(...)\n" \
	"\t/src/app/pay.go:42\n" \
	"panic({0x4a0f20, 0xc000012345})\n" \
	"\t/usr/local/go/src/runtime/panic.go:884 +0x213\n" \
	"main.worker({0xc000014090, 0x3, 0x3})\n" \
	"\t/src/app/pay.go:30 +0x1d\n" \
	"created by main.main in goroutine 1\n" \
	"\t/src/app/main.go:12 +0x45\n" \
	"\n" \
	"goroutine 1 [chan receive]:\n" \
	"main.main()\n" \
	"\t/src/app/main.go:14 +0x6a\n" \
	"exit status 2\n"

#define DOTNET_INNER \
	"System.InvalidOperationException: Charge failed\n" \
	" ---> System.FormatException: The input string 'abc' was not in a correct format.\n" \
	"   at System.Number.ThrowFormatException[TChar](ReadOnlySpan`1 value)\n" \
	"   at System.Int32.Parse(String s)\n" \
	"   at Shop.Pay.ParseAmount(String s) in /src/Shop/Pay.cs:line 11\n" \
	"   --- End of inner exception stack trace ---\n" \
	"   at Shop.Pay.ParseAmount(String s) in /src/Shop/Pay.cs:line 15\n" \
	"   at Shop.Pay.ChargeAsync(String amount) in C:\\src\\Shop\\Pay.cs:line 22\n" \
	"--- End of stack trace from previous location ---\n" \
	"   at Microsoft.AspNetCore.Mvc.Infrastructure.ActionMethodExecutor.Execute(ActionContext context)\n" \
	"   at Shop.Program.<Main>$(String[] args) in /src/Shop/Program.cs:line 3\n" \
	"   at Shop.Program.<Main>(String[] args)\n"

static const struct {
	const char *name;
	const char *text;
	const char *want;      /* the frames' summary, outermost first */
} cases[] = {
	{ "Python: chained tracebacks give the last, the one raised", PYTHON_CHAINED,
	  "|/srv/app/shop.py|<module>|10||1\n"
	  "|/srv/app/shop.py|checkout|8||1\n" },
	{ "Python: site-packages, dist-packages, the standard library and <frozen> are not in-app",
	  PYTHON_LIBRARIES,
	  "|<frozen runpy>|_run_module_as_main|198||0\n"
	  "|/srv/venv/lib/python3.11/site-packages/django/core/handlers/exception.py|inner|55||0\n"
	  "|/srv/app/shop/views.py|charge|42||1\n"
	  "|/root/.pyenv/versions/3.11.7/lib/python3.11/json/__init__.py|loads|346||0\n"
	  "|/usr/lib/python3/dist-packages/requests/api.py|get|73||0\n"
	  "|/usr/lib/python3.11/json/decoder.py|decode|337||0\n" },
	{ "Python: a SyntaxError's frame names no function", PYTHON_SYNTAX,
	  "|/srv/app/main.py|<module>|3||1\n"
	  "|/srv/app/shop.py||7||1\n" },
	{ "Node: new, async and a frame with no file, reversed", NODE_ASYNC,
	  "|/srv/app/t.js|main|3|25|1\n"
	  "||Promise.all|||0\n"
	  "|/srv/app/t.js|charge|2|39|1\n"
	  "|/srv/app/t.js|new Foo|1|34|1\n" },
	{ "Node: node_modules and node:internal are not in-app", NODE_CJS,
	  "|node:internal/main/run_main_module||23|47|0\n"
	  "|node:internal/modules/run_main|Function.executeUserEntryPoint [as runMain]|86|12|0\n"
	  "|node:internal/modules/cjs/loader|Module._compile|1256|14|0\n"
	  "|/srv/app/index.js|Object.<anonymous>|1|1|1\n"
	  "|/srv/app/node_modules/express/lib/router/layer.js|Layer.handle [as handle_request]|95|5|0\n"
	  "|/srv/app/pay.js|charge|42|7|1\n" },
	{ "Node: eval, file:// URLs, Windows paths, older Node's own modules", NODE_MISC,
	  "|internal/process/next_tick.js|process._tickCallback|188|7|0\n"
	  "|module.js|Module._compile|652|30|0\n"
	  "|C:\\srv\\app\\pay.js|charge|42|7|1\n"
	  "|node:internal/modules/esm/module_job|ModuleJob.run|195|25|0\n"
	  "|/srv/app/main.mjs||3|9|1\n"
	  "|/srv/app/t.js||5|12|1\n"
	  "|/srv/app/t.js|eval|6|7|1\n"
	  "||JSON.parse|||0\n" },
	{ "JVM: the top exception's frames only, before Suppressed and Caused by", JAVA_CAUSED,
	  "com.shop.Pay|Pay.java|main|13||1\n"
	  "com.shop.Pay|Pay.java|wrap|7||1\n" },
	{ "JVM: java.base/ frames are not in-app", JAVA_THREAD,
	  "java.lang.Thread|Thread.java|run|840||0\n"
	  "com.shop.Pay|Pay.java|lambda$main$1|15||1\n"
	  "java.lang.Integer|Integer.java|parseInt|668||0\n"
	  "java.lang.NumberFormatException|NumberFormatException.java|forInputString|67||0\n" },
	{ "JVM: loaders, modules, packaging data, Native Method, Unknown Source, Kotlin", JAVA_MISC,
	  "com.shop.PayKt|Pay.kt|main|5||1\n"
	  "kotlinx.coroutines.DispatchedTask|DispatchedTask.kt|run|108||0\n"
	  "com.shop.Main|Main.java|main|3||1\n"
	  "com.shop.Worker|Worker.java|run|9||1\n"
	  "org.springframework.web.servlet.FrameworkServlet|FrameworkServlet.java|service|883||0\n"
	  "jdk.internal.reflect.NativeMethodAccessorImpl||invoke0|||0\n"
	  "com.sun.proxy.$Proxy12||charge|||0\n"
	  "com.shop.Pay|Pay.java|charge|42||1\n" },
	{ "Go: debug.Stack, the runtime, GOROOT and the module cache not in-app", GO_DEBUG_STACK,
	  "main|/src/app/main.go|main|10||1\n"
	  "net/http|GOROOT/src/net/http/server.go|HandlerFunc.ServeHTTP|2136||0\n"
	  "main|/src/app/shop.go|(*Shop).Checkout|17||1\n"
	  "main|/src/app/pay.go|charge|42||1\n"
	  "go.opentelemetry.io/otel/sdk/trace|"
	  "/root/go/pkg/mod/go.opentelemetry.io/otel/sdk@v1.21.0/trace/span.go|recordStackTrace|540||0\n"
	  "runtime/debug|/usr/local/go/src/runtime/debug/stack.go|Stack|24||0\n" },
	{ "Go: a panic's goroutine only, created by as the outermost frame", GO_PANIC,
	  "main|/src/app/main.go|main|12||1\n"
	  "main|/src/app/pay.go|worker|30||1\n"
	  "|/usr/local/go/src/runtime/panic.go|panic|884||0\n"
	  "main|/src/app/pay.go|charge|42||1\n" },
	{ ".NET: the outer exception's frames, System. and Microsoft. not in-app", DOTNET_INNER,
	  "Shop.Program||<Main>|||1\n"
	  "Shop.Program|/src/Shop/Program.cs|<Main>$|3||1\n"
	  "Microsoft.AspNetCore.Mvc.Infrastructure.ActionMethodExecutor||Execute|||0\n"
	  "Shop.Pay|C:\\src\\Shop\\Pay.cs|ChargeAsync|22||1\n"
	  "Shop.Pay|/src/Shop/Pay.cs|ParseAmount|15||1\n" },
	{ "lines may end in \\r\\n, or not", "TypeError: x\r\n    at a (/a.js:1:2)\r\n    at b (/b.js:3:4)\n"
	  "    at c (/c.js:5:6)\r\n",
	  "|/c.js|c|5|6|1\n"
	  "|/b.js|b|3|4|1\n"
	  "|/a.js|a|1|2|1\n" },
	{ "a language's frames after another's are skipped",
	  "    at a (/a.js:1:2)\n  File \"x.py\", line 1, in f\n\tat com.shop.Pay.charge(Pay.java:42)\n",
	  "|/a.js|a|1|2|1\n" },
	{ "text that holds no frame", "hello world\nat\nat \n   at (\n   at )\nat native\n"
	  "File \"x\nline 42\nmain.main()\n\tnot a file\n  File \"a.py\" line 3\n    at x.(y)\n",
	  "" },
	{ "an exception with no frames", "java.lang.IllegalStateException: card declined\n", "" },
	{ "a trace header alone", "Traceback (most recent call last):\n", "" },
	{ "one line without a newline", "    at charge (/srv/app/pay.js:42:7)",
	  "|/srv/app/pay.js|charge|42|7|1\n" },
};

/* The frames of text[0..len): their summary, and *n what
 * stack_text_frames answered. */
static char *frames_of(const char *text, size_t len, int *n)
{
	struct json_object *frames = NULL;
	char *s;

	*n = stack_text_frames(text, len, &frames);
	if ((*n > 0) != (frames != NULL) || (frames && (int)json_object_array_length(frames) != *n))
		*n = -2;
	s = summary(frames);
	json_object_put(frames);
	return s;
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n;
		char *got = frames_of(cases[i].text, strlen(cases[i].text), &n);

		is_str(got, cases[i].want, cases[i].name);
		is_int(n, lines(cases[i].want), "  and returns how many");
		free(got);
	}
}

/* Bytes that are no text: a line that is not UTF-8 or holds a NUL is
 * skipped, and the text goes on past a NUL. */
static void test_bytes(void)
{
	static const char text[] = "\xff\xfe at x (/x.js:1:1)\n    at a (/a.js:1:1\xc3)\n"
		"    at b (/b.js:2:2)\0junk\n    at c (/c.js:3:3)\n    at d (/d\xc3\xa9.js:4:4)\n";
	int n;
	char *got = frames_of(text, sizeof(text) - 1, &n);

	is_str(got, "|/d\xc3\xa9.js|d|4|4|1\n|/c.js|c|3|3|1\n",
	       "lines with invalid UTF-8 or a NUL are skipped, the rest read");
	free(got);
	got = frames_of(NULL, 0, &n);
	ok(n == 0 && strcmp(got, "") == 0, "no text: 0, no frames");
	free(got);
	got = frames_of("", 0, &n);
	is_int(n, 0, "empty text: 0");
	free(got);
	got = frames_of("    at a (/a.js:1:1)\n", 10, &n);
	is_int(n, 0, "only len bytes are read");
	free(got);
}

/* text grown by n copies of s; the caller frees it. */
static char *repeat(const char *head, const char *s, size_t n, const char *tail, size_t *len)
{
	size_t hl = strlen(head), sl = strlen(s), tl = strlen(tail);
	char *out = malloc(hl + sl * n + tl + 1), *p = out;

	memcpy(p, head, hl);
	p += hl;
	for (size_t i = 0; i < n; i++, p += sl)
		memcpy(p, s, sl);
	memcpy(p, tail, tl + 1);
	*len = hl + sl * n + tl;
	return out;
}

/* The first and last lines of a summary. */
static void ends_of(const char *s, char *first, char *last, size_t size)
{
	const char *nl = strchr(s, '\n'), *prev;

	snprintf(first, size, "%.*s", nl ? (int)(nl - s) : 0, s);
	prev = s + strlen(s) - 1;
	while (prev > s && prev[-1] != '\n')
		prev--;
	snprintf(last, size, "%.*s", (int)(s + strlen(s) - 1 - prev), prev);
}

/* 10,000 frames numbered from the top of the text: the innermost 256 are
 * kept, wherever the language puts them. */
static void test_many_frames(void)
{
	static const struct {
		const char *name, *head, *frame, *first, *last;
	} langs[] = {
		{ "Node", "Error: deep\n", "    at f (/srv/app/r.js:%zu:1)\n",
		  "|/srv/app/r.js|f|256|1|1", "|/srv/app/r.js|f|1|1|1" },
		{ "Python", "Traceback (most recent call last):\n", "  File \"/srv/app/r.py\", line %zu, in f\n",
		  "|/srv/app/r.py|f|9745||1", "|/srv/app/r.py|f|10000||1" },
		{ "JVM", "java.lang.StackOverflowError\n", "\tat com.shop.R.f(R.java:%zu)\n",
		  "com.shop.R|R.java|f|256||1", "com.shop.R|R.java|f|1||1" },
		{ "Go", "goroutine 1 [running]:\n", "main.f(...)\n\t/src/app/r.go:%zu\n",
		  "main|/src/app/r.go|f|256||1", "main|/src/app/r.go|f|1||1" },
		{ ".NET", "System.StackOverflowException\n", "   at Shop.R.F() in /src/R.cs:line %zu\n",
		  "Shop.R|/src/R.cs|F|256||1", "Shop.R|/src/R.cs|F|1||1" },
	};

	for (size_t l = 0; l < sizeof(langs) / sizeof(langs[0]); l++) {
		size_t size = 100 * 10000 + 64, len = 0;
		char *text = malloc(size), *got, first[256], last[256], name[128];
		int n;

		len += (size_t)snprintf(text, size, "%s", langs[l].head);
		for (size_t i = 1; i <= 10000; i++)
			len += (size_t)snprintf(text + len, size - len, langs[l].frame, i);
		got = frames_of(text, len, &n);
		snprintf(name, sizeof(name), "%s: 10,000 frames keep %d", langs[l].name, STACK_TEXT_FRAMES_MAX);
		is_int(n, STACK_TEXT_FRAMES_MAX, name);
		ends_of(got, first, last, sizeof(first));
		is_str(first, langs[l].first, "  the outermost kept is the 256th from the raise");
		is_str(last, langs[l].last, "  the last is where the error was raised");
		free(got);
		free(text);
	}
}

/* Lines of a mebibyte: read in linear time, their pieces cut at a
 * character boundary. */
static void test_long_lines(void)
{
	size_t len;
	/* "€" is 3 bytes: 1024 bytes of them cut to 341 characters */
	char *text = repeat("Error: x\n    at ", "\xe2\x82\xac", 350000, " (/srv/app/x.js:1:1)\n", &len);
	struct json_object *frames = NULL, *v = NULL;
	const char *function;

	is_int(stack_text_frames(text, len, &frames), 1, "a function name of a MiB");
	json_object_object_get_ex(json_object_array_get_idx(frames, 0), "function", &v);
	function = json_object_get_string(v);
	is_int(json_object_get_string_len(v), 1023, "  is cut to 1023 bytes, a whole number of characters");
	ok(utf8_valid(function, strlen(function)), "  and stays valid UTF-8");
	json_object_put(frames);
	free(text);

	/* Each line, then a Node frame: 1 frame when the line is none or is
	 * of another language, 2 when it is Node's. */
	static const struct {
		const char *name, *head, *unit, *tail;
		int frames;
	} floods[] = {
		{ "a MiB of parentheses", "    at f ", "(", ")\n", 1 },
		{ "a MiB of quotes after File", "  File \"", "\"", "\n", 1 },
		{ "a MiB of \") in \"", "   at A.B(", ") in ", ":line 3\n", 1 },
		{ "a MiB of /lib/python", "  File \"", "/lib/python", "\", line 1, in f\n", 1 },
		{ "a MiB of \"at \"", "", "at ", "\n", 1 },
		{ "a MiB of colons and digits", "    at ", ":1", "\n", 2 },
		{ "a MiB of Go arguments", "main.f", "(", ")\n\t/src/app/x.go:1 +0x1\n", 1 },
	};
	for (size_t i = 0; i < sizeof(floods) / sizeof(floods[0]); i++) {
		size_t n = (1024 * 1024) / strlen(floods[i].unit);
		char *flood = repeat(floods[i].head, floods[i].unit, n, floods[i].tail, &len);
		char *both = repeat(flood, "", 0, "    at g (/srv/app/g.js:2:3)\n", &len);
		clock_t start = clock();
		int count;
		char *got = frames_of(both, len, &count);
		double seconds = (double)(clock() - start) / CLOCKS_PER_SEC;

		is_int(count, floods[i].frames, floods[i].name);
		/* linear is milliseconds; quadratic would be hours */
		ok(seconds < 10, "  read in linear time");
		free(got);
		free(both);
		free(flood);
	}
}

int main(void)
{
	test_cases();
	test_bytes();
	test_many_frames();
	test_long_lines();
	return tap_done();
}
