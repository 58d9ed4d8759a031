-- Tenants and their API keys; every project, preset, series and music track is owned by one.
CREATE TABLE tenants (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name           text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    -- signs webhook bodies (HMAC-SHA256); shown to the tenant by GET /v1/me
    webhook_secret text NOT NULL
        DEFAULT 'whsec_' || replace(gen_random_uuid()::text, '-', '')
                         || replace(gen_random_uuid()::text, '-', ''),
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- The one tenant served when FACELESS_AUTH=off (local use), and the owner of older rows.
INSERT INTO tenants (id, name) VALUES ('00000000-0000-0000-0000-000000000001', 'local');

CREATE TABLE api_keys (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    -- SHA-256 of the whole key: keys are 256-bit random, so a slow hash adds nothing
    key_hash     text NOT NULL UNIQUE,
    prefix       text NOT NULL,
    name         text NOT NULL DEFAULT '',
    scopes       text[] NOT NULL DEFAULT '{projects}'
        CHECK (scopes <@ ARRAY['projects', 'admin']::text[]),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id);

-- Presets: NULL tenant = built in, visible to every tenant; names unique per owner.
ALTER TABLE projects DROP CONSTRAINT projects_preset_name_fkey;
ALTER TABLE graphics_presets DROP CONSTRAINT graphics_presets_name_key;
ALTER TABLE graphics_presets
    ADD COLUMN tenant_id uuid REFERENCES tenants (id),
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN archived_at timestamptz;
CREATE UNIQUE INDEX graphics_presets_owner_name_idx
    ON graphics_presets (COALESCE(tenant_id, '00000000-0000-0000-0000-000000000000'), name)
    WHERE archived_at IS NULL;

-- Series: a named show with a default preset, voice, format and length.
CREATE TABLE series (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    preset_id   uuid REFERENCES graphics_presets (id),
    voice       text,
    aspect      text CHECK (aspect IN ('9:16', '16:9', '1:1')),
    duration_s  integer CHECK (duration_s BETWEEN 15 AND 600),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz
);
CREATE UNIQUE INDEX series_owner_name_idx ON series (tenant_id, name) WHERE archived_at IS NULL;

ALTER TABLE projects
    ADD COLUMN tenant_id uuid REFERENCES tenants (id)
        DEFAULT '00000000-0000-0000-0000-000000000001',
    ADD COLUMN preset_id uuid REFERENCES graphics_presets (id),
    ADD COLUMN series_id uuid REFERENCES series (id),
    ADD COLUMN voice text,
    ADD COLUMN callback_url text;
UPDATE projects SET preset_id = p.id FROM graphics_presets p WHERE p.name = projects.preset_name;
ALTER TABLE projects ALTER COLUMN tenant_id SET NOT NULL, ALTER COLUMN tenant_id DROP DEFAULT;
CREATE INDEX projects_tenant_created_idx ON projects (tenant_id, created_at DESC, id DESC);
CREATE INDEX projects_tenant_active_idx ON projects (tenant_id)
    WHERE status NOT IN ('completed', 'failed', 'cancelled');

ALTER TABLE music_tracks
    ADD COLUMN tenant_id uuid REFERENCES tenants (id)
        DEFAULT '00000000-0000-0000-0000-000000000001';
ALTER TABLE music_tracks ALTER COLUMN tenant_id SET NOT NULL, ALTER COLUMN tenant_id DROP DEFAULT;

-- Idempotency-Key on POST /v1/projects (Stripe's semantics); kept 24 h.
CREATE TABLE idempotency_keys (
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    key             text NOT NULL,
    request_hash    text NOT NULL,
    response_status integer,          -- NULL while the first request is in flight
    response_body   jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
