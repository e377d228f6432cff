-- An application's own names to mask (docs/api.md, "Masking"): its Sentry
-- events' exception frames are masked by them too.
ALTER TABLE applications ADD COLUMN mask_fields text[] NOT NULL DEFAULT '{}'
	CHECK (cardinality(mask_fields) <= 50);
