/* Unit tests for retention: retention_days in a body, and the defaults'
 * settings. */
#include <json-c/json.h>

#include "pure/retention.h"
#include "tap.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* retention_days_from_json on the object text; *days starts at -7. */
static int from(const char *text, int *days, struct error *err)
{
	struct json_object *doc = json_tokener_parse(text);
	int rc;

	*days = -7;
	rc = retention_days_from_json(doc, days, err);
	json_object_put(doc);
	return rc;
}

static void test_body(void)
{
	static const char *const bad[] = {
		"{\"retention_days\": 0}", "{\"retention_days\": 3651}", "{\"retention_days\": -1}",
		"{\"retention_days\": 1.5}", "{\"retention_days\": \"30\"}", "{\"retention_days\": null}",
		"{\"retention_days\": true}", "{\"retention_days\": [30]}",
		"{\"retention_days\": 9223372036854775807}", "{\"retention_days\": 1e3}",
	};
	struct error err;
	int days;

	ok(from("{}", &days, &err) == 0 && days == -7, "absent: left alone");
	ok(from("{\"name\": \"x\"}", &days, &err) == 0 && days == -7, "absent among others");
	ok(from("{\"retention_days\": 1}", &days, &err) == 0 && days == 1, "1 day");
	ok(from("{\"retention_days\": 3650}", &days, &err) == 0 && days == 3650, "ten years");
	for (size_t i = 0; i < N(bad); i++) {
		int rc = from(bad[i], &days, &err);

		ok(rc == -1 && err.status == 422 && days == -7, bad[i]);
		is_str(err.field, "retention_days", "  names retention_days");
	}
}

static void test_setting(void)
{
	static const struct { const char *text; int want; } cases[] = {
		{ NULL, 90 }, { "", 90 }, { "30", 30 }, { "1", 1 }, { "3650", 3650 },
		{ "0", 90 }, { "3651", 90 }, { "-5", 90 }, { "30d", 90 }, { " 30", 30 },
		{ "99999999999999999999", 90 }, { "abc", 90 },
	};

	for (size_t i = 0; i < N(cases); i++)
		is_int(retention_days_setting(cases[i].text, 90), cases[i].want,
		       cases[i].text ? cases[i].text : "(unset)");
}

int main(void)
{
	test_body();
	test_setting();
	return tap_done();
}
