-- Webhook secrets per rule. A rule's secret is derived from the stack's
-- signing key (TELLTALE_WEBHOOK_SECRET), the rule's id and this nonce
-- (src/pure/signature.h): shown once when the rule is made or the secret is
-- rotated, and never stored. A new nonce rotates the secret. Rules made
-- before have none: they are signed with the secret of an empty nonce and,
-- for one release, also with the stack's key as before (docs/api.md).
ALTER TABLE alerts ADD COLUMN webhook_secret_nonce text;
