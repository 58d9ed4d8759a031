-- A redelivery keeps counting attempts (the log shows every one made) and gets a budget of
-- FACELESS_WEBHOOK_MAX_ATTEMPTS of its own: counted past the attempts made before it.
ALTER TABLE webhook_deliveries
    ADD COLUMN attempts_before_redelivery integer NOT NULL DEFAULT 0,
    ADD CONSTRAINT webhook_deliveries_redelivery_check
        CHECK (attempts_before_redelivery BETWEEN 0 AND attempts);
