/* Unit tests for mask: every masking rule of docs/api.md, one row a case. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pure/mask.h"
#include "tap.h"

#define M MASK_VALUE
#define QM "\"" MASK_VALUE "\""

static void test_names(void)
{
	static const struct { const char *name; int sensitive; } cases[] = {
		/* the listed header names, any case */
		{ "authorization", 1 }, { "Authorization", 1 }, { "PROXY-AUTHORIZATION", 1 },
		{ "Proxy-Authorization", 1 }, { "cookie", 1 }, { "Cookie", 1 },
		{ "set-cookie", 1 }, { "Set-Cookie", 1 }, { "x-api-key", 1 }, { "X-API-Key", 1 },
		{ "x-auth-token", 1 }, { "X-Auth-Token", 1 }, { "x-csrf-token", 1 },
		{ "X-CSRF-Token", 1 }, { "x-ingest-key", 1 }, { "X-Ingest-Key", 1 },
		/* names containing token, secret, password, session, api-key, apikey */
		{ "token", 1 }, { "access_token", 1 }, { "X-Refresh-Token", 1 }, { "TOKENS", 1 },
		{ "secret", 1 }, { "client_secret", 1 }, { "X-Webhook-Secret", 1 },
		{ "password", 1 }, { "db-password", 1 }, { "PASSWORD", 1 }, { "newPassword", 1 },
		{ "session", 1 }, { "sessionid", 1 }, { "JSESSIONID", 1 }, { "X-Session-Id", 1 },
		{ "api-key", 1 }, { "my-api-key", 1 }, { "apikey", 1 }, { "ApiKey", 1 },
		{ "x_apikey", 1 },
		/* '_' is taken as '-' */
		{ "api_key", 1 }, { "X_API_KEY", 1 }, { "set_cookie", 1 }, { "proxy_authorization", 1 },
		{ "x_ingest_key", 1 },
		{ "x-authorization", 1 }, { "auth", 1 }, { "pwd", 1 }, { "sig", 1 }, { "passwd", 1 },
		{ "db_passwd", 1 }, { "credentials", 1 }, { "aws_credential", 1 }, { "private_key", 1 },
		{ "X-Amz-Signature", 1 }, { "X-Goog-Signature", 1 }, { "signature", 1 }, { "sentry_key", 1 },
		{ "access_token", 1 }, { "refresh_token", 1 }, { "client_secret", 1 },
		/* not sensitive */
		{ "content-type", 0 }, { "Accept", 0 }, { "user-agent", 0 }, { "x-request-id", 0 },
		{ "cookies-enabled", 0 }, { "authorizations", 0 }, { "author", 0 },
		{ "code", 0 }, { "state", 0 }, { "signed", 0 },
		{ "host", 0 }, { "tok", 0 }, { "pass", 0 }, { "api", 0 }, { "key", 0 },
		{ "api key", 0 }, { "ingest-key", 0 }, { "", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[96];

		snprintf(name, sizeof(name), "name '%s' is %s", cases[i].name,
			 cases[i].sensitive ? "sensitive" : "not sensitive");
		is_int(mask_sensitive_name(cases[i].name, strlen(cases[i].name)), cases[i].sensitive, name);
	}
	ok(!mask_sensitive_name("tokenxyz", 3), "only len bytes of the name count");
}

