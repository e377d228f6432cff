-- Access control (docs/api.md, "Access control"): users with roles, their API
-- tokens and dashboard sessions, and the audit trail. Secrets are kept only as
-- digests: a password as its argon2id string, a token or a session as the hex
-- SHA-256 of what its holder sends.
CREATE TABLE users (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	username text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9._-]{1,64}$'),
	-- NULL: the user signs in with tokens only (an admin made from
	-- TELLTALE_ADMIN_TOKEN).
	password_hash text CHECK (password_hash LIKE '$argon2id$%'),
	role text NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
	created_at timestamptz NOT NULL DEFAULT now(),
	last_login_at timestamptz
);

CREATE TABLE api_tokens (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
	role text NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
	token_sha256 text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
	prefix text NOT NULL,
	expires_at timestamptz,
	created_at timestamptz NOT NULL DEFAULT now(),
	last_used_at timestamptz,
	revoked_at timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE sessions (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	session_sha256 text NOT NULL UNIQUE CHECK (session_sha256 ~ '^[0-9a-f]{64}$'),
	address text,
	created_at timestamptz NOT NULL DEFAULT now(),
	last_seen_at timestamptz NOT NULL DEFAULT now()
);

-- The actor is kept by name: an entry outlives the user it names.
CREATE TABLE audit_log (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at timestamptz NOT NULL DEFAULT clock_timestamp(),
	actor text,
	via text NOT NULL CHECK (via IN ('session', 'token', 'anonymous')),
	address text,
	action text NOT NULL,
	target text,
	detail jsonb
);
-- Login throttling counts the failures of the last five minutes by name and
-- by address.
CREATE INDEX audit_log_failed_target ON audit_log (target, at)
	WHERE action = 'auth.login_failed';
CREATE INDEX audit_log_failed_address ON audit_log (address, at)
	WHERE action = 'auth.login_failed';
