/* roles: who a request comes from, once its credential is checked. The roles
 * are ranked: each may do what the ones below it may (docs/api.md, "Access
 * control"). */
#ifndef TELLTALE_ROLES_H
#define TELLTALE_ROLES_H

#include <stdint.h>

enum role {
	ROLE_NONE,            /* no credential, or none that holds */
	ROLE_VIEWER,          /* reads */
	ROLE_MEMBER,          /* also changes apps, services, keys, rules; replays */
	ROLE_ADMIN,           /* also users and everybody's tokens */
};

enum via {
	VIA_ANONYMOUS,
	VIA_SESSION,          /* the dashboard's cookie */
	VIA_TOKEN,            /* Authorization: Bearer tt_... */
};

#define ROLES_USERNAME_MAX 64

/* The principal of a request: role ROLE_NONE until a credential is checked. */
struct principal {
	enum role role;                        /* the effective role */
	enum role user_role;                   /* the user's own role */
	enum via via;
	int64_t user_id;
	int64_t token_id;                      /* when via a token */
	char username[ROLES_USERNAME_MAX + 1];
};

/* "admin", "member", "viewer" ("" for ROLE_NONE). */
const char *roles_name(enum role role);

/* The role named name[0..len), or ROLE_NONE when it names none. */
enum role roles_parse(const char *name, size_t len);

/* 1 when name[0..len) names a role. */
int roles_known(const char *name, size_t len);

/* "session", "token", "anonymous". */
const char *roles_via_name(enum via via);

/* 1 when name[0..len) is a username: 1 to 64 of [a-z0-9._-]. */
int roles_username_ok(const char *name, size_t len);

#endif
