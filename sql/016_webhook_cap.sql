-- capped: the rule had sent TELLTALE_WEBHOOK_MAX_PER_MINUTE deliveries in the
-- minute before, so this event is recorded and counted, but not sent: a rule
-- that fires on every log cannot turn the notifier on a receiver.
ALTER TABLE alert_events DROP CONSTRAINT alert_events_delivery_status_check;
ALTER TABLE alert_events ADD CONSTRAINT alert_events_delivery_status_check
	CHECK (delivery_status IN ('none', 'pending', 'sending', 'delivered', 'failed', 'capped'))
	NOT VALID;
ALTER TABLE alert_events VALIDATE CONSTRAINT alert_events_delivery_status_check;
