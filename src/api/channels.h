/* channels: where alert rules send their notifications (docs/api.md,
 * "Channels"): a webhook, Slack, Discord, Teams, ntfy or an e-mail address. */
#ifndef TELLTALE_CHANNELS_H
#define TELLTALE_CHANNELS_H

#include "db/db.h"
#include "http/request.h"

extern const struct db_statement channels_statements[];

void channels_create(struct request *req);
void channels_list(struct request *req);
void channels_get(struct request *req);
void channels_delete(struct request *req);
void channels_test(struct request *req);

#endif
