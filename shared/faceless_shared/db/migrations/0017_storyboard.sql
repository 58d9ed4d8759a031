-- The storyboard: a plan reviewed before it is rendered, clips edited, inserted, deleted and
-- reordered after the video exists, and every completed join kept as a version of its own.

-- awaiting_approval: the plan (or a staged edit) waits for POST /render. Not in flight, never
-- stale for the reconciler, no lease.
ALTER TABLE projects DROP CONSTRAINT projects_status_check;
ALTER TABLE projects ADD CONSTRAINT projects_status_check
    CHECK (status IN ('queued', 'planning', 'awaiting_approval', 'rendering_clips',
                      'rendering_final', 'completed', 'failed', 'cancelled'));
-- review: the planner stops at awaiting_approval. version: the current version (0: none yet).
ALTER TABLE projects
    ADD COLUMN review boolean NOT NULL DEFAULT false,
    ADD COLUMN version integer NOT NULL DEFAULT 0 CHECK (version >= 0);

-- revision: bumped by every change to the clip (its ETag is "<clip id>-<revision>").
-- motion, captions, voice: NULL follows the preset's move for the slot / the project's setting.
-- chosen_image_id: a picked variant or an upload; NULL draws the picture from image_prompt.
ALTER TABLE clips
    ADD COLUMN revision integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
    ADD COLUMN motion text
        CHECK (motion IN ('zoom_in', 'zoom_out', 'pan_left', 'pan_right', 'pan_up',
                          'pan_down', 'none')),
    ADD COLUMN captions boolean,
    ADD COLUMN voice text,
    ADD COLUMN chosen_image_id uuid REFERENCES assets (id);

-- The clip an asset was made for (NULL: a project-level asset), so a clip's pictures follow it
-- through reorders; a deleted clip's assets stay, unattached. Older rows are matched by index.
ALTER TABLE assets ADD COLUMN clip_id uuid REFERENCES clips (id) ON DELETE SET NULL;
UPDATE assets a SET clip_id = c.id
FROM clips c
WHERE a.clip_index IS NOT NULL AND c.project_id = a.project_id AND c.clip_index = a.clip_index;
CREATE INDEX assets_clip_idx ON assets (clip_id, created_at DESC) WHERE clip_id IS NOT NULL;

-- The project's run when a paid call was made (NULL for rows from before runs were recorded),
-- so a version's usage is its run's calls.
ALTER TABLE provider_calls ADD COLUMN run integer;
ALTER TABLE cost_reservations ADD COLUMN run integer;
CREATE INDEX provider_calls_project_run_idx ON provider_calls (project_id, run);

-- Every completed join: v1, v2, ... each with its own final video, length and cost.
CREATE TABLE project_versions (
    project_id     uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    version        integer NOT NULL CHECK (version >= 1),
    run            integer NOT NULL,
    final_asset_id uuid NOT NULL REFERENCES assets (id),
    duration_ms    integer NOT NULL CHECK (duration_ms >= 0),
    clip_count     integer NOT NULL CHECK (clip_count >= 0),
    cost_usd       numeric(12, 6) NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, version)
);

-- A project completed before versions were kept: its video is version 1.
INSERT INTO project_versions
    (project_id, version, run, final_asset_id, duration_ms, clip_count, cost_usd, created_at)
SELECT p.id, 1, p.run, p.final_asset_id, coalesce(p.duration_ms, 0), coalesce(p.clip_count, 0),
       (SELECT coalesce(sum(c.cost_usd), 0) FROM provider_calls c WHERE c.project_id = p.id),
       coalesce(p.completed_at, p.updated_at)
FROM projects p
WHERE p.status = 'completed' AND p.final_asset_id IS NOT NULL;
UPDATE projects SET version = 1 WHERE status = 'completed' AND final_asset_id IS NOT NULL;
