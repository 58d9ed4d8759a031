-- Webhooks: one delivery per project and outcome, POSTed to the project's callback_url.
CREATE TABLE webhook_deliveries (
    id               uuid PRIMARY KEY,
    project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    event            text NOT NULL
        CHECK (event IN ('project.completed', 'project.failed', 'project.cancelled')),
    url              text NOT NULL,
    -- the body sent (signed as serialized); fixed for the delivery's life, so retries match
    payload          jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'delivered', 'failed')),
    -- attempts made (an attempt counts when it is claimed; it fences late results)
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- when a pending delivery is due; while an attempt runs, when its lease ends
    next_attempt_at  timestamptz DEFAULT now()
        CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL)),
    last_status_code integer,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    -- the triggering stream event may arrive more than once: one delivery all the same
    UNIQUE (project_id, event)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';
