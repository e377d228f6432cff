/* smtp: e-mail through the operator's own mail server. The server is the
 * stack's configuration, not a user's target, so the address guard of
 * outbound.h does not apply; no proxy from the environment is used either. */
#ifndef TELLTALE_SMTP_H
#define TELLTALE_SMTP_H

#include <stddef.h>

#include "outbound/outbound.h"

/* Sends message (a whole RFC 5322 text, CRLF or LF lines) from from to to through url
 * (smtp:// or smtps://, user:password@ allowed), STARTTLS when the server offers it
 * (CURLUSESSL_TRY), 10 s total timeout. Returns 0, or -1 with err (≤ OUTBOUND_ERROR_MAX). */
int smtp_send(const char *url, const char *from, const char *to,
	      const char *message, size_t len, char err[OUTBOUND_ERROR_MAX]);

#endif
