-- Paid calls under way: each holds its estimated cost against the project's cap and the
-- tenant's budget from before the call until it is settled (its row moved to
-- provider_calls) or released; one a crash left stays counted until expires_at.
CREATE TABLE cost_reservations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id  uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    clip_index  integer,
    capability  text NOT NULL CHECK (capability IN ('plan', 'voice', 'image')),
    cost_usd    numeric(12, 6) NOT NULL CHECK (cost_usd >= 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX cost_reservations_project_idx ON cost_reservations (project_id, expires_at);
CREATE INDEX cost_reservations_tenant_idx ON cost_reservations (tenant_id, expires_at);

-- A tenant's spend this month is read from the ledger by date.
CREATE INDEX provider_calls_created_idx ON provider_calls (created_at);
