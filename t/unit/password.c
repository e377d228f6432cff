/* password: argon2id hashes at the documented cost, checks that match only
 * the password they were made from, the dummy path for unknown names, the
 * length rule; and roles' names and the username rule. */
#include <stdio.h>
#include <string.h>

#include "pure/password.h"
#include "pure/roles.h"

#include "tap.h"

static void test_hash_and_check(void)
{
	char hash[PASSWORD_HASH_MAX], again[PASSWORD_HASH_MAX];
	const char *pw = "correct horse battery";
	int hashed = 0;

	ok(password_hash(pw, strlen(pw), hash) == 0, "a password hashes");
	ok(strncmp(hash, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0,
	   "the hash says argon2id, m = 19 MiB, t = 2, p = 1");
	ok(strstr(hash, pw) == NULL, "the hash does not hold the password");
	ok(password_hash(pw, strlen(pw), again) == 0 && strcmp(hash, again) != 0,
	   "each hash has its own salt");
	ok(password_check(hash, pw, strlen(pw), &hashed) == 1 && hashed, "the password matches");
	ok(password_check(hash, "correct horse batterY", 21, &hashed) == 0 && hashed,
	   "another password does not");
	ok(password_check(hash, pw, strlen(pw) - 1, &hashed) == 0, "nor a prefix of it");
}

static void test_dummy_path(void)
{
	int hashed = 0;

	ok(password_check(NULL, "anything at all", 15, &hashed) == 0,
	   "no stored hash (an unknown name) never matches");
	ok(hashed == 1, "and a hash was computed all the same (the dummy path runs)");
	hashed = 0;
	ok(password_check(NULL, "dummy-password", 14, &hashed) == 0 && hashed,
	   "not even with the dummy's own password");
	hashed = 1;
	ok(password_check("$argon2id$broken", "x", 1, &hashed) == 0 && hashed == 0,
	   "a stored string that is no hash is refused and reported as unhashed");
}

static void test_acceptable(void)
{
	char long_pw[PASSWORD_MAX_BYTES + 2];

	ok(!password_acceptable("short", 5), "5 characters are too few");
	ok(!password_acceptable("elevenchars", 11), "11 are too few");
	ok(password_acceptable("twelve chars", 12), "12 will do");
	ok(!password_acceptable("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 12),
	   "characters are counted, not bytes: 6 of 2 bytes are too few");
	memset(long_pw, 'a', sizeof(long_pw));
	ok(password_acceptable(long_pw, PASSWORD_MAX_BYTES), "1024 bytes will do");
	ok(!password_acceptable(long_pw, PASSWORD_MAX_BYTES + 1), "1025 are too many");
	ok(!password_acceptable("twelve \xff\xfe chars", 16), "invalid UTF-8 is refused");
}

static void test_roles(void)
{
	ok(roles_parse("admin", 5) == ROLE_ADMIN && roles_parse("member", 6) == ROLE_MEMBER &&
	   roles_parse("viewer", 6) == ROLE_VIEWER, "the three roles parse");
	ok(roles_parse("Admin", 5) == ROLE_NONE && roles_parse("root", 4) == ROLE_NONE &&
	   roles_parse("", 0) == ROLE_NONE, "nothing else does");
	ok(ROLE_VIEWER < ROLE_MEMBER && ROLE_MEMBER < ROLE_ADMIN, "the roles are ranked");
	ok(strcmp(roles_name(ROLE_MEMBER), "member") == 0, "a role has its name");
	ok(roles_username_ok("alice.b-c_9", 11), "a username of a-z0-9._-");
	ok(!roles_username_ok("Alice", 5) && !roles_username_ok("a b", 3) &&
	   !roles_username_ok("x' OR 1=1--", 11) && !roles_username_ok("", 0),
	   "upper case, blanks, quotes and the empty name are refused");
	ok(roles_username_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 64) &&
	   !roles_username_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 65),
	   "64 characters, not 65");
}

int main(void)
{
	test_hash_and_check();
	test_dummy_path();
	test_acceptable();
	test_roles();
	return tap_done();
}
