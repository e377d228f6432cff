/* roles: names of roles and of how a principal signed in. */
#include <stddef.h>
#include <string.h>

#include "pure/roles.h"

static const char *const role_names[] = { "", "viewer", "member", "admin" };

const char *roles_name(enum role role)
{
	return role_names[role];
}

enum role roles_parse(const char *name, size_t len)
{
	for (int r = ROLE_VIEWER; r <= ROLE_ADMIN; r++)
		if (strlen(role_names[r]) == len && memcmp(role_names[r], name, len) == 0)
			return (enum role)r;
	return ROLE_NONE;
}

int roles_known(const char *name, size_t len)
{
	return roles_parse(name, len) != ROLE_NONE;
}

const char *roles_via_name(enum via via)
{
	return via == VIA_SESSION ? "session" : via == VIA_TOKEN ? "token" : "anonymous";
}

int roles_username_ok(const char *name, size_t len)
{
	if (len == 0 || len > ROLES_USERNAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return 0;
	}
	return 1;
}
