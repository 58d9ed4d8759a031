-- Retention reads by age what it prunes: published outbox rows, music tracks.
CREATE INDEX outbox_published_idx ON outbox (published_at) WHERE published_at IS NOT NULL;
CREATE INDEX music_tracks_created_idx ON music_tracks (created_at);
CREATE INDEX projects_music_key_idx ON projects (music_key) WHERE music_key IS NOT NULL;

-- File retention (FACELESS_FILE_RETENTION_DAYS): the stored objects of projects that ended
-- long ago go, their rows stay (clips and projects refer to them). retired_at: no longer
-- offered for reuse (its content key moved into meta), its object deleted at a later pass;
-- deleted_at: the object is gone. files_expired_at: when a pass last retired the project's
-- files (a project that ended again since is looked at again).
ALTER TABLE assets
    ADD COLUMN retired_at timestamptz,
    ADD COLUMN deleted_at timestamptz;
CREATE INDEX assets_retired_idx ON assets (retired_at)
    WHERE retired_at IS NOT NULL AND deleted_at IS NULL;
ALTER TABLE projects ADD COLUMN files_expired_at timestamptz;
CREATE INDEX projects_ended_idx ON projects (updated_at)
    WHERE status IN ('completed', 'failed', 'cancelled');

-- Who uses an asset: a project as its final, clips (a clip may reuse another project's voice
-- or picture).
CREATE INDEX projects_final_asset_idx ON projects (final_asset_id)
    WHERE final_asset_id IS NOT NULL;
CREATE INDEX clips_audio_asset_idx ON clips (audio_asset_id) WHERE audio_asset_id IS NOT NULL;
CREATE INDEX clips_image_asset_idx ON clips (image_asset_id) WHERE image_asset_id IS NOT NULL;
CREATE INDEX clips_video_asset_idx ON clips (video_asset_id) WHERE video_asset_id IS NOT NULL;
