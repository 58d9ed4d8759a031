-- Transactional outbox: an event is written with the state change that causes it,
-- and a relay publishes it to its stream afterwards.
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    topic        text NOT NULL,
    event_id     uuid NOT NULL UNIQUE,
    payload      jsonb NOT NULL,
    headers      jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;

-- Leases: a clip worker holds a clip for a bounded time; an expired lease can be taken over.
ALTER TABLE clips ADD COLUMN lease_owner text;
ALTER TABLE clips ADD COLUMN lease_expires_at timestamptz;
ALTER TABLE clips ADD COLUMN attempts integer NOT NULL DEFAULT 0;

-- Cancelled projects start no more work and keep what exists.
ALTER TABLE projects DROP CONSTRAINT projects_status_check;
ALTER TABLE projects ADD CONSTRAINT projects_status_check
    CHECK (status IN ('queued', 'planning', 'rendering_clips', 'rendering_final',
                      'completed', 'failed', 'cancelled'));
