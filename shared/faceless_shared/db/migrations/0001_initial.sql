-- The architecture's tables: graphics_presets, projects, clips, assets, jobs.

CREATE TABLE graphics_presets (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name            text NOT NULL UNIQUE,
    description     text NOT NULL DEFAULT '',
    style_json      jsonb NOT NULL,
    prompt_addition text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE projects (
    id                 uuid PRIMARY KEY,
    topic              text,
    script             text,
    status             text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'planning', 'rendering_clips', 'rendering_final',
                          'completed', 'failed')),
    target_duration_s  integer NOT NULL CHECK (target_duration_s BETWEEN 15 AND 600),
    aspect             text NOT NULL CHECK (aspect IN ('9:16', '16:9', '1:1')),
    preset_name        text NOT NULL REFERENCES graphics_presets (name),
    title              text,
    clip_count         integer CHECK (clip_count > 0),
    duration_ms        integer,
    final_asset_id     uuid,
    error_message      text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    completed_at       timestamptz,
    CHECK (topic IS NOT NULL OR script IS NOT NULL)
);
CREATE INDEX projects_created_at_idx ON projects (created_at DESC, id DESC);

CREATE TABLE assets (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id     uuid NOT NULL REFERENCES projects (id),
    clip_index     integer,
    type           text NOT NULL CHECK (type IN ('plan', 'audio', 'image', 'clip', 'final')),
    storage_bucket text NOT NULL,
    storage_path   text NOT NULL,
    bytes          bigint NOT NULL CHECK (bytes >= 0),
    content_type   text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (storage_bucket, storage_path)
);
CREATE INDEX assets_project_idx ON assets (project_id);

ALTER TABLE projects
    ADD CONSTRAINT projects_final_asset_fk FOREIGN KEY (final_asset_id) REFERENCES assets (id);

CREATE TABLE clips (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id              uuid NOT NULL REFERENCES projects (id),
    clip_index              integer NOT NULL CHECK (clip_index >= 0),
    script                  text NOT NULL,
    image_prompt            text NOT NULL,
    voice_style_instruction text NOT NULL DEFAULT '',
    status                  text NOT NULL DEFAULT 'planned'
        CHECK (status IN ('planned', 'rendering', 'rendered', 'failed')),
    duration_ms             integer,
    words                   jsonb,
    audio_asset_id          uuid REFERENCES assets (id),
    image_asset_id          uuid REFERENCES assets (id),
    video_asset_id          uuid REFERENCES assets (id),
    error_message           text,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, clip_index)
);

CREATE TABLE jobs (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id    uuid NOT NULL REFERENCES projects (id),
    clip_index    integer,
    type          text NOT NULL CHECK (type IN ('plan', 'clip', 'final')),
    status        text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    attempts      integer NOT NULL DEFAULT 0,
    error_message text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    finished_at   timestamptz,
    UNIQUE NULLS NOT DISTINCT (project_id, type, clip_index)
);
CREATE INDEX jobs_project_idx ON jobs (project_id);