static void test_cards(void)
{
	static const struct { const char *text; const char *want; size_t count; } cases[] = {
		{ "4111111111111111", M, 1 },
		{ "card 4111 1111 1111 1111 ok", "card " M " ok", 1 },
		{ "4111-1111-1111-1111", M, 1 },
		{ "4111 1111-1111 1111", M, 1 },
		{ "378282246310005", M, 1 },                       /* 15 digits */
		{ "3782 822463 10005", M, 1 },
		{ "4000000000006", M, 1 },                         /* 13 digits */
		{ "6011000000000000001", M, 1 },                   /* 19 digits */
		{ "x4111111111111111y", "x" M "y", 1 },
		{ "a 4111111111111111 b 5500-0000-0000-0004 c", "a " M " b " M " c", 2 },
		{ "4111 1111 1111 1111 2026", M " 2026", 1 },
		{ "2026 4111 1111 1111 1111", "2026 " M, 1 },
		/* not card numbers: left as they are */
		{ "4111111111111112", "4111111111111112", 0 },     /* fails Luhn */
		{ "4111 1111 1111 1112", "4111 1111 1111 1112", 0 },
		{ "123400000006", "123400000006", 0 },             /* 12 digits, Luhn-valid */
		{ "41110000000000000008", "41110000000000000008", 0 }, /* 20 digits, Luhn-valid */
		{ "4111  1111 1111 1111", M, 1 },                  /* separators repeated */
		{ "4111--1111-1111-1111", M, 1 },
		{ "4111 - 1111 - 1111 - 1111", M, 1 },
		{ "4111_1111_1111_1111", "4111_1111_1111_1111", 0 },
		{ "+1 555-123-4567", "+1 555-123-4567", 0 },
		{ "2026-02-10T10:00:00Z", "2026-02-10T10:00:00Z", 0 },
		{ "order 12345", "order 12345", 0 },
		{ "", "", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = 0, count = 99;
		char *got = mask_cards(cases[i].text, strlen(cases[i].text), &len, &count);
		char name[128];

		snprintf(name, sizeof(name), "cards in '%s'", cases[i].text);
		is_str(got, cases[i].want, name);
		ok(got && len == strlen(got) && count == cases[i].count, "  and the length and count");
		free(got);
	}
}

static void test_bodies(void)
{
	static const struct { const char *body; const char *want; } cases[] = {
		{ "{\"user\":\"a\",\"password\":\"hunter2\"}", "{\"user\":\"a\",\"password\":" QM "}" },
		{ "{\"a\":{\"b\":{\"Password\":\"x\",\"c\":1}}}", "{\"a\":{\"b\":{\"Password\":" QM ",\"c\":1}}}" },
		{ "{\"users\":[{\"name\":\"a\",\"token\":\"t1\"},{\"name\":\"b\",\"token\":\"t2\"}]}",
		  "{\"users\":[{\"name\":\"a\",\"token\":" QM "},{\"name\":\"b\",\"token\":" QM "}]}" },
		{ "[{\"secret\":1},[{\"api_key\":\"k\"}]]", "[{\"secret\":" QM "},[{\"api_key\":" QM "}]]" },
		{ "{\"session\":{\"id\":1,\"x\":[1,{\"y\":\"]}\"}]},\"k\":1}", "{\"session\":" QM ",\"k\":1}" },
		{ "{\"password\":[\"a\",{\"b\":\"]\"}],\"z\":1}", "{\"password\":" QM ",\"z\":1}" },
		{ "{ \"password\" : \"x\" ,\n \"a\" : 1 }", "{ \"password\" : " QM " ,\n \"a\" : 1 }" },
		{ "{\"token\":null,\"apikey\":12,\"secret\":true,\"x-api-key\":-1.5e3}",
		  "{\"token\":" QM ",\"apikey\":" QM ",\"secret\":" QM ",\"x-api-key\":" QM "}" },
		{ "{\"pass\\u0077ord\":\"x\"}", "{\"pass\\u0077ord\":" QM "}" },
		{ "{\"a\\\"token\":\"x\"}", "{\"a\\\"token\":" QM "}" },
		{ "{\"Authorization\":\"Bearer x\",\"Cookie\":\"s=1\"}",
		  "{\"Authorization\":" QM ",\"Cookie\":" QM "}" },
		/* values that merely mention a name stay */
		{ "{\"note\":\"password: x\",\"k\":\"token\"}", "{\"note\":\"password: x\",\"k\":\"token\"}" },
		{ "[\"password\",\"secret\"]", "[\"password\",\"secret\"]" },
		/* card numbers in strings and integers; other numbers stay */
		{ "{\"card\":\"4111 1111 1111 1111\"}", "{\"card\":" QM "}" },
		{ "{\"note\":\"paid with 4111-1111-1111-1111 today\"}", "{\"note\":\"paid with " M " today\"}" },
		{ "{\"n\":4111111111111111}", "{\"n\":" QM "}" },
		{ "[4111111111111111, 4111111111111112, 1.5, 4111111111111111.0]",
		  "[" QM ", 4111111111111112, 1.5, 4111111111111111.0]" },
		{ "{\"n\":4111111111111112,\"m\":\"4111111111111112\"}", "{\"n\":4111111111111112,\"m\":\"4111111111111112\"}" },
		{ "\"4111111111111111\"", QM },
		/* digits written as \u escapes: the string is read, and written again
		 * only when it held a card */
		{ "{\"c\":\"paid 4\\u0031\\u00311111111111111 \\u00e9\"}", "{\"c\":\"paid " M " \xc3\xa9\"}" },
		{ "{\"c\":\"caf\\u00e9 4111\"}", "{\"c\":\"caf\\u00e9 4111\"}" },
		/* looks like JSON: masked by key, whether it parses or not */
		{ "{\"password\": hunter2}", "{\"password\": " QM "}" },
		{ "{\"password\":\"x\"", "{\"password\":" QM },
		{ "\xEF\xBB\xBF{\"token\":\"abc\"}", "\xEF\xBB\xBF{\"token\":" QM "}" },
		{ "  \n[{\"secret\":1}]", "  \n[{\"secret\":" QM "}]" },
		{ "{\"a\":1,\"password\":\"p\"}\n{\"password\":\"q\"}\n",
		  "{\"a\":1,\"password\":" QM "}\n{\"password\":" QM "}\n" },     /* NDJSON */
		{ "{\"user\":\"u\",\"password\":\"hunt", "{\"user\":\"u\",\"password\":" QM },  /* cut short */
		{ "{\"code\":\"E42\"}", "{\"code\":\"E42\"}" },     /* an error code, not OAuth's */
		/* shaped as a form: masked as a query string */
		{ "password=hunter2&token=abc", "password=" M "&token=" M },
		{ "grant_type=authorization_code&code=abc&state=xyz&client_secret=s",
		  "grant_type=authorization_code&code=" M "&state=" M "&client_secret=" M },
		{ "user=u&pwd=p", "user=u&pwd=" M },
		/* a masked value is encoded again, a NUL from "%00" too */
		{ "a=4111111111111111%00&b=1", "a=" M "%00&b=1" },
		/* neither: stored as sent but for card numbers */
		{ "token: abc\nsecret: def", "token: abc\nsecret: def" },
		{ "pay 4111111111111111 now", "pay " M " now" },
		{ "card=4111-1111-1111-1111&password=x", "card=" M "&password=" M },
		{ "a = b & c", "a = b & c" },
		{ "", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = 0;
		char *got = mask_body(cases[i].body, strlen(cases[i].body), &len, NULL);
		char name[160];

		snprintf(name, sizeof(name), "body %s", cases[i].body);
		for (char *c = name; *c; c++)     /* one TAP line per case */
			if (*c == '\n')
				*c = ' ';
		is_str(got, cases[i].want, name);
		ok(got && len == strlen(got), "  and its length");
		free(got);
	}
}

/* Nesting far deeper than any parser here follows is masked all the same. */
static void test_deep_body(void)
{
	enum { DEPTH = 100 };
	char body[DEPTH * 6 + 64], want[DEPTH * 6 + 64];
	size_t n = 0, w = 0, len;
	char *got;

	for (int i = 0; i < DEPTH; i++) {
		n += (size_t)sprintf(body + n, "{\"a\":");
		w += (size_t)sprintf(want + w, "{\"a\":");
	}
	n += (size_t)sprintf(body + n, "{\"password\":\"x\"}");
	w += (size_t)sprintf(want + w, "{\"password\":" QM "}");
	for (int i = 0; i < DEPTH; i++) {
		body[n++] = '}';
		want[w++] = '}';
	}
	body[n] = want[w] = '\0';
	got = mask_body(body, n, &len, NULL);
	is_str(got, want, "a password 101 objects deep is masked");
	free(got);
}

static void test_urls(void)
{
	static const struct { const char *url; const char *want; } cases[] = {
		{ "https://api.example.com/v1/x?token=abc&page=2",
		  "https://api.example.com/v1/x?token=" M "&page=2" },
		{ "https://h/p?Access_Token=abc", "https://h/p?Access_Token=" M },
		{ "https://h/p?a=1&password=p%20w&b=2&api_key=k", "https://h/p?a=1&password=" M "&b=2&api_key=" M },
		{ "https://h/p?api%5Fkey=abc", "https://h/p?api%5Fkey=" M },
		{ "https://h/p?x+token=abc", "https://h/p?x+token=" M },
		{ "https://h/p?SessionID=1&JSESSIONID=2", "https://h/p?SessionID=" M "&JSESSIONID=" M },
		{ "https://h/p?token=", "https://h/p?token=" M },
		{ "https://h/p?token", "https://h/p?token" },
		{ "https://h/p?&&token=a&&", "https://h/p?&&token=" M "&&" },
		{ "https://h/p?q=1#token=abc", "https://h/p?q=1#token=" M },
		{ "https://h/cb#access_token=abc&state=s&expires_in=3600",
		  "https://h/cb#access_token=" M "&state=" M "&expires_in=3600" },
		{ "https://h/cb?code=abc&state=s", "https://h/cb?code=" M "&state=" M },
		{ "https://b.s3.amazonaws.com/k?X-Amz-Signature=abc&X-Amz-Date=1",
		  "https://b.s3.amazonaws.com/k?X-Amz-Signature=" M "&X-Amz-Date=1" },
		{ "https://a.blob.core.windows.net/c/b?sv=1&sig=abc", "https://a.blob.core.windows.net/c/b?sv=1&sig=" M },
		{ "/cards/4111111111111111/charge", "/cards/" M "/charge" },
		{ "https://h/p#4111111111111111", "https://h/p#" M },
		{ "https://h/p?token=a#frag", "https://h/p?token=" M "#frag" },
		{ "https://h/p#frag?token=x", "https://h/p#frag?token=" M },    /* pairs: masked as a query */
		{ "https://h/p", "https://h/p" },
		{ "https://h/token/secret", "https://h/token/secret" },
		{ "https://h/p?", "https://h/p?" },
		{ "https://h/pay?card=4111111111111111", "https://h/pay?card=" M },
		{ "https://h/pay?card=4111+1111+1111+1111&x=1", "https://h/pay?card=" M "&x=1" },
		{ "https://h/pay?card=4111%201111%201111%201111", "https://h/pay?card=" M },
		{ "https://h/pay?card=4111-1111-1111-1111", "https://h/pay?card=" M },
		{ "https://h/pay?note=paid+4111111111111111+ok", "https://h/pay?note=paid%20" M "%20ok" },
		{ "https://h/pay?card=4111111111111112&q=a+b%2F", "https://h/pay?card=4111111111111112&q=a+b%2F" },
		{ "https://h/pay?bad=%zz4111111111111111", "https://h/pay?bad=%zz" M },
		{ "https://h/pay?card=4111111111111111%00&x=1", "https://h/pay?card=" M "%00&x=1" },
		{ "/login?password=x&user=u", "/login?password=" M "&user=u" },
		{ "https://ann:pw@h/p", "https://" M "@h/p" },
		{ "https://ann@h/p?token=t", "https://" M "@h/p?token=" M },
		{ "http://a:b@c@h:8080/", "http://" M "@h:8080/" },
		{ "https://h/p@x?q=a@b", "https://h/p@x?q=a@b" },
		{ "https://h/p#@x", "https://h/p#@x" },
		{ "mailto:ann@h", "mailto:ann@h" },
		{ "", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = mask_url(cases[i].url, strlen(cases[i].url), NULL);
		char name[160];

		snprintf(name, sizeof(name), "url '%s'", cases[i].url);
		is_str(got, cases[i].want, name);
		free(got);
	}
}

static void test_headers(void)
{
	struct json_object *in = json_tokener_parse(
		"{\"Authorization\":\"Bearer abc\",\"Cookie\":\"sid=1\",\"Set-Cookie\":\"sid=2\","
		"\"X-API-Key\":\"k\",\"proxy-authorization\":\"Basic x\",\"X-Auth-Token\":\"t\","
		"\"X-CSRF-Token\":\"c\",\"X-Ingest-Key\":\"i\",\"X-Refresh-Token\":\"r\","
		"\"X-Client-Secret\":\"s\",\"X-Password\":\"p\",\"X-Session\":\"s\",\"X-My-ApiKey\":\"a\","
		"\"Content-Type\":\"application/json\",\"X-Request-Id\":\"4111111111111111\"}");
	struct json_object *out = mask_headers(in, NULL);
	int masked = 0, kept = 0;

	ok(out && json_object_object_length(out) == json_object_object_length(in),
	   "headers: every header is kept");
	json_object_object_foreach(out, name, value) {
		const char *v = json_object_get_string(value);

		if (strcmp(name, "Content-Type") == 0)
			kept += strcmp(v, json_object_get_string(json_object_object_get(in, name))) == 0;
		else if (strcmp(name, "X-Request-Id") != 0)
			masked += strcmp(v, MASK_VALUE) == 0;
	}
	is_int(masked, 13, "headers: each sensitive header's value is masked");
	is_int(kept, 1, "headers: the others keep their values");
	is_str(json_object_get_string(json_object_object_get(out, "X-Request-Id")), MASK_VALUE,
	       "headers: a card number in another header's value is masked");
	is_str(json_object_get_string(json_object_object_get(in, "Authorization")), "Bearer abc",
	       "headers: the input is left alone");
	json_object_put(out);
	json_object_put(in);
}

static void test_json(void)
{
	struct json_object *doc = json_tokener_parse(
		"{\"token\":\"abc\",\"page\":\"2\",\"filter\":{\"api_key\":\"k\",\"name\":\"x\"},"
		"\"list\":[{\"password\":\"p\"},\"4111 1111 1111 1111\"],\"card\":\"4111-1111-1111-1111\","
		"\"n\":4111111111111111,\"ok\":4111111111111112,\"f\":1.5,\"b\":true,\"z\":null,"
		"\"Secret\":{\"deep\":[1,2]}}");
	const char *want =
		"{\"token\":" QM ",\"page\":\"2\",\"filter\":{\"api_key\":" QM ",\"name\":\"x\"},"
		"\"list\":[{\"password\":" QM "}," QM "],\"card\":" QM ","
		"\"n\":" QM ",\"ok\":4111111111111112,\"f\":1.5,\"b\":true,\"z\":null,"
		"\"Secret\":" QM "}";

	ok(mask_json(doc, NULL) == 0, "json: masking an object succeeds");
	is_str(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN), want,
	       "json: sensitive keys at any depth and card numbers are masked in place");
	json_object_put(doc);

	doc = json_tokener_parse("[{\"session\":1},\"4111111111111111\"]");
	ok(mask_json(doc, NULL) == 0, "json: masking an array succeeds");
	is_str(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN), "[{\"session\":" QM "}," QM "]",
	       "json: an array's elements are masked");
	json_object_put(doc);
}

/* A service's own names: matched as the built-in parts are (case and '_'
 * folded, anywhere in the name), in headers, JSON keys, query and form
 * parameters; the built-in names still hold. */
static void test_fields(void)
{
	static struct mask_fields f;
	struct json_object *h, *out, *v;
	char *got;
	size_t len;

	ok(mask_fields_from_lines(&f, "ssn\nX_Tenant_Id\n\n" "0123456789012345678901234567890123456789"
				  "0123456789012345678901234\nmrn") == 3,
	   "fields: lines become names, the empty and the 65-byte one left out");
	ok(mask_sensitive(&f, "patient_SSN", 11) && mask_sensitive(&f, "x-tenant-id", 11) &&
	   mask_sensitive(&f, "MRN", 3), "fields: a service's names match, folded, as parts");
	ok(!mask_sensitive(&f, "name", 4) && !mask_sensitive(NULL, "ssn", 3),
	   "fields: other names do not, nor without the service's names");
	ok(mask_sensitive(&f, "password", 8), "fields: the built-in names still hold");
	got = mask_body("{\"ssn\":\"123-45-6789\",\"id\":1}", strlen("{\"ssn\":\"123-45-6789\",\"id\":1}"),
			&len, &f);
	is_str(got, "{\"ssn\":\"" MASK_VALUE "\",\"id\":1}", "fields: a JSON body's key");
	free(got);
	got = mask_body("mrn=42&page=2", 13, &len, &f);
	is_str(got, "mrn=" MASK_VALUE "&page=2", "fields: a form's field");
	free(got);
	got = mask_url("https://h/p?ssn=1&q=2#mrn=3", 27, &f);
	is_str(got, "https://h/p?ssn=" MASK_VALUE "&q=2#mrn=" MASK_VALUE, "fields: query and fragment");
	free(got);
	got = mask_url("https://h/p?ssn=1", 17, NULL);
	is_str(got, "https://h/p?ssn=1", "fields: without them, the same URL is kept");
	free(got);
	h = json_tokener_parse("{\"X-Tenant-Id\":\"acme\",\"Accept\":\"*/*\"}");
	out = mask_headers(h, &f);
	ok(out && json_object_object_get_ex(out, "X-Tenant-Id", &v) &&
	   strcmp(json_object_get_string(v), MASK_VALUE) == 0, "fields: a header");
	ok(out && json_object_object_get_ex(out, "Accept", &v) &&
	   strcmp(json_object_get_string(v), "*/*") == 0, "fields: and not the others");
	json_object_put(out);
	json_object_put(h);
	h = json_tokener_parse("{\"a\":[{\"mrn\":7}]}");
	ok(mask_json(h, &f) == 0 && strcmp(json_object_to_json_string_ext(h, JSON_C_TO_STRING_PLAIN),
					   "{\"a\":[{\"mrn\":\"" MASK_VALUE "\"}]}") == 0,
	   "fields: a parsed document, at depth");
	json_object_put(h);
	f.count = 0;
	for (int i = 0; i < MASK_FIELDS_MAX; i++)
		mask_fields_add(&f, "n", 1);
	ok(mask_fields_add(&f, "n", 1) == -1, "fields: 50 at most");
}

int main(void)
{
	test_names();
	test_cards();
	test_bodies();
	test_deep_body();
	test_urls();
	test_headers();
	test_json();
	test_fields();
	return tap_done();
}
