-- Webhook deliveries are a log: delivered or given-up ones are deleted after a retention
-- (FACELESS_WEBHOOK_RETENTION_DAYS), counted from when they finished. A redelivery makes a
-- delivery pending again, and pending ones are never deleted.
ALTER TABLE webhook_deliveries ADD COLUMN finished_at timestamptz;
-- when an older delivery failed is not known: its retention starts now, so none goes early
UPDATE webhook_deliveries SET finished_at = coalesce(delivered_at, now())
WHERE status <> 'pending';
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_finished_check
    CHECK ((status = 'pending') = (finished_at IS NULL));
CREATE INDEX webhook_deliveries_finished_idx ON webhook_deliveries (finished_at)
    WHERE finished_at IS NOT NULL;

-- The trace context (W3C headers) the delivery was made under, mostly the project's trace:
-- each attempt's span is a child of it.
ALTER TABLE webhook_deliveries ADD COLUMN trace_context jsonb NOT NULL DEFAULT '{}'::jsonb;
