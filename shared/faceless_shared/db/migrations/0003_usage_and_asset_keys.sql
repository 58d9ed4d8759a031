-- Never pay twice: an asset made by a provider is found again by its content key.
ALTER TABLE assets ADD COLUMN content_key text;
ALTER TABLE assets ADD COLUMN meta jsonb NOT NULL DEFAULT '{}'::jsonb;
CREATE INDEX assets_content_key_idx ON assets (content_key, created_at DESC)
    WHERE content_key IS NOT NULL;

-- The usage ledger: one row per provider call, with its estimated cost.
CREATE TABLE provider_calls (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id  uuid NOT NULL REFERENCES projects (id),
    clip_index  integer,
    capability  text NOT NULL CHECK (capability IN ('plan', 'voice', 'image')),
    provider    text NOT NULL,
    model       text NOT NULL,
    units       jsonb NOT NULL,
    latency_ms  integer NOT NULL CHECK (latency_ms >= 0),
    cost_usd    numeric(12, 6) NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX provider_calls_project_idx ON provider_calls (project_id);

ALTER TABLE projects ADD COLUMN cost_cap_usd numeric(10, 4) CHECK (cost_cap_usd > 0);
