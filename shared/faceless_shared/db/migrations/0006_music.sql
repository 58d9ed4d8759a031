-- Background music: uploaded tracks, and each project's choice of music and transitions.
CREATE TABLE music_tracks (
    id            uuid PRIMARY KEY,
    storage_key   text NOT NULL UNIQUE,
    format        text NOT NULL CHECK (format IN ('mp3', 'wav', 'm4a', 'ogg', 'flac')),
    bytes         bigint NOT NULL CHECK (bytes > 0),
    duration_ms   integer NOT NULL CHECK (duration_ms > 0),
    filename      text,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- A stored track's key (music/<id>.<ext>), 'bed' for the synthesized bed, or NULL for none.
ALTER TABLE projects ADD COLUMN music_key text
    CHECK (music_key = 'bed' OR music_key LIKE 'music/%');
-- Dissolve between clips (re-encodes the final video) instead of cutting (stream copy).
ALTER TABLE projects ADD COLUMN crossfade boolean NOT NULL DEFAULT false;
