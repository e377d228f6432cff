-- The names a service adds to the sensitive ones (docs/api.md, "Masking"):
-- its request logs and their replays are masked by these too. At most 50
-- names of 1 to 64 characters (the API checks their form).
ALTER TABLE services ADD COLUMN mask_fields text[] NOT NULL DEFAULT '{}'
	CHECK (cardinality(mask_fields) <= 50);
